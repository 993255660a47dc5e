// Waiting: how a builtin waits (SPEC [A4]). A builtin looks whether what
// it waits for is there; if not, it says what should wake it (a mailbox
// registers the task itself, a descriptor goes to the scheduler's poller,
// the deadline to its timers) and parks:
//
//   Waiting wait(vm, timeout_ms);
//   while (true) {
//     wait.NewLook();
//     if (... there, registering wait.task() where it is not ...) return ...;
//     if (wait.TimedOut()) return ...;
//     if (Value parked = wait.Park(); parked.IsSuspend()) return parked;
//   }
//
// In a VM the scheduler runs in slices, Park suspends the VM: the builtin
// returns, and is called again with the same arguments when the task is
// woken (the deadline is kept for that call). Elsewhere (a VM run from C++:
// the main program, a module body) Park waits on the thread, which runs
// the other tasks of its lane meanwhile, and the builtin looks again.
#ifndef ETA_NET_WAITING_H_
#define ETA_NET_WAITING_H_

#include <cstdint>
#include <memory>

#include "net/scheduler.h"
#include "vm/value.h"
#include "vm/vm.h"

namespace eta::net {

// TaskOf returns the task of `vm`: the scheduler's for the VMs it runs,
// else one made on first use for the thread that runs the VM.
Task& TaskOf(vm::VM& vm);

// DeclareScheduled records that the scheduler runs `vm` as `task` (and
// lets the VM's Call-ed code yield to the lane).
void DeclareScheduled(vm::VM& vm, std::shared_ptr<Task> task);

// UseLanePreemption has `vm`, when its reductions run out where it cannot
// suspend, let the queued tasks of its thread's lane run a slice each.
void UseLanePreemption(vm::VM& vm);

// TakeParked tells whether the VM's last suspension was a Park (a wait),
// not a preemption, and clears it.
bool TakeParked(vm::VM& vm);

class Waiting {
 public:
  // A wait of up to `timeout_ms` (kForever: no limit; 0: none) begins, or
  // goes on in a builtin called again after a suspension.
  Waiting(vm::VM& vm, int32_t timeout_ms);
  Waiting(vm::VM& vm, Clock::duration timeout);
  Task& task() { return task_; }
  // NewLook begins a look: wake-ups asked for by earlier looks are
  // dropped.
  void NewLook();
  // OnReadable has `fd` wake the task; false when it cannot (Park then
  // looks again after a short while).
  bool OnReadable(int fd);
  // LookAgainBy has the task look again by `when` at the latest (a state
  // nothing signals, like a child ending before it connected).
  void LookAgainBy(Clock::time_point when);
  bool TimedOut() const;
  // Remaining is the time left in milliseconds (kForever without limit).
  int32_t Remaining() const;
  Clock::time_point deadline() const { return deadline_; }
  // Park: see above. SuspendMarker for the builtin to return, or
  // Unspecified after a wait on this thread.
  vm::Value Park();

 private:
  vm::VM& vm_;
  Task& task_;
  bool forever_;
  Clock::time_point deadline_;
  Clock::time_point look_by_ = Clock::time_point::max();
};

}  // namespace eta::net

#endif  // ETA_NET_WAITING_H_
