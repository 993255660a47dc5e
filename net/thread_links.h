// ThreadLinks makes the connections between parents and the thread VMs
// they start (spawn-thread, spawn-thread-with), one kept ready in advance
// (net/spare.h).
//
// A connection over inproc is cheap in CPU but slow to make: nng's dial
// passes the work between its threads several times, about 70 us in all,
// as much as the rest of a thread's start. So, as the thread host keeps a
// VM ready, this keeps one connected pair of sockets ready, made by a
// thread of its own with time nobody else wants, and a thread being
// started takes it. When none is ready (threads started back to back), the
// pair is made on the spot.
#ifndef ETA_NET_THREAD_LINKS_H_
#define ETA_NET_THREAD_LINKS_H_

#include <string>

#include "absl/status/statusor.h"
#include "net/socket.h"

namespace eta::net {

// ThreadLink is a connected pair: the parent's end (which listens on
// `url`) and the thread's mailbox (which dialled it).
struct ThreadLink {
  SocketParts parent;
  SocketParts mailbox;
};

// ThreadLinks hands out the links of this process, one made in advance.
class ThreadLinks {
 public:
  // Take returns the link made in advance, or one made now.
  static absl::StatusOr<ThreadLink> Take();

  // Make makes a link: both ends connected, each having seen the other.
  static absl::StatusOr<ThreadLink> Make();
};

}  // namespace eta::net

#endif  // ETA_NET_THREAD_LINKS_H_
