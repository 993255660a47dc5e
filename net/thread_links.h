// ThreadLinks makes the connections between parents and the thread VMs
// they start (spawn-thread, spawn-thread-with), one kept ready in advance.
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

#include <condition_variable>
#include <mutex>
#include <optional>
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

class ThreadLinks {
 public:
  // The process's links; the maker thread starts on the first Take.
  static ThreadLinks& Get();

  // Take returns the link made in advance, or one made now.
  absl::StatusOr<ThreadLink> Take();

  // Make makes a link: both ends connected, each having seen the other.
  static absl::StatusOr<ThreadLink> Make();

 private:
  ThreadLinks() = default;
  void Run();  // the maker thread's body

  std::mutex mutex_;
  std::condition_variable taken_;
  std::optional<ThreadLink> spare_;
  bool started_ = false;
};

}  // namespace eta::net

#endif  // ETA_NET_THREAD_LINKS_H_
