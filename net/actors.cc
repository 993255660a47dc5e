#include "net/actors.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <cstdio>
#include <cstdlib>
#include <cmath>
#include <cstring>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "compiler/status_macros.h"
#include "net/spawn_server.h"
#include "net/thread_copy.h"
#include "net/waiting.h"
#include "vm/module_files.h"
#include "vm/object.h"
#include "vm/printer.h"
#include "vm/utf8.h"
#include "wire/wire.h"

namespace eta::net {
namespace {

using vm::Arguments;
using vm::Value;
using vm::VM;

constexpr auto kReapGrace = std::chrono::seconds(2);
constexpr auto kReapStep = std::chrono::milliseconds(5);

// ReapWithin waits up to `grace` for a child to end; true if it did.
bool ReapWithin(ChildProcess& child, std::chrono::milliseconds grace) {
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (!child.Reap(false)) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(kReapStep);
  }
  return true;
}

std::string DirectoryOf(const std::string& file) {
  size_t slash = file.rfind('/');
  return slash == std::string::npos ? "." : file.substr(0, slash);
}

std::string Absolute(const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  char cwd[4096];
  if (::getcwd(cwd, sizeof cwd) == nullptr) return path;
  return absl::StrCat(cwd, "/", path);
}

// ResolveSpawnPath finds the module file of (spawn path): against the
// current directory, then the calling module's directory, then the module
// search path ([A1]).
std::string ResolveSpawnPath(VM& vm, const NetState& state, const std::string& path,
                             std::vector<std::string>* tried) {
  if (!path.empty() && path[0] == '/') {
    tried->push_back(path);
    return vm::ChooseModuleFile(path);
  }
  std::vector<std::string> dirs;
  const char* working = std::getenv("BUILD_WORKING_DIRECTORY");
  dirs.push_back(working != nullptr && *working ? working : ".");
  std::string caller = vm.CurrentSourceFile();
  if (!caller.empty()) dirs.push_back(DirectoryOf(caller));
  for (const std::string& dir : state.search_path) dirs.push_back(dir);
  for (const std::string& dir : dirs) {
    std::string candidate = dir == "." ? path : absl::StrCat(dir, "/", path);
    tried->push_back(candidate);
    std::string found = vm::ChooseModuleFile(candidate);
    if (!found.empty()) return Absolute(found);
  }
  return "";
}

// DialableUrl turns a listen address into one a child can dial.
std::string DialableUrl(const std::string& url) {
  for (const char* any : {"tcp://*:", "tcp://0.0.0.0:", "tcp://:"}) {
    std::string prefix(any);
    if (url.compare(0, prefix.size(), prefix) == 0) {
      return absl::StrCat("tcp://127.0.0.1:", url.substr(prefix.size()));
    }
  }
  return url;
}

// PeerSocketArgument returns args[0] when it is a socket returned by
// spawn (or, with `thread`, spawn-thread); else raises and returns nullptr.
Socket* PeerSocketArgument(VM& vm, const char* who, Arguments args, bool thread) {
  Socket* s = AsSocket(args[0]);
  if (s == nullptr || (thread ? s->thread() == nullptr : s->child() == nullptr)) {
    vm.RaiseTypeError(who, 1, thread ? "a socket returned by spawn-thread"
                                     : "a socket returned by spawn", args[0]);
    return nullptr;
  }
  return s;
}

Socket* ChildSocketArgument(VM& vm, const char* who, Arguments args) {
  return PeerSocketArgument(vm, who, args, false);
}

// FindModuleFile resolves the file argument of spawn and spawn-thread-with;
// "" after raising an os-error that says where it looked.
std::string FindModuleFile(VM& vm, const char* who, Value argument) {
  std::string path;
  if (!vm.OsStringArgument(who, 1, argument, &path)) return "";
  std::vector<std::string> tried;
  std::string file = ResolveSpawnPath(vm, GetNetState(vm), path, &tried);
  if (file.empty()) {
    vm.RaiseError("os-error", absl::StrCat(who, ": cannot find ", path, " (looked for ",
                                           absl::StrJoin(tried, ", "), ")"));
  }
  return file;
}

// (spawn path [url]).
Value Spawn(VM& vm, Arguments args) {
  if (!vm::IsString(args[0])) return vm.RaiseTypeError("spawn", 1, "a string", args[0]);
  std::string url;
  if (args.count > 1 && !vm.OsStringArgument("spawn", 2, args[1], &url)) {
    return Value::RaiseMarker();
  }
  NetState& state = GetNetState(vm);
  // Children that already ended are reaped now, so none lingers as a
  // zombie; the sockets left open for them to hang up close.
  std::erase_if(state.children, [](const std::shared_ptr<ChildProcess>& child) {
    if (!child->Reap(false)) return false;
    if (Socket* s = std::exchange(child->closing_socket, nullptr)) s->FinishClose();
    return true;
  });
  std::string file = FindModuleFile(vm, "spawn", args[0]);
  if (file.empty()) return Value::RaiseMarker();
  StartSpawnServer();  // it gets ready while this spawn makes its socket
  absl::StatusOr<Socket*> opened = Socket::Open(vm.heap(), "pair");
  if (!opened.ok()) return vm.RaiseError("nng-error", std::string(opened.status().message()));
  Socket* s = *opened;
  vm::Rooted keep(vm.heap(), Value::FromObject(s));
  absl::Status status;
  if (args.count > 1) {
    status = s->ListenPrivate(url);
  } else {
    // ipc:///tmp/eta-PID-N.sock (SPEC [A1]) with N a fresh random 64-bit
    // number each try: another local user cannot guess the next names and
    // take them first to make spawn fail; a name in use (another process of
    // that pid in a different pid namespace sharing /tmp) is skipped.
    for (int attempt = 0; attempt < 100; ++attempt) {
      status = s->ListenPrivate(absl::StrCat("ipc:///tmp/eta-", ::getpid(), "-",
                                             NetState::RandomEndpointName(), ".sock"));
      if (status.ok() || status.message().find(nng_strerror(NNG_EADDRINUSE)) ==
                             absl::string_view::npos) {
        break;
      }
    }
  }
  if (!status.ok()) {
    s->Close();
    return vm.RaiseError("nng-error", absl::StrCat("spawn: ", status.message()));
  }
  std::vector<std::string> child_args = {"/proc/self/exe", "--mailbox",
                                           DialableUrl(s->listen_url())};
  if (!state.search_path.empty()) {
    child_args.push_back("--path");
    child_args.push_back(absl::StrJoin(state.search_path, ":"));
  }
  child_args.push_back(file);
  vm.FlushOutput();  // the child shares standard output
  absl::StatusOr<pid_t> pid = StartEtaiChild(child_args);
  if (!pid.ok()) {
    s->Close();
    return vm.RaiseError("os-error", absl::StrCat("spawn: cannot start ", file, ": ",
                                                  pid.status().message()));
  }
  auto child = std::make_shared<ChildProcess>();
  child->pid = *pid;
  state.children.push_back(child);
  s->child() = child;
  s->set_role(Role::kChild);
  return keep.get();
}

Value CurrentMailbox(VM& vm, Arguments args) { return GetNetState(vm).mailbox; }

// (spawn-wait s): the child's exit status, once it has ended.
Value SpawnWait(VM& vm, Arguments args) {
  Socket* s = ChildSocketArgument(vm, "spawn-wait", args);
  if (s == nullptr) return Value::RaiseMarker();
  // It waits on the thread: the lane's other tasks are taken over meanwhile.
  {
    Blocking blocking;
    s->AwaitChildEnd();
  }
  return Value::Fixnum(s->child()->ExitCode());
}

// (spawn-kill s): SIGTERM and wait; #f if the child had already ended.
Value SpawnKill(VM& vm, Arguments args) {
  Socket* s = ChildSocketArgument(vm, "spawn-kill", args);
  if (s == nullptr) return Value::RaiseMarker();
  ChildProcess& child = *s->child();
  if (child.Reap(false)) return Value::False();
  ::kill(child.pid, SIGTERM);
  child.Reap(true);
  return Value::True();
}

Value Monitor(VM& vm, Arguments args) {
  Socket* s = AsSocket(args[0]);
  if (s == nullptr) return vm.RaiseTypeError("monitor", 1, "a socket", args[0]);
  s->set_monitored(true);
  return Value::True();
}

Value Demonitor(VM& vm, Arguments args) {
  Socket* s = AsSocket(args[0]);
  if (s == nullptr) return vm.RaiseTypeError("demonitor", 1, "a socket", args[0]);
  s->set_monitored(false);
  return Value::True();
}

// InstallMailbox makes `s`, dialled to `url`, the program's mailbox.
void InstallMailbox(VM& vm, Socket* s, const std::string& url) {
  NetState& state = GetNetState(vm);
  state.mailbox = Value::FromObject(s);
  state.parent_pid = ::getppid();
  state.mailbox_url = url;
  s->set_role(Role::kMailbox);
}

// ThreadJob prepares, in the new thread's VM, what to call: a list
// (procedure argument ...).
using ThreadJob = std::function<absl::StatusOr<Value>(VM& vm, ThreadHost& host)>;

// UncaughtMessage is what a monitor's (error "message") says of the VM's
// uncaught raise: an error object's message, or the write form of any other
// raised value.
std::string UncaughtMessage(VM& vm) {
  Value raised = vm.uncaught_error();
  if (vm::IsType(raised, vm::ObjectType::kError)) {
    return vm::ValueToString(static_cast<vm::ErrorObject*>(raised.AsObject())->message, false);
  }
  return vm::ValueToString(raised, true);
}

// ThreadTask is a thread actor ([A2], [A4]): a VM that the scheduler runs
// in slices. Its first slice makes the VM, adopts its side of the mailbox
// and starts the job's call. How it ended is recorded in `peer` before the
// VM (and so the mailbox) goes away, so that the parent can tell why its
// peer left; `done` is set after.
class ThreadTask : public Task {
 public:
  ThreadTask(std::shared_ptr<ThreadPeer> peer, ThreadHost* host, std::string url, ThreadJob job)
      : peer_(std::move(peer)), host_(host), url_(std::move(url)), job_(std::move(job)) {}

