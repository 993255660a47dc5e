// Link-time corrections of nng 1.5 (see nng_patches.cc).
#ifndef ETA_NET_NNG_PATCHES_H_
#define ETA_NET_NNG_PATCHES_H_

#include <string_view>

namespace eta::net {

// NeedsNngResolver tells whether an endpoint for `url` resolves names
// (every scheme but ipc, inproc and abstract).
bool NeedsNngResolver(std::string_view url);

// StartNngResolver starts nng's resolver threads unless they run already,
// and returns nng's result (0 when they run). Call it before making an
// endpoint that NeedsNngResolver: nng would wait for them forever.
int StartNngResolver();

}  // namespace eta::net

#endif  // ETA_NET_NNG_PATCHES_H_
