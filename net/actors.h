// Actors (SPEC [A]): spawned child processes, the mailbox of a spawned
// program, lifecycles and monitors. The per-VM state lives in NetState, the
// VM's extension.
#ifndef ETA_NET_ACTORS_H_
#define ETA_NET_ACTORS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "net/socket.h"
#include "vm/vm.h"

namespace eta::net {

// NetState is what the socket layer keeps per VM: the mailbox, the
// children it spawned (terminated and reaped when the VM ends), the module
// search path children inherit.
class NetState : public vm::VMExtension {
 public:
  ~NetState() override;
  void Trace(vm::Tracer& tracer) override { tracer.Mark(mailbox); }

  vm::Value mailbox = vm::Value::Nil();
  std::vector<std::shared_ptr<ChildProcess>> children;
  std::vector<std::string> search_path;
  uint64_t next_endpoint = 0;
  int parent_pid = 0;  // a spawned program's parent, when it attached
  std::string mailbox_url;
};

// GetNetState returns the VM's NetState, making it on first use.
NetState& GetNetState(vm::VM& vm);

// SetSearchPath records the module search path for spawn (path resolution
// and the children's --path).
void SetSearchPath(vm::VM& vm, std::vector<std::string> path);

// AttachMailbox connects the program's mailbox (etai --mailbox URL): a pair
// socket dialled to the parent, returned by (current-mailbox).
absl::Status AttachMailbox(vm::VM& vm, const std::string& url);

// PeerGone is what recv! gives once the peer of `s` is gone and its
// messages are all received: a (down ENDPOINT REASON) message on a
// monitored socket; an nng-error for a crashed child or failed thread
// (once); else #f.
vm::Value PeerGone(vm::VM& vm, Socket* s);

// ActorPrimitives: spawn current-mailbox spawn-wait spawn-kill monitor
// demonitor.
absl::Span<const vm::PrimitiveSpec> ActorPrimitives();

}  // namespace eta::net

#endif  // ETA_NET_ACTORS_H_