  Step Run() override {
    VM::Outcome outcome;
    if (hosted_ == nullptr) {
      absl::StatusOr<VM::Outcome> started = Begin();
      if (!started.ok()) {
        std::string message(started.status().message());
        std::fprintf(stderr, "error: %s\n", message.c_str());
        Record(true, message, message);
        return End();
      }
      outcome = *started;
    } else {
      outcome = hosted_->vm().Resume();
    }
    VM& vm = hosted_->vm();
    if (outcome == VM::Outcome::kSuspended) return TakeParked(vm) ? Step::kWait : Step::kYield;
    if (outcome == VM::Outcome::kReturned || vm.exit_requested()) {
      vm.FlushOutput();
      std::string exit = absl::StrCat("exit ", vm.exit_status());
      Record(vm.exit_requested() && vm.exit_status() != 0, exit, exit);
      return End();
    }
    // An uncaught error: printed with its trace, as etai does.
    vm.FlushOutput();
    std::string report = vm.DescribeUncaught();
    std::fputs(report.c_str(), stderr);
    std::string first = report.substr(0, report.find('\n'));
    if (first.rfind("error: ", 0) == 0) first.erase(0, 7);
    Record(true, first, UncaughtMessage(vm));
    return End();
  }

 private:
  absl::StatusOr<VM::Outcome> Begin() {
    ETA_ASSIGN_OR_RETURN(hosted_, host_->NewVM());
    VM& vm = hosted_->vm();
    DeclareScheduled(vm, shared_from_this());
    ETA_ASSIGN_OR_RETURN(Socket * s, Socket::OpenMailbox(vm.heap(), peer_->mailbox,
                                                         Mailbox::kActor, url_));
    InstallMailbox(vm, s, url_);
    absl::StatusOr<Value> call = job_(vm, *host_);
    if (!call.ok()) {
      if (vm.uncaught_error().IsUndefined()) return call.status();
      return VM::Outcome::kFailed;
    }
    vm::Rooted rooted(vm.heap(), *call);
    std::vector<Value> arguments;
    for (Value p = vm::Cdr(rooted.get()); vm::IsPair(p); p = vm::Cdr(p)) {
      arguments.push_back(vm::Car(p));
    }
    return vm.Start(vm::Car(rooted.get()), arguments);
  }

