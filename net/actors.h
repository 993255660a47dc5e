// Actors (SPEC [A]): spawned child processes, the mailbox of a spawned
// program, lifecycles and monitors. The per-VM state lives in NetState, the
// VM's extension.
#ifndef ETA_NET_ACTORS_H_
#define ETA_NET_ACTORS_H_

#include <cstdint>
#include <chrono>
#include <functional>
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "net/scheduler.h"
#include "net/socket.h"
#include "vm/vm.h"

namespace eta::net {

// HostedVM is a VM made by a ThreadHost, with what it needs (its
// evaluator), destroyed together.
class HostedVM {
 public:
  virtual ~HostedVM() = default;
  virtual vm::VM& vm() = 0;
};

// ThreadHost makes the VMs of spawn-thread-with; the tools supply it (net/
// never links the compiler).
class ThreadHost {
 public:
  virtual ~ThreadHost() = default;
  // NewVM makes a fresh VM ready to run programs (builtins, prelude, eval,
  // module loading).
  virtual absl::StatusOr<std::unique_ptr<HostedVM>> NewVM() = 0;
  // LoadFile loads the module file `path` (and its imports) into `vm` and
  // runs their bodies; returns the file's module name.
  virtual absl::StatusOr<std::string> LoadFile(vm::VM& vm, const std::string& path) = 0;
};

// NetState is what the socket layer keeps per VM: the mailbox, the
// children it spawned (terminated and reaped when the VM ends), the module
// search path children inherit.
class NetState : public vm::VMExtension {
 public:
  // RandomEndpointName is N of a default endpoint's ipc:///tmp/eta-PID-N.sock:
  // 16 hex digits from the kernel's random source, so that no other local
  // user can predict it.
  static std::string RandomEndpointName();
  ~NetState() override;
  void Trace(vm::Tracer& tracer) override { tracer.Mark(mailbox); }

  vm::Value mailbox = vm::Value::Nil();
  std::vector<std::shared_ptr<ChildProcess>> children;
  std::vector<std::string> search_path;
  std::vector<std::shared_ptr<ThreadPeer>> threads;  // waited for at the end
  size_t threads_pruned_at = 64;  // when `threads` next drops those that ended
  ThreadHost* thread_host = nullptr;
  // Waiting (net/waiting.h): the VM's task; the deadline of a wait that
  // suspended the VM, for the builtin's next call; whether the last
  // suspension was such a wait.
  std::shared_ptr<Task> task;
  std::optional<std::chrono::steady_clock::time_point> resume_deadline;
  bool parked = false;
  int parent_pid = 0;  // a spawned program's parent, when it attached
  std::string mailbox_url;
};

// GetNetState returns the VM's NetState, making it on first use.
NetState& GetNetState(vm::VM& vm);

// SetSearchPath records the module search path for spawn (path resolution
// and the children's --path).
void SetSearchPath(vm::VM& vm, std::vector<std::string> path);

// SetThreadHost installs the maker of thread VMs.
void SetThreadHost(vm::VM& vm, ThreadHost* host);

// AttachMailbox connects the program's mailbox (etai --mailbox URL): a pair
// socket dialled to the parent, returned by (current-mailbox).
absl::Status AttachMailbox(vm::VM& vm, const std::string& url);

// PeerGone is what recv! gives once the peer of `s` is gone and its
// messages are all received: a (down ENDPOINT REASON) message on a
// monitored socket; an nng-error for a crashed child or failed thread
// (once); else #f.
vm::Value PeerGone(vm::VM& vm, Socket* s);

// ActorPrimitives: spawn current-mailbox spawn-wait spawn-kill monitor
// demonitor spawn-thread-with thread-join thread-alive?.
absl::Span<const vm::PrimitiveSpec> ActorPrimitives();

}  // namespace eta::net

#endif  // ETA_NET_ACTORS_H_
