// AioTimer ends nng operations whose time is up, for every socket of the
// process, from one thread of its own.
//
// Why not nng's own aio timeouts: in nng 1.5 a timeout that expires just
// as the operation completes can run the protocol's cancel routine after
// the socket is gone (a panic). Why not a completion callback that wakes
// the waiter: nng runs every aio callback on its task-queue threads, one
// more thread switch per send and receive. With AioTimer a socket's aio
// has no callback, nng_aio_wait is woken straight from the operation's
// completion, and a wait that must end early is cancelled here.
#ifndef ETA_NET_AIO_TIMER_H_
#define ETA_NET_AIO_TIMER_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include <nng/nng.h>

#include "absl/container/flat_hash_map.h"

namespace eta::net {

class AioTimer {
 public:
  using Clock = std::chrono::steady_clock;

  // The process's timer; its thread starts on first use.
  static AioTimer& Get();

  // Wait waits for `aio`'s operation (already started) to finish, cancelling
  // it at `deadline`, and returns its result: NNG_ETIMEDOUT when cancelled
  // here, whatever nng said otherwise.
  int Wait(nng_aio* aio, Clock::time_point deadline);

 private:
  AioTimer() = default;
  void Run();

  std::mutex mutex_;
  std::condition_variable changed_;
  struct Entry {
    nng_aio* aio;
    Clock::time_point deadline;
    bool cancelled;
  };
  absl::flat_hash_map<uint64_t, Entry> entries_;  // by ticket
  uint64_t next_ticket_ = 0;
  // When the thread wakes next. It keeps that time when the waits that set
  // it end early, so a new wait with a later deadline need not wake it: in
  // a stream of short operations it wakes once per deadline period, not
  // once per operation.
  Clock::time_point wake_ = Clock::time_point::max();
};

}  // namespace eta::net

#endif  // ETA_NET_AIO_TIMER_H_