  void Record(bool failed, std::string error, std::string reason) {
    std::lock_guard<std::mutex> lock(peer_->mutex);
    peer_->finished = true;
    peer_->failed = failed;
    peer_->error = std::move(error);
    peer_->reason = std::move(reason);
  }

  // End destroys the VM (closing its mailbox: the parent has seen
  // everything it sent) and wakes those waiting for the end.
  Step End() {
    hosted_.reset();
    std::vector<std::shared_ptr<Task>> joiners;
    {
      std::lock_guard<std::mutex> lock(peer_->mutex);
      peer_->done = true;
      joiners.swap(peer_->joiners);
    }
    for (auto& joiner : joiners) Scheduler::Get().Wake(*joiner);
    return Step::kDone;
  }

  std::shared_ptr<ThreadPeer> peer_;
  ThreadHost* host_;
  std::string url_;
  ThreadJob job_;
  std::unique_ptr<HostedVM> hosted_;
};

// AwaitThreadEnd waits until the thread actor `peer` has ended: a
// builtin's wait (SuspendMarker to return, or a non-raise value once it
// ended).
Value AwaitThreadEnd(VM& vm, ThreadPeer& peer) {
  Waiting wait(vm, kForever);
  while (true) {
    wait.NewLook();
    {
      std::lock_guard<std::mutex> lock(peer.mutex);
      if (peer.done) return Value::True();
      peer.joiners.push_back(wait.task().shared_from_this());
    }
    if (Value parked = wait.Park(); parked.IsSuspend()) return parked;
  }
}

// StartThread starts a thread actor running `job`, connected to the
// returned socket (the parent's end). It returns at once: the actor runs
// when its scheduler gets to it, on the lane of the caller.
Value StartThread(VM& vm, const char* who, ThreadJob job) {
  NetState& state = GetNetState(vm);
  static std::atomic<uint64_t> next_thread{0};
  std::string url = absl::StrCat("inproc://eta-thread-", next_thread.fetch_add(1));
  auto mailbox = std::make_shared<Mailbox>();
  absl::StatusOr<Socket*> opened = Socket::OpenMailbox(vm.heap(), mailbox, Mailbox::kParent, url);
  if (!opened.ok()) return vm.RaiseError("nng-error", std::string(opened.status().message()));
  Socket* s = *opened;
  auto peer = std::make_shared<ThreadPeer>();
  peer->mailbox = std::move(mailbox);
  s->thread() = peer;
  s->set_role(Role::kThread);
  // The actors that ended are forgotten now and then, so that a program
  // starting actors without end keeps a list as long as those alive.
  if (state.threads.size() >= state.threads_pruned_at) {
    std::erase_if(state.threads, [](const std::shared_ptr<ThreadPeer>& p) {
      std::lock_guard<std::mutex> lock(p->mutex);
      return p->done;
    });
    state.threads_pruned_at = std::max<size_t>(64, 2 * state.threads.size());
  }
  state.threads.push_back(peer);
  vm.FlushOutput();
  Scheduler::Get().Start(std::make_shared<ThreadTask>(std::move(peer), state.thread_host,
                                                      std::move(url), std::move(job)));
  return Value::FromObject(s);
}


bool CanStartThreads(VM& vm, const char* who) {
  if (GetNetState(vm).thread_host != nullptr) return true;
  vm.RaiseError("nng-error", absl::StrCat(who, ": this program cannot start threads"));
  return false;
}

// (spawn-thread thunk).
Value SpawnThread(VM& vm, Arguments args) {
  if (!vm::IsProcedure(args[0])) {
    return vm.RaiseTypeError("spawn-thread", 1, "a procedure", args[0]);
  }
  if (!CanStartThreads(vm, "spawn-thread")) return Value::RaiseMarker();
  absl::StatusOr<ThreadSnapshot> snapshot = SnapshotThunk(vm, args[0]);
  if (!snapshot.ok()) {
    return vm.RaiseError("type-error", absl::StrCat("spawn-thread: cannot copy ",
                                                    snapshot.status().message()));
  }
  auto shared = std::make_shared<ThreadSnapshot>(std::move(*snapshot));
  return StartThread(vm, "spawn-thread", [shared](VM& tvm, ThreadHost&) -> absl::StatusOr<Value> {
    ETA_ASSIGN_OR_RETURN(Value thunk, RestoreThunk(tvm, *shared));
    vm::Rooted rooted(tvm.heap(), thunk);
    Value call = tvm.Cons(rooted.get(), Value::Nil());
    if (call.IsRaise()) return absl::ResourceExhaustedError("out of memory");
    return call;
  });
}

// (spawn-thread-with path 'proc arg ...).
Value SpawnThreadWith(VM& vm, Arguments args) {
  if (!vm::IsString(args[0])) {
    return vm.RaiseTypeError("spawn-thread-with", 1, "a string", args[0]);
  }
  if (!vm::IsSymbol(args[1])) {
    return vm.RaiseTypeError("spawn-thread-with", 2, "a symbol", args[1]);
  }
  if (!CanStartThreads(vm, "spawn-thread-with")) return Value::RaiseMarker();
  // The arguments cross as one wire message (a list).
  Value list = vm.MakeList(absl::MakeConstSpan(args.values + 2, args.count - 2));
  if (list.IsRaise()) return list;
  std::string bytes;
  if (absl::Status s = wire::Encode(list, &bytes); !s.ok()) {
    return vm.RaiseError("type-error", absl::StrCat("spawn-thread-with: argument: ",
                                                    s.message()));
  }
  std::string file = FindModuleFile(vm, "spawn-thread-with", args[0]);
  if (file.empty()) return Value::RaiseMarker();
  std::string proc = vm::As<vm::Symbol>(args[1])->name;
  return StartThread(vm, "spawn-thread-with",
                     [file, proc, bytes](VM& tvm, ThreadHost& host) -> absl::StatusOr<Value> {
    ETA_ASSIGN_OR_RETURN(std::string module, host.LoadFile(tvm, file));
    vm::Global* global = tvm.FindGlobal(module, proc);
    if (global == nullptr || !vm::IsProcedure(global->value)) {
      return absl::NotFoundError(absl::StrCat("spawn-thread-with: ", file,
                                              " defines no procedure ", proc));
    }
    ETA_ASSIGN_OR_RETURN(Value arguments, wire::Decode(bytes, tvm.heap(), tvm.symbols()));
    vm::Rooted rooted(tvm.heap(), arguments);
    Value call = tvm.Cons(global->value, rooted.get());
    if (call.IsRaise()) return absl::ResourceExhaustedError("out of memory");
    return call;
  });
}

Socket* ThreadSocketArgument(VM& vm, const char* who, Arguments args) {
  return PeerSocketArgument(vm, who, args, true);
}

// (thread-join s): 0 when the thread ended normally, 1 after an uncaught
// error.
Value ThreadJoin(VM& vm, Arguments args) {
  Socket* s = ThreadSocketArgument(vm, "thread-join", args);
  if (s == nullptr) return Value::RaiseMarker();
  ThreadPeer& peer = *s->thread();
  if (Value ended = AwaitThreadEnd(vm, peer); ended.IsSuspend()) return ended;
  std::lock_guard<std::mutex> lock(peer.mutex);
  return Value::Fixnum(peer.failed ? 1 : 0);
}

Value ThreadAliveP(VM& vm, Arguments args) {
  Socket* s = ThreadSocketArgument(vm, "thread-alive?", args);
  if (s == nullptr) return Value::RaiseMarker();
  std::lock_guard<std::mutex> lock(s->thread()->mutex);
  return Value::Bool(!s->thread()->done);
}

// (%actor-kind v): process for a socket returned by spawn, thread for one
// returned by spawn-thread[-with], else #f (std.supervisor stops each kind
// its own way).
Value ActorKind(VM& vm, Arguments args) {
  Socket* s = AsSocket(args[0]);
  if (s == nullptr) return Value::False();
  if (s->child() != nullptr) return vm.Intern("process");
  if (s->thread() != nullptr) return vm.Intern("thread");
  return Value::False();
}

// (%down-reason s msg): the REASON of msg when msg is the monitor
// notification (down ENDPOINT REASON) of socket s ([A3]), else #f.
Value DownReason(VM& vm, Arguments args) {
  Socket* s = AsSocket(args[0]);
  if (s == nullptr) return vm.RaiseTypeError("%down-reason", 1, "a socket", args[0]);
  Value items[3];
  Value rest = args[1];
  for (Value& item : items) {
    if (!vm::IsPair(rest)) return Value::False();
    item = vm::Car(rest);
    rest = vm::Cdr(rest);
  }
  bool down = rest.IsNil() && vm::IsType(items[0], vm::ObjectType::kSymbol) &&
              vm::As<vm::Symbol>(items[0])->name == "down" && vm::IsString(items[1]) &&
              vm::EncodeUtf8(vm::As<vm::String>(items[1])->chars) == s->endpoint();
  return down ? items[2] : Value::False();
}

// (%stop-actor s): closes the socket of a child process or thread; a child
// process is also sent SIGTERM and reaped (spawn-kill). A thread is
// expected to end when its recv! returns #f.
Value StopActor(VM& vm, Arguments args) {
  Socket* s = AsSocket(args[0]);
  if (s == nullptr) return vm.RaiseTypeError("%stop-actor", 1, "a socket", args[0]);
  s->Close();
  if (s->child() != nullptr) return SpawnKill(vm, args);
  return Value::True();
}

// (%sleep-ms ms): the actor waits `ms` milliseconds (a non-negative real,
// fractions allowed) while its scheduler runs others.
Value SleepMs(VM& vm, Arguments args) {
  Value ms = args[0];
  if (!ms.IsNumber()) return vm.RaiseTypeError("%sleep-ms", 1, "a non-negative real", ms);
  double millis = ms.AsDouble();
  if (!(millis >= 0) || std::isinf(millis) || millis > 1e15) {
    return vm.RaiseRangeError("%sleep-ms", 1, "must be a finite non-negative number", ms);
  }
  Waiting wait(vm, std::chrono::duration_cast<Clock::duration>(
                       std::chrono::duration<double, std::milli>(millis)));
  while (true) {
    wait.NewLook();
    if (wait.TimedOut()) return Value::Unspecified();
    if (Value parked = wait.Park(); parked.IsSuspend()) return parked;
  }
}

const vm::PrimitiveSpec kActorPrimitives[] = {
    {"%sleep-ms", 1, 1, SleepMs},
    {"spawn-thread", 1, 1, SpawnThread},
    {"spawn-thread-with", 2, -1, SpawnThreadWith},
    {"thread-join", 1, 1, ThreadJoin},
    {"thread-alive?", 1, 1, ThreadAliveP},
    {"spawn", 1, 2, Spawn},
    {"current-mailbox", 0, 0, CurrentMailbox},
    {"spawn-wait", 1, 1, SpawnWait},
    {"spawn-kill", 1, 1, SpawnKill},
    {"monitor", 1, 1, Monitor},
    {"demonitor", 1, 1, Demonitor},
    {"%actor-kind", 1, 1, ActorKind},
    {"%down-reason", 2, 2, DownReason},
    {"%stop-actor", 1, 1, StopActor},
};

// Ending is how the peer of an actor socket ended: a child's exit status
// or signal, a thread's uncaught error, or only a lost connection.
struct Ending {
  enum Kind { kNormal, kExit, kSignal, kError, kDisconnected };
  Kind kind = kDisconnected;
  int number = 0;     // kExit: the status; kSignal: the signal
  std::string error;   // kError: the uncaught error's report line
  std::string reason;  // kError: its message alone (a monitor's REASON)
};

Ending EndingOf(Socket* s) {
  Ending ending;
  if (s->child() != nullptr && ReapWithin(*s->child(), kReapGrace)) {
    int status = s->child()->wait_status;
    if (WIFSIGNALED(status)) {
      ending.kind = Ending::kSignal;
      ending.number = WTERMSIG(status);
    } else {
      ending.number = s->child()->ExitCode();
      ending.kind = ending.number == 0 ? Ending::kNormal : Ending::kExit;
    }
  } else if (s->thread() != nullptr) {
    std::lock_guard<std::mutex> lock(s->thread()->mutex);
    if (s->thread()->failed) {
      ending.kind = Ending::kError;
      ending.error = s->thread()->error;
      ending.reason = s->thread()->reason;
    } else if (s->thread()->finished) {
      ending.kind = Ending::kNormal;
    }
  }
  return ending;
}

// Reason is a down message's REASON: normal, (exit N), (signal N),
// (error "message") or disconnected.
Value Reason(VM& vm, const Ending& ending) {
  const char* names[] = {"normal", "exit", "signal", "error", "disconnected"};
  vm::Rooted name(vm.heap(), vm.Intern(names[ending.kind]));
  if (name.get().IsRaise()) return name.get();
  switch (ending.kind) {
    case Ending::kExit:
    case Ending::kSignal:
      return vm.MakeList({name.get(), Value::Fixnum(ending.number)});
    case Ending::kError: {
      vm::Rooted message(vm.heap(), vm.MakeStringFromUtf8(ending.reason));
      if (message.get().IsRaise()) return message.get();
      return vm.MakeList({name.get(), message.get()});
    }
    default:
      return name.get();
  }
}

}  // namespace

