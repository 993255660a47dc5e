// Scheduler: the process's scheduler threads, which run its actors (SPEC
// [A4]). An actor is a Task: a VM that runs in slices (VM::Start, Resume)
// and, between slices, waits without a thread of its own, queued on a lane
// or parked until a message, a descriptor or a deadline wakes it.
//
// There is one lane per scheduler. Lane 0 belongs to the threads that run a
// VM of their own (the main program, a test's VM): such a "held" task waits
// on its own stack and, meanwhile, runs the tasks queued on lane 0 (so a
// main program and the actors it started talk without a thread switch).
// Lanes 1..N-1 each have a worker thread. A task runs on the lane of the
// task that started it; a lane whose tasks wait behind a busy one has an
// idle worker come and take them. Timers and the descriptor poller wake
// tasks from any thread.
#ifndef ETA_NET_SCHEDULER_H_
#define ETA_NET_SCHEDULER_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace eta::net {

using Clock = std::chrono::steady_clock;

class Scheduler;

// Task is one actor as the scheduler sees it.
class Task : public std::enable_shared_from_this<Task> {
 public:
  // What a slice ended with: the task is runnable still (its reductions
  // ran out), it waits to be woken, or it has ended.
  enum class Step { kYield, kWait, kDone };
  virtual ~Task() = default;
  // Run runs the task's next slice, on a scheduler thread. (Held tasks,
  // which run on a thread of their own, are never Run.)
  virtual Step Run() { return Step::kDone; }

  // A wait's generation: wake-ups asked for by an earlier wait (a timer,
  // a descriptor) are ignored once a new wait began.
  uint64_t wait_generation() const { return generation_.load(std::memory_order_acquire); }

 private:
  friend class Scheduler;
  enum State : int {
    kIdle,          // parked: a wake-up queues it
    kQueued,        // on a lane's queue
    kRunning,       // in a slice (or a held task's own code)
    kRunningWoken,  // a wake-up came while it ran: it goes on at once
    kHeld,          // waiting on a thread's stack (Scheduler::Hold)
    kHeldWoken,     // ... and woken
    kDone,
  };
  std::atomic<int> state_{kRunning};
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> lane_{0};  // read by wakers on other threads
  // The poller's registrations of the current wait (ids).
  std::vector<uint64_t> polled_;
};

class Scheduler {
 public:
  // Configure sets the number of schedulers (at least 1) before the first
  // Get; 0 means one per CPU.
  static void Configure(int count);
  // Get returns the process's scheduler, made on first use; IfMade the
  // scheduler if one was made, else nullptr.
  static Scheduler& Get();
  static Scheduler* IfMade();
  // CurrentLane is the lane of the calling thread (0 unless a worker's).
  static int CurrentLane();

  int count() const { return static_cast<int>(lanes_.size()); }

  // Start queues a new task on the calling thread's lane.
  void Start(std::shared_ptr<Task> task);
  // Wake makes `task` runnable: a parked task is queued, a held one goes
  // on, one that runs now goes on when its slice ends. Any thread.
  void Wake(Task& task);
  // WakeAt wakes `task` at `deadline`, unless it began another wait by then.
  void WakeAt(Clock::time_point deadline, Task& task);
  // WakeOnReadable wakes `task` once `fd` is readable (or hung up), unless
  // it began another wait by then. False when the descriptor cannot be
  // watched (the caller then looks again after a short while).
  bool WakeOnReadable(int fd, Task& task);
  // NewWait begins a new wait of `task`: earlier timers and descriptors of
  // its own no longer wake it.
  void NewWait(Task& task);
  // Hold waits on the calling thread until `task` (the one this thread
  // runs) is woken, running the tasks of the thread's lane meanwhile.
  void Hold(Task& task);
  // RunQueued runs, on the calling thread, the tasks queued on its lane
  // now, one slice each (a held task's yield).
  void RunQueued();
  // Blocking marks the calling thread as blocked outside the scheduler
  // (console or file input) while `on`: its lane's tasks are taken by an
  // idle worker meanwhile.
  void Blocking(bool on);
  // Forget drops the poller's registrations of `task` (it ended).
  void Forget(Task& task) { NewWait(task); }

 private:
  struct Lane {
    std::mutex mutex;
    std::condition_variable changed;  // a task queued, a held task woken
    std::deque<std::shared_ptr<Task>> queue;
    int sleeping = 0;      // threads waiting on `changed`
    int blocked = 0;       // threads of the lane blocked outside the scheduler
    bool worker = false;   // served by a worker thread of its own
  };
  struct Timer {
    Clock::time_point deadline;
    std::weak_ptr<Task> task;
    uint64_t generation;
    bool operator>(const Timer& other) const { return deadline > other.deadline; }
  };
  struct Polled {
    std::weak_ptr<Task> task;
    uint64_t generation;
    int fd;
  };

  explicit Scheduler(int count);
  // Push queues `task` on its lane; Pop takes the next task of `lane`, or
  // one from another lane (stealing) when `steal`.
  void Push(std::shared_ptr<Task> task);
  std::shared_ptr<Task> Pop(int lane, bool steal);
  // RunSlice runs one slice of `task` on lane `lane` and queues or parks
  // it after.
  void RunSlice(std::shared_ptr<Task> task, int lane);
  // Helping asks an idle worker to come and take work queued on `lane`.
  void Help(int lane);
  // FireTimers wakes the tasks whose deadline passed; returns the next
  // deadline (max() when none).
  Clock::time_point FireTimers();
  void Work(int lane);  // a worker thread's loop
  void Poll();          // the poller thread's loop
  // Unwatch removes the poller's registrations of `task`.
  void Unwatch(Task& task);
  void WakeSleepers();  // every lane's sleeping threads (a nearer timer)

  std::vector<std::unique_ptr<Lane>> lanes_;
  std::vector<std::thread> workers_;
  std::once_flag workers_started_;
  std::atomic<int> idle_workers_{0};
  // Counts calls for help, so that a worker about to sleep sees one that
  // came while it looked for work.
  std::atomic<uint64_t> help_epoch_{0};
  // The nearest timer's deadline (ns since the clock's epoch; max when
  // none): busy threads look at it between slices.
  std::atomic<int64_t> next_deadline_{INT64_MAX};

  std::mutex timers_mutex_;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers_;

  std::mutex poll_mutex_;
  int epoll_fd_ = -1;
  std::thread poller_;
  uint64_t next_poll_id_ = 1;
  absl::flat_hash_map<uint64_t, Polled> polled_;
  // The latest registration of each descriptor: an earlier one's removal
  // must not remove it (the number may be a new descriptor's by then).
  absl::flat_hash_map<int, uint64_t> latest_;
};

// Blocking marks the calling thread as blocked outside the scheduler for
// its lifetime (Scheduler::Blocking), when there is a scheduler.
class Blocking {
 public:
  Blocking() : scheduler_(Scheduler::IfMade()) {
    if (scheduler_ != nullptr) scheduler_->Blocking(true);
  }
  ~Blocking() {
    if (scheduler_ != nullptr) scheduler_->Blocking(false);
  }
  Blocking(const Blocking&) = delete;
  Blocking& operator=(const Blocking&) = delete;

 private:
  Scheduler* scheduler_;
};

}  // namespace eta::net

#endif  // ETA_NET_SCHEDULER_H_
