#include "net/scheduler.h"

#include <malloc.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cerrno>
#include <utility>

namespace eta::net {
namespace {

int configured_count = 0;
// The process's scheduler. A child made by fork (the spawn server's) has
// none of its parent's threads: it makes a scheduler of its own.
Scheduler* instance = nullptr;
std::mutex instance_mutex;
thread_local int current_lane = 0;

void ForgetInChild() { instance = nullptr; }

int64_t Ticks(Clock::time_point t) { return t.time_since_epoch().count(); }

}  // namespace

void Scheduler::Configure(int count) { configured_count = count; }

Scheduler& Scheduler::Get() {
  std::lock_guard<std::mutex> lock(instance_mutex);
  if (instance == nullptr) {
    static const bool registered = pthread_atfork(nullptr, nullptr, ForgetInChild) == 0;
    (void)registered;
    int count = configured_count;
    if (count <= 0) count = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    // Never destroyed: its workers serve the process to its end.
    instance = new Scheduler(count);
  }
  return *instance;
}

Scheduler* Scheduler::IfMade() {
  std::lock_guard<std::mutex> lock(instance_mutex);
  return instance;
}

int Scheduler::CurrentLane() { return current_lane; }

Scheduler::Scheduler(int count) {
  for (int i = 0; i < count; ++i) {
    lanes_.push_back(std::make_unique<Lane>());
    lanes_.back()->worker = i > 0;
  }
}

namespace {

// Actors by the thousand take their memory from malloc's heap, which grows
// by brk, and each fresh 4 KiB page costs the kernel a fault (about 7 us
// on this 2-core virtual machine; a waiting actor touches about four).
// Once a process starts actors, the main heap grows 32 MiB at a time and
// what it grew by is marked for transparent huge pages (the kernel's
// "madvise" mode), as glibc's glibc.malloc.hugetlb=1 tunable does: on one
// scheduler, 100,000 waiting actors fault 7 times less and start twice as
// fast. A worker thread's own malloc arena is marked too (AdviseArena):
// one arena for all threads made the schedulers wait on its lock.
// (Not under a sanitizer, whose allocator is not malloc's.)
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kAdvise = false;
#else
constexpr bool kAdvise = true;
#endif
constexpr uintptr_t kHugePage = uintptr_t{2} << 20;

void GrowHeapInLargeSteps() {
  if (kAdvise) mallopt(M_TOP_PAD, 32 << 20);
}

// AdviseHugePages marks the main heap's growth since it last looked.
void AdviseHugePages() {
  if (!kAdvise) return;
  static std::mutex mutex;
  static uintptr_t advised = 0;  // the heap's end when it last looked
  std::lock_guard<std::mutex> lock(mutex);
  auto end = reinterpret_cast<uintptr_t>(::sbrk(0));
  if (advised == 0) advised = end > kHugePage ? end - kHugePage : 0;
  uintptr_t from = (advised + kHugePage - 1) & ~(kHugePage - 1);
  if (end > from) ::madvise(reinterpret_cast<void*>(from), end - from, MADV_HUGEPAGE);
  advised = std::max(advised, end);
}

// AdviseArena marks the 64 MiB reservation of a worker's malloc arena
// (glibc aligns each) for huge pages, once per reservation; it looks every
// 64th slice, as a reservation holds some thousands of actors.
void AdviseArena() {
  constexpr uintptr_t kArena = uintptr_t{64} << 20;
  thread_local uintptr_t advised = 0;
  thread_local unsigned slices = 0;
  if (!kAdvise || slices++ % 64 != 0) return;
  void* probe = std::malloc(256);
  auto heap = reinterpret_cast<uintptr_t>(probe) & ~(kArena - 1);
  std::free(probe);
  if (heap == advised) return;
  advised = heap;
  ::madvise(reinterpret_cast<void*>(heap), kArena, MADV_HUGEPAGE);
}

}  // namespace

void Scheduler::Start(std::shared_ptr<Task> task) {
  // The workers start with the first task: a process without actors has
  // no threads of the scheduler's.
  std::call_once(workers_started_, [this] {
    GrowHeapInLargeSteps();
    for (int i = 1; i < count(); ++i) workers_.emplace_back(&Scheduler::Work, this, i);
  });
  AdviseHugePages();
  task->lane_ = std::min(current_lane, count() - 1);
  task->state_.store(Task::kQueued);
  Push(std::move(task));
}

void Scheduler::Push(std::shared_ptr<Task> task) {
  int index = task->lane_;
  Lane& lane = *lanes_[index];
  bool help;
  {
    std::lock_guard<std::mutex> lock(lane.mutex);
    lane.queue.push_back(std::move(task));
    help = lane.blocked > 0;
    if (lane.sleeping > 0) lane.changed.notify_one();
  }
  // A lane whose thread is blocked outside the scheduler gets help now; one
  // whose thread runs a task is served when that slice ends (and gets help
  // then, Pop, if more is waiting).
  if (help) Help(index);
}

std::shared_ptr<Task> Scheduler::Pop(int index, bool steal) {
  std::shared_ptr<Task> task;
  bool more = false;
  {
    Lane& lane = *lanes_[index];
    std::lock_guard<std::mutex> lock(lane.mutex);
    if (!lane.queue.empty()) {
      task = std::move(lane.queue.front());
      lane.queue.pop_front();
      more = !lane.queue.empty();
    }
  }
  if (task != nullptr) {
    if (more) Help(index);
    return task;
  }
  if (!steal) return nullptr;
  for (int i = 1; i < count(); ++i) {
    Lane& other = *lanes_[(index + i) % count()];
    std::lock_guard<std::mutex> lock(other.mutex);
    if (!other.queue.empty()) {
      task = std::move(other.queue.front());
      other.queue.pop_front();
      return task;
    }
  }
  return nullptr;
}

void Scheduler::Help(int index) {
  help_epoch_.fetch_add(1);
  if (idle_workers_.load() == 0) return;
  for (int i = 1; i < count(); ++i) {
    Lane& other = *lanes_[(index + i) % count()];
    if (!other.worker) continue;
    std::lock_guard<std::mutex> lock(other.mutex);
    if (other.sleeping > 0 && other.queue.empty()) {
      other.changed.notify_one();
      return;
    }
  }
}

void Scheduler::RunSlice(std::shared_ptr<Task> task, int index) {
  task->lane_ = index;
  task->state_.store(Task::kRunning);
  if (index > 0) AdviseArena();
  Task::Step step = task->Run();
  switch (step) {
    case Task::Step::kYield:
      task->state_.store(Task::kQueued);
      Push(std::move(task));
      break;
    case Task::Step::kWait: {
      int expected = Task::kRunning;
      if (!task->state_.compare_exchange_strong(expected, Task::kIdle)) {
        // Woken while it ran (kRunningWoken): it goes on.
        task->state_.store(Task::kQueued);
        Push(std::move(task));
      }
      break;
    }
    case Task::Step::kDone:
      task->state_.store(Task::kDone);
      Unwatch(*task);
      break;
  }
}

void Scheduler::Wake(Task& task) {
  int state = task.state_.load();
  while (true) {
    switch (state) {
      case Task::kIdle:
        if (task.state_.compare_exchange_weak(state, Task::kQueued)) {
          Push(task.shared_from_this());
          return;
        }
        break;
      case Task::kRunning:
        if (task.state_.compare_exchange_weak(state, Task::kRunningWoken)) return;
        break;
      case Task::kHeld:
        if (task.state_.compare_exchange_weak(state, Task::kHeldWoken)) {
          Lane& lane = *lanes_[task.lane_];
          std::lock_guard<std::mutex> lock(lane.mutex);
          lane.changed.notify_all();
          return;
        }
        break;
      default:
        return;  // queued, woken already, or ended
    }
  }
}

void Scheduler::WakeAt(Clock::time_point deadline, Task& task) {
  bool nearer;
  {
    std::lock_guard<std::mutex> lock(timers_mutex_);
    timers_.push(Timer{deadline, task.weak_from_this(), task.wait_generation()});
    nearer = Ticks(deadline) < next_deadline_.load();
    if (nearer) next_deadline_.store(Ticks(deadline));
  }
  if (nearer) WakeSleepers();
}

void Scheduler::WakeSleepers() {
  for (auto& lane : lanes_) {
    std::lock_guard<std::mutex> lock(lane->mutex);
    if (lane->sleeping > 0) lane->changed.notify_all();
  }
}

Clock::time_point Scheduler::FireTimers() {
  if (Ticks(Clock::now()) < next_deadline_.load()) {
    int64_t next = next_deadline_.load();
    return next == INT64_MAX ? Clock::time_point::max()
                             : Clock::time_point(Clock::duration(next));
  }
  std::vector<std::shared_ptr<Task>> due;
  Clock::time_point next = Clock::time_point::max();
  {
    std::lock_guard<std::mutex> lock(timers_mutex_);
    Clock::time_point now = Clock::now();
    while (!timers_.empty() && timers_.top().deadline <= now) {
      const Timer& timer = timers_.top();
      std::shared_ptr<Task> task = timer.task.lock();
      if (task != nullptr && task->wait_generation() == timer.generation) {
        due.push_back(std::move(task));
      }
      timers_.pop();
    }
    if (!timers_.empty()) next = timers_.top().deadline;
    next_deadline_.store(timers_.empty() ? INT64_MAX : Ticks(next));
  }
  for (auto& task : due) Wake(*task);
  return next;
}

void Scheduler::Hold(Task& task) {
  int index = current_lane;
  task.lane_ = index;
  int expected = Task::kRunning;
  if (!task.state_.compare_exchange_strong(expected, Task::kHeld)) {
    task.state_.store(Task::kRunning);  // woken already
    return;
  }
  Lane& lane = *lanes_[index];
  while (true) {
    if (task.state_.load() == Task::kHeldWoken) break;
    if (std::shared_ptr<Task> next = Pop(index, /*steal=*/true)) {
      RunSlice(std::move(next), index);
      continue;
    }
    Clock::time_point deadline = FireTimers();
    std::unique_lock<std::mutex> lock(lane.mutex);
    if (task.state_.load() == Task::kHeldWoken || !lane.queue.empty()) continue;
    ++lane.sleeping;
    if (deadline == Clock::time_point::max()) {
      lane.changed.wait(lock);
    } else {
      lane.changed.wait_until(lock, deadline);
    }
    --lane.sleeping;
  }
  task.state_.store(Task::kRunning);
}

void Scheduler::RunQueued() {
  int index = current_lane;
  FireTimers();
  size_t queued;
  {
    Lane& lane = *lanes_[index];
    std::lock_guard<std::mutex> lock(lane.mutex);
    queued = lane.queue.size();
  }
  for (size_t i = 0; i < queued; ++i) {
    std::shared_ptr<Task> next = Pop(index, /*steal=*/false);
    if (next == nullptr) break;
    RunSlice(std::move(next), index);
  }
}

void Scheduler::Blocking(bool on) {
  int index = current_lane;
  Lane& lane = *lanes_[index];
  bool help;
  {
    std::lock_guard<std::mutex> lock(lane.mutex);
    lane.blocked += on ? 1 : -1;
    help = on && !lane.queue.empty();
  }
  if (help) Help(index);
}

void Scheduler::Work(int index) {
  current_lane = index;
  Lane& lane = *lanes_[index];
  while (true) {
    uint64_t epoch = help_epoch_.load();
    Clock::time_point deadline = FireTimers();
    if (std::shared_ptr<Task> task = Pop(index, /*steal=*/true)) {
      RunSlice(std::move(task), index);
      continue;
    }
    std::unique_lock<std::mutex> lock(lane.mutex);
    if (!lane.queue.empty() || help_epoch_.load() != epoch) continue;
    ++lane.sleeping;
    idle_workers_.fetch_add(1);
    // Help counted after the look above is seen before sleeping.
    if (help_epoch_.load() == epoch) {
      if (deadline == Clock::time_point::max()) {
        lane.changed.wait(lock);
      } else {
        lane.changed.wait_until(lock, deadline);
      }
    }
    idle_workers_.fetch_sub(1);
    --lane.sleeping;
  }
}

// ---- The descriptor poller ----

bool Scheduler::WakeOnReadable(int fd, Task& task) {
  std::lock_guard<std::mutex> lock(poll_mutex_);
  if (epoll_fd_ < 0) {
    epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd_ < 0) return false;
    poller_ = std::thread(&Scheduler::Poll, this);
  }
  uint64_t id = next_poll_id_++;
  struct epoll_event event = {};
  event.events = EPOLLIN | EPOLLONESHOT;
  event.data.u64 = id;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0 &&
      (errno != EEXIST || ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &event) != 0)) {
    return false;
  }
  polled_[id] = Polled{task.weak_from_this(), task.wait_generation(), fd};
  latest_[fd] = id;
  task.polled_.push_back(id);
  return true;
}

