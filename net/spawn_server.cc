#include "net/spawn_server.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>

extern char** environ;

namespace eta::net {
namespace {

constexpr char kServerFlag[] = "--spawn-server";
constexpr int kServerFd = 3;  // the server's end of its socket pair
constexpr size_t kMaxRequest = 64 * 1024;

// The sanitizers' runtimes keep a record of each thread from the exec on,
// which a process made by a bare clone would contradict.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kServerUsable = false;
#else
constexpr bool kServerUsable = true;
#endif

// CachedThreadId is where glibc keeps the calling thread's id, or nullptr
// when it is not where glibc (2.36, x86-64) keeps it. glibc reads the id
// from there (owners of recursive and error-checking mutexes, scheduling
// calls on the thread itself) and fork has the kernel write the new
// process's id there; a bare clone must do the same.
pid_t* CachedThreadId() {
#if defined(__x86_64__) && defined(__GLIBC__)
  constexpr size_t kOffset = 0x2d0;  // offsetof(struct pthread, tid)
  auto* tid = reinterpret_cast<pid_t*>(reinterpret_cast<char*>(pthread_self()) + kOffset);
  if (*tid == ::gettid()) return tid;
#endif
  return nullptr;
}

// A request is the child's arguments, each a 4-byte length (host order: the
// server is a fork of its requester) and its bytes: a length frames each,
// so no byte of an argument can end it or start another.
std::string JoinRequest(const std::vector<std::string>& args) {
  std::string request;
  for (const std::string& arg : args) {
    uint32_t length = static_cast<uint32_t>(arg.size());
    request.append(reinterpret_cast<const char*>(&length), sizeof length);
    request += arg;
  }
  return request;
}

// SplitRequest reads a request's arguments; false if it is malformed (a
// length past its end) or an argument holds a NUL, which no C string of a
// command line can.
bool SplitRequest(const char* data, size_t size, std::vector<std::string>* args) {
  size_t at = 0;
  while (at < size) {
    uint32_t length;
    if (size - at < sizeof length) return false;
    std::memcpy(&length, data + at, sizeof length);
    at += sizeof length;
    if (length > size - at) return false;
    std::string arg(data + at, length);
    if (arg.find('\0') != std::string::npos) return false;
    args->push_back(std::move(arg));
    at += length;
  }
  return !args->empty();
}

// Serve is the server's loop: each request (a child's arguments, each
// ended by a NUL) is answered with the pid of the copy that runs them (or
// -errno), and the copy returns them. The server ends when its requester
// closes its end, which the kernel does when the requester's process
// ends, however it ends.
std::vector<std::string> Serve(
    const std::function<void()>& prepare,
    const std::function<void(const std::vector<std::string>&)>& before_fork) {
  int type = 0;
  socklen_t size = sizeof type;
  if (::getsockopt(kServerFd, SOL_SOCKET, SO_TYPE, &type, &size) != 0 ||
      type != SOCK_SEQPACKET) {
    std::fprintf(stderr, "etai: %s is for spawn's own use\n", kServerFlag);
    ::_exit(2);
  }
  pid_t* tid = CachedThreadId();
  if (tid == nullptr) ::_exit(0);  // the requester falls back to posix_spawn
  prepare();
  // Not zeroed: only the pages a request fills are touched, and copied
  // into each child by the fork.
  std::unique_ptr<char[]> request(new char[kMaxRequest]);
  while (true) {
    ssize_t n = ::recv(kServerFd, request.get(), kMaxRequest, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) ::_exit(0);
    std::vector<std::string> args;
    if (!SplitRequest(request.get(), static_cast<size_t>(n), &args)) {
      int32_t reply = -EINVAL;
      if (::send(kServerFd, &reply, sizeof reply, MSG_NOSIGNAL) != sizeof reply) ::_exit(0);
      continue;
    }
    before_fork(args);
    // What glibc's fork asks of the kernel, and CLONE_PARENT.
    long pid = ::syscall(SYS_clone,
                         CLONE_PARENT | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD,
                         nullptr, nullptr, tid, nullptr);
    if (pid == 0) {
      ::close(kServerFd);
      return args;
    }
    int32_t reply = pid > 0 ? static_cast<int32_t>(pid) : -errno;
    if (::send(kServerFd, &reply, sizeof reply, MSG_NOSIGNAL) != sizeof reply) ::_exit(0);
  }
}

absl::StatusOr<pid_t> PosixSpawn(const std::vector<std::string>& args,
                                 const posix_spawn_file_actions_t* actions) {
  std::vector<char*> argv;
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  pid_t pid;
  int rv = ::posix_spawn(&pid, "/proc/self/exe", actions, nullptr, argv.data(), environ);
  if (rv != 0) return absl::UnavailableError(std::strerror(rv));
  return pid;
}

// SpawnServer is the requester's side: the server's pid and socket.
class SpawnServer {
 public:
  // StartEarly starts the server unless it has been started.
  void StartEarly() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (kServerUsable && !started_) Start();
  }