NetState::~NetState() {
  // Thread actors: their mailboxes see the parent go, then they are waited
  // for. (The VM's extension is being destroyed: `task` is used directly.)
  for (auto& peer : threads) peer->mailbox->Close(Mailbox::kParent);
  if (!threads.empty()) {
    if (task == nullptr) task = std::make_shared<Task>();
    Scheduler& scheduler = Scheduler::Get();
    for (auto& peer : threads) {
      while (true) {
        scheduler.NewWait(*task);
        {
          std::lock_guard<std::mutex> lock(peer->mutex);
          if (peer->done) break;
          peer->joiners.push_back(task);
        }
        scheduler.Hold(*task);
      }
    }
  }
  // A parent that died without closing (SIGKILL) left its endpoint file.
  // Its connection drops a moment before the kernel reparents us, so when
  // the mailbox lost its peer, give getppid() that moment to change.
  if (parent_pid != 0 && mailbox_url.compare(0, 6, "ipc://") == 0) {
    Socket* box = AsSocket(mailbox);
    if (box != nullptr && box->peer_lost()) {
      auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(50);
      while (::getppid() == parent_pid && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
    if (::getppid() != parent_pid) ::unlink(mailbox_url.c_str() + 6);
  }
  // The program ends: its remaining children are terminated and reaped.
  for (auto& child : children) {
    if (child->Reap(false)) continue;
    ::kill(child->pid, SIGTERM);
    if (!ReapWithin(*child, std::chrono::milliseconds(2000))) {
      ::kill(child->pid, SIGKILL);
      child->Reap(true);
    }
  }
}

std::string NetState::RandomEndpointName() {
  uint64_t bits = 0;
  if (::getrandom(&bits, sizeof bits, 0) != static_cast<ssize_t>(sizeof bits)) {
    // No entropy source (a very old kernel): the clock and a counter.
    static std::atomic<uint64_t> counter{0};
    bits = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
           (counter.fetch_add(1) << 48);
  }
  return absl::StrCat(absl::Hex(bits, absl::kZeroPad16));
}

NetState& GetNetState(VM& vm) {
  auto* state = dynamic_cast<NetState*>(vm.extension());
  if (state == nullptr) {
    vm.set_extension(std::make_unique<NetState>());
    state = static_cast<NetState*>(vm.extension());
    UseLanePreemption(vm);
  }
  return *state;
}

void SetThreadHost(VM& vm, ThreadHost* host) { GetNetState(vm).thread_host = host; }

void SetSearchPath(VM& vm, std::vector<std::string> path) {
  GetNetState(vm).search_path = std::move(path);
}

namespace {

// What the SIGTERM handler of a spawned program needs (set once, before
// the handler is installed): its parent and the ipc path the parent
// listens on, which a parent killed by SIGKILL leaves behind.
pid_t parent_at_start = 0;
constexpr unsigned kOrphanGraceSeconds = 2;
char parent_endpoint[sizeof(sockaddr_un::sun_path)] = "";

// Only async-signal-safe calls in the handlers.
void EndNow(int) {
  ::signal(SIGTERM, SIG_DFL);
  ::raise(SIGTERM);
}

// OnParentGone handles the kernel's parent-death signal, SIGHUP (not
// SIGTERM: spawn-kill's SIGTERM ends the program at once, as ever). The
// kernel sends it when the thread of the parent that made this process
// ends, which is not always the parent's end: then getppid() has not
// changed, and a later one comes. Once the parent is gone, the endpoint
// file it left is removed and the program has a moment to end by itself,
// as one waiting on its mailbox does once its recv! returns #f (SPEC
// [A1]); after that moment it is ended with SIGTERM.
void OnParentGone(int) {
  if (::getppid() == parent_at_start) return;
  if (parent_endpoint[0] != '\0') ::unlink(parent_endpoint);
  ::signal(SIGALRM, EndNow);
  ::alarm(kOrphanGraceSeconds);
}

// ParentPidOf reads PID of a default endpoint ipc:///tmp/eta-PID-N.sock;
// 0 for another URL.
pid_t ParentPidOf(const std::string& url) {
  constexpr std::string_view kPrefix = "ipc:///tmp/eta-";
  if (url.compare(0, kPrefix.size(), kPrefix) != 0) return 0;
  pid_t pid = 0;
  for (size_t i = kPrefix.size(); i < url.size() && url[i] != '-'; ++i) {
    if (url[i] < '0' || url[i] > '9' || pid > 100000000) return 0;
    pid = pid * 10 + (url[i] - '0');
  }
  return pid;
}

// EndWithParent has the kernel signal this spawned program when its parent
// dies, whatever it is doing (a child that computes never looks at its
// mailbox): see OnParentGone. A parent already gone (between the spawn and
// here) counts as one that died now.
void EndWithParent(const std::string& url) {
  parent_at_start = ::getppid();
  if (url.compare(0, 6, "ipc://") == 0 && url.size() - 6 < sizeof parent_endpoint) {
    std::memcpy(parent_endpoint, url.c_str() + 6, url.size() - 6 + 1);
  }
  struct sigaction action = {};
  action.sa_handler = OnParentGone;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  ::sigaction(SIGHUP, &action, nullptr);
  ::prctl(PR_SET_PDEATHSIG, SIGHUP);
  pid_t expected = ParentPidOf(url);
  if (expected != 0 && parent_at_start != expected) {
    parent_at_start = expected;  // gone already: reparented before we looked
  }
  if (::getppid() != parent_at_start) ::raise(SIGHUP);
}

}  // namespace

absl::Status AttachMailbox(VM& vm, const std::string& url) {
  EndWithParent(url);
  // An ipc endpoint (every spawn's but a custom one) is reached without an
  // nng socket, and so without nng's threads (net/ipc_pipe.h).
  bool piped = url.compare(0, 6, "ipc://") == 0;
  ETA_ASSIGN_OR_RETURN(Socket * s,
                       piped ? Socket::OpenPipe(vm.heap()) : Socket::Open(vm.heap(), "pair"));
  InstallMailbox(vm, s, url);
  absl::Status dialed = piped ? s->DialPipe(url) : s->Dial(url, Socket::DialMode::kOnce);
  // A parent that closed its end before the child dialled, or while the
  // connection was being made, is a parent that said stop: the child's
  // recv! returns #f, as after a close.
  if (!dialed.ok()) {
    for (int gone : {NNG_ECONNREFUSED, NNG_ENOENT, NNG_ECLOSED, NNG_ECONNSHUT, NNG_ECONNRESET}) {
      if (absl::StrContains(dialed.message(), nng_strerror(gone))) {
        s->MarkPeerLost();
        return absl::OkStatus();
      }
    }
  }
  return dialed;
}

Value PeerGone(VM& vm, Socket* s) {
  if (s->reported()) return Value::False();
  Ending ending = EndingOf(s);
  if (s->monitored()) {
    s->set_reported();
    vm::Rooted reason(vm.heap(), Reason(vm, ending));
    if (reason.get().IsRaise()) return reason.get();
    vm::Rooted endpoint(vm.heap(), vm.MakeStringFromUtf8(s->endpoint()));
    if (endpoint.get().IsRaise()) return endpoint.get();
    vm::Rooted down(vm.heap(), vm.Intern("down"));
    if (down.get().IsRaise()) return down.get();
    return vm.MakeList({down.get(), endpoint.get(), reason.get()});
  }
  std::string message;
  switch (ending.kind) {
    case Ending::kSignal:
      message = absl::StrCat("recv!: child killed by signal ", ending.number);
      break;
    case Ending::kExit:
      message = absl::StrCat("recv!: child exited with status ", ending.number);
      break;
    case Ending::kError:
      message = absl::StrCat("recv!: thread ended by an uncaught error: ", ending.error);
      break;
    default:
      return Value::False();
  }
  s->set_reported();
  return vm.RaiseError("nng-error", std::move(message));
}

absl::Span<const vm::PrimitiveSpec> ActorPrimitives() { return kActorPrimitives; }

}  // namespace eta::net
