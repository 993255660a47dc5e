#include "net/aio_timer.h"

#include <thread>

namespace eta::net {

AioTimer& AioTimer::Get() {
  // Never destroyed: its thread may still wait when the process exits.
  static AioTimer* timer = [] {
    auto* t = new AioTimer;
    std::thread([t] { t->Run(); }).detach();
    return t;
  }();
  return *timer;
}

int AioTimer::Wait(nng_aio* aio, Clock::time_point deadline) {
  uint64_t ticket;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ticket = next_ticket_++;
    entries_.emplace(ticket, Entry{aio, deadline, false});
    if (deadline < wake_) {
      wake_ = deadline;
      changed_.notify_one();
    }
  }
  nng_aio_wait(aio);
  bool cancelled;
  {
    // Once the entry is gone the thread cannot touch the aio again.
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = entries_.find(ticket);
    cancelled = it->second.cancelled;
    entries_.erase(it);
  }
  int rv = nng_aio_result(aio);
  return cancelled && rv == NNG_ECANCELED ? NNG_ETIMEDOUT : rv;
}

void AioTimer::Run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    if (wake_ == Clock::time_point::max()) {
      changed_.wait(lock);
    } else {
      changed_.wait_until(lock, wake_);
    }
    Clock::time_point now = Clock::now();
    if (now < wake_) continue;  // woken for an earlier deadline, or spuriously
    wake_ = Clock::time_point::max();
    for (auto& [ticket, entry] : entries_) {
      if (entry.cancelled) continue;
      if (entry.deadline <= now) {
        // Under the lock: the waiter has not yet removed the entry, so the
        // aio is alive. A cancel of an operation that just finished does
        // nothing; the waiter then sees the operation's own result.
        entry.cancelled = true;
        nng_aio_cancel(entry.aio);
      } else if (entry.deadline < wake_) {
        wake_ = entry.deadline;
      }
    }
  }
}

}  // namespace eta::net