  absl::StatusOr<pid_t> StartChild(const std::vector<std::string>& args) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const std::string& arg : args) {
      if (arg.find('\0') != std::string::npos) {
        return absl::InvalidArgumentError("a child's argument holds a NUL character");
      }
    }
    if (!kServerUsable) return PosixSpawn(args, nullptr);
    if (!started_) Start();
    if (socket_ >= 0) {
      std::string request = JoinRequest(args);
      if (request.size() <= kMaxRequest) {
        int32_t reply = 0;
        if (Exchange(request, &reply)) {
          if (reply >= 0) return static_cast<pid_t>(reply);
          // Out of processes or memory: posix_spawn would be too. Any other
          // refusal (a sandbox's, say) is the server's alone.
          if (reply == -EAGAIN || reply == -ENOMEM) {
            return absl::UnavailableError(std::strerror(-reply));
          }
        }
        Stop();
      }
    }
    return PosixSpawn(args, nullptr);
  }

 private:
  // Start starts the server, its end of a socket pair as kServerFd; on
  // failure socket_ stays -1.
  void Start() {
    started_ = true;
    int ends[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ends) != 0) return;
    int theirs = ends[1];
    if (theirs == kServerFd) {  // dup2 onto itself would keep close-on-exec
      theirs = ::fcntl(ends[1], F_DUPFD_CLOEXEC, kServerFd + 1);
      ::close(ends[1]);
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    absl::StatusOr<pid_t> pid = absl::UnavailableError("no descriptor");
    if (theirs >= 0 && posix_spawn_file_actions_adddup2(&actions, theirs, kServerFd) == 0) {
      pid = PosixSpawn({"/proc/self/exe", kServerFlag}, &actions);
    }
    posix_spawn_file_actions_destroy(&actions);
    if (theirs >= 0) ::close(theirs);
    if (!pid.ok()) {
      ::close(ends[0]);
      return;
    }
    socket_ = ends[0];
    pid_ = *pid;
  }

  // Exchange sends a request and reads its reply; false if the server is
  // gone.
  bool Exchange(const std::string& request, int32_t* reply) {
    if (::send(socket_, request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size())) {
      return false;
    }
    ssize_t n;
    do {
      n = ::recv(socket_, reply, sizeof *reply, 0);
    } while (n < 0 && errno == EINTR);
    return n == sizeof *reply;
  }

  // Stop ends and reaps a server that stopped answering or cannot fork.
  void Stop() {
    ::close(socket_);
    socket_ = -1;
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }

  std::mutex mutex_;
  bool started_ = false;  // Start has run (once, whatever came of it)
  int socket_ = -1;
  pid_t pid_ = -1;
};

SpawnServer& TheSpawnServer() {
  static SpawnServer* server = new SpawnServer();  // used until the process ends
  return *server;
}

}  // namespace

std::vector<std::string> ServeSpawnsIfAsked(
    std::vector<std::string> args, const std::function<void()>& prepare,
    const std::function<void(const std::vector<std::string>&)>& before_fork) {
  if (args.size() != 2 || args[1] != kServerFlag) return args;
  return Serve(prepare, before_fork);
}

void StartSpawnServer() { TheSpawnServer().StartEarly(); }

absl::StatusOr<pid_t> StartEtaiChild(const std::vector<std::string>& args) {
  return TheSpawnServer().StartChild(args);
}

}  // namespace eta::net
