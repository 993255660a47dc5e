// Spare<T> keeps one T made in advance, by a thread of its own with time no
// other thread wants: the thread host keeps a VM ready for the next thread
// VM, and ThreadLinks a connected pair of sockets. Take hands out the spare
// (and has the next made) or, when none is ready (takes back to back),
// makes one on the spot.
#ifndef ETA_NET_SPARE_H_
#define ETA_NET_SPARE_H_

#if defined(__linux__)
#include <pthread.h>
#include <sched.h>
#endif

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "absl/status/statusor.h"

namespace eta::net {

template <typename T>
class Spare {
 public:
  explicit Spare(std::function<absl::StatusOr<T>()> make) : make_(std::move(make)) {}
  Spare(const Spare&) = delete;
  Spare& operator=(const Spare&) = delete;
  // Stops the maker, waiting for the one it is making.
  ~Spare() {
    std::thread maker;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
      maker = std::move(maker_);
    }
    taken_.notify_all();
    if (maker.joinable()) maker.join();
  }

  // Take returns the spare, or one made now; the maker starts on the first.
  absl::StatusOr<T> Take() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!maker_.joinable() && !stopping_) maker_ = std::thread(&Spare::Run, this);
      if (spare_.has_value()) {
        T taken = std::move(*spare_);
        spare_.reset();
        taken_.notify_one();
        return taken;
      }
    }
    return make_();
  }

 private:
  void Run() {
#if defined(__linux__)
    // The thread being started must never wait for a core behind the
    // spare made for the next.
    struct sched_param idle = {};
    pthread_setschedparam(pthread_self(), SCHED_IDLE, &idle);
#endif
    std::unique_lock<std::mutex> lock(mutex_);
    while (true) {
      taken_.wait(lock, [&] { return stopping_ || !spare_.has_value(); });
      if (stopping_) return;
      lock.unlock();
      absl::StatusOr<T> made = make_();
      lock.lock();
      // What cannot be made now will not be later: Take then makes its
      // own, and reports why it failed.
      if (!made.ok()) return;
      spare_.emplace(std::move(*made));
    }
  }

  std::function<absl::StatusOr<T>()> make_;
  // std::mutex rather than absl::Mutex: Debian's abseil is not built for
  // ThreadSanitizer, which then cannot see what its locks order.
  std::mutex mutex_;
  std::condition_variable taken_;  // or stopping_
  std::optional<T> spare_;
  bool stopping_ = false;
  std::thread maker_;
};

}  // namespace eta::net

#endif  // ETA_NET_SPARE_H_
