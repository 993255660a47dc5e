// Copying a thunk into another VM for spawn-thread ([A2]): its code as the
// compiled modules it comes from (protobuf messages, loaded in the new VM
// without running their bodies), and its values -- captured variables,
// nested closures, the module globals its code refers to with their current
// values, recursively -- in an extension of the wire format that keeps
// sharing and cycles (closures that share a box still share it).
#ifndef ETA_NET_THREAD_COPY_H_
#define ETA_NET_THREAD_COPY_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "vm/vm.h"

namespace eta::net {

// ThreadSnapshot is a thunk ready to cross into another VM.
struct ThreadSnapshot {
  // The parent's modules, in load order, shared with it.
  std::vector<std::shared_ptr<const vm::ModuleCode>> modules;
  std::string values;                // the globals, then the thunk
  // The base VM the parent was made from: objects of it are passed as
  // they are, to a VM made from the same base.
  const vm::VM* base = nullptr;
};

// SnapshotThunk copies `thunk` out of `vm`. A value that cannot cross
// (socket, port, continuation) is an InvalidArgument status naming its
// root and kind, e.g. "upvalue conn: socket" or "global log-port: port".
absl::StatusOr<ThreadSnapshot> SnapshotThunk(vm::VM& vm, vm::Value thunk);

// RestoreThunk loads the snapshot's modules into `vm` (a fresh VM with the
// builtins and prelude), sets the copied globals and returns the thunk.
absl::StatusOr<vm::Value> RestoreThunk(vm::VM& vm, const ThreadSnapshot& snapshot);

}  // namespace eta::net

#endif  // ETA_NET_THREAD_COPY_H_
