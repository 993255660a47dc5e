// net/: the socket layer of SPEC [N] on nng, for Eta programs. The tools
// register NetPrimitives() in every VM they make, next to the core
// builtins (the VM itself never links nng).
#ifndef ETA_NET_NET_H_
#define ETA_NET_NET_H_

#include "absl/types/span.h"
#include "vm/vm.h"

namespace eta::net {

// NetPrimitives is the table of socket builtins: nng-socket nng-socket?
// nng-listen nng-dial nng-close send! recv! nng-poll nng-subscribe
// nng-unsubscribe nng-set-option nng-get-option.
absl::Span<const vm::PrimitiveSpec> NetPrimitives();

}  // namespace eta::net

#endif  // ETA_NET_NET_H_