void Scheduler::NewWait(Task& task) {
  task.generation_.fetch_add(1, std::memory_order_acq_rel);
  if (!task.polled_.empty()) Unwatch(task);
}

void Scheduler::Unwatch(Task& task) {
  if (task.polled_.empty()) return;
  std::lock_guard<std::mutex> lock(poll_mutex_);
  for (uint64_t id : task.polled_) {
    auto it = polled_.find(id);
    if (it == polled_.end()) continue;
    int fd = it->second.fd;
    auto latest = latest_.find(fd);
    if (latest != latest_.end() && latest->second == id) {
      ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);  // gone already: fine
      latest_.erase(latest);
    }
    polled_.erase(it);
  }
  task.polled_.clear();
}

void Scheduler::Poll() {
  struct epoll_event events[64];
  while (true) {
    int n = ::epoll_wait(epoll_fd_, events, 64, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    std::vector<std::shared_ptr<Task>> ready;
    {
      std::lock_guard<std::mutex> lock(poll_mutex_);
      for (int i = 0; i < n; ++i) {
        auto it = polled_.find(events[i].data.u64);
        if (it == polled_.end()) continue;
        std::shared_ptr<Task> task = it->second.task.lock();
        if (task != nullptr && task->wait_generation() == it->second.generation) {
          ready.push_back(std::move(task));
        }
      }
    }
    for (auto& task : ready) Wake(*task);
  }
}

}  // namespace eta::net
