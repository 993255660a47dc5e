#include "net/waiting.h"

#include <algorithm>

#include "net/actors.h"
#include "net/socket.h"

namespace eta::net {
namespace {

// kRelook is how soon a wait whose descriptor cannot be watched looks
// again.
constexpr auto kRelook = std::chrono::milliseconds(5);

// YieldToLane lets a VM run from C++ (which cannot suspend) share its
// scheduler thread: when its reductions run out, the lane's queued tasks
// run a slice each.
class YieldToLane : public vm::Preemption {
 public:
  void Yield(vm::VM& vm) override {
    if (Scheduler* scheduler = Scheduler::IfMade()) scheduler->RunQueued();
  }
};

YieldToLane yield_to_lane;

}  // namespace

Task& TaskOf(vm::VM& vm) {
  NetState& state = GetNetState(vm);
  if (state.task == nullptr) state.task = std::make_shared<Task>();
  return *state.task;
}

void DeclareScheduled(vm::VM& vm, std::shared_ptr<Task> task) {
  GetNetState(vm).task = std::move(task);
}

void UseLanePreemption(vm::VM& vm) { vm.set_preemption(&yield_to_lane); }

bool TakeParked(vm::VM& vm) { return std::exchange(GetNetState(vm).parked, false); }

Waiting::Waiting(vm::VM& vm, int32_t timeout_ms)
    : Waiting(vm, std::chrono::milliseconds(std::max<int32_t>(timeout_ms, 0))) {
  forever_ = timeout_ms < 0;
}

Waiting::Waiting(vm::VM& vm, Clock::duration timeout)
    : vm_(vm), task_(TaskOf(vm)), forever_(false) {
  NetState& state = GetNetState(vm);
  if (state.resume_deadline.has_value()) {
    deadline_ = *state.resume_deadline;
    state.resume_deadline.reset();
  } else {
    deadline_ = Clock::now() + timeout;
  }
}

void Waiting::NewLook() {
  Scheduler::Get().NewWait(task_);
  look_by_ = Clock::time_point::max();
}

bool Waiting::OnReadable(int fd) {
  if (Scheduler::Get().WakeOnReadable(fd, task_)) return true;
  LookAgainBy(Clock::now() + kRelook);
  return false;
}

void Waiting::LookAgainBy(Clock::time_point when) { look_by_ = std::min(look_by_, when); }

bool Waiting::TimedOut() const { return !forever_ && Clock::now() >= deadline_; }

int32_t Waiting::Remaining() const {
  if (forever_) return kForever;
  auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline_ - Clock::now()).count();
  return static_cast<int32_t>(std::max<int64_t>(left, 0));
}

vm::Value Waiting::Park() {
  Scheduler& scheduler = Scheduler::Get();
  Clock::time_point wake = forever_ ? look_by_ : std::min(deadline_, look_by_);
  if (wake != Clock::time_point::max()) scheduler.WakeAt(wake, task_);
  if (vm_.CanSuspend()) {
    NetState& state = GetNetState(vm_);
    state.resume_deadline = deadline_;
    state.parked = true;
    return vm::Value::SuspendMarker();
  }
  scheduler.Hold(task_);
  return vm::Value::Unspecified();
}

}  // namespace eta::net
