// Starting spawn's children without an exec each (SPEC [A1]).
//
// Every child of spawn is an etai process. Starting one from scratch
// (posix_spawn of /proc/self/exe) makes the kernel load the binary again,
// and glibc and the C++ runtime initialise themselves again, before the
// child's own work begins: most of what a short task costs on a small
// machine. So the first spawn of a process starts a spawn server, a second
// etai that initialises once and then waits for requests; each spawn sends
// it the child's arguments, and the server forks a copy of itself that
// runs them as if etai had been started with them.
//
// The copy is made a child of the spawning process, not of the server
// (clone with CLONE_PARENT), so waiting for it, its exit status and
// signalling it are as for any child process. The server ends with the
// process that started it. Whenever the server cannot serve (it failed to
// start or ended, the arguments are too long, sanitizer builds, whose
// runtimes track every thread from the exec on), spawn starts the child
// with posix_spawn. A copy inherits what the server had when it started:
// the spawner's environment, working directory and standard streams at
// its first spawn (Eta programs change none of them), and its command
// line, which ps shows for every copy.
#ifndef ETA_NET_SPAWN_SERVER_H_
#define ETA_NET_SPAWN_SERVER_H_

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace eta::net {

// ServeSpawnsIfAsked is the first thing etai's main does with its
// arguments (argv[0] first). When they are not the spawn server's, it
// returns them unchanged. When they are, this process is the server: it
// calls `prepare` once (what every child would otherwise do for itself),
// and `before_fork` with each child's arguments before it forks that
// child; it serves until its requester goes, then exits. The call returns
// only in each child the server starts, with the arguments that child was
// started with (argv[0] first). Neither function may start a thread.
std::vector<std::string> ServeSpawnsIfAsked(
    std::vector<std::string> args, const std::function<void()>& prepare,
    const std::function<void(const std::vector<std::string>&)>& before_fork);

// StartSpawnServer starts the spawn server now, unless it has been
// started; the first spawn calls it before it makes its socket, so that
// the server gets ready meanwhile (StartEtaiChild would start it anyway,
// and waits for it to be ready).
void StartSpawnServer();

// StartEtaiChild starts a child process of this one running this program
// (/proc/self/exe) with `args` (argv[0] first), through the spawn server
// when it can; returns the child's pid, or the reason it could not start.
// Safe to call from several threads.
absl::StatusOr<pid_t> StartEtaiChild(const std::vector<std::string>& args);

}  // namespace eta::net

#endif  // ETA_NET_SPAWN_SERVER_H_
