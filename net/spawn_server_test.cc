// Tests of the spawn server. This binary is its own etai: its main serves
// spawns when asked (as etai's does) and runs the --child behaviours below
// in the processes it starts; otherwise it runs the tests.
#include "net/spawn_server.h"

#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace eta::net {
namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kServerUsed = false;
#else
constexpr bool kServerUsed = true;
#endif

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// CommandLine is /proc/PID/cmdline with spaces for the NULs.
std::string CommandLine(pid_t pid) {
  std::string line = ReadAll(absl::StrCat("/proc/", pid, "/cmdline"));
  for (char& c : line) {
    if (c == '\0') c = ' ';
  }
  return line;
}

// StateAndParent reads the state letter and parent pid of /proc/PID/stat;
// false if there is no such process.
bool StateAndParent(pid_t pid, char* state, pid_t* parent) {
  std::string stat = ReadAll(absl::StrCat("/proc/", pid, "/stat"));
  size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return false;
  std::istringstream rest(stat.substr(paren + 1));
  return static_cast<bool>(rest >> *state >> *parent);
}

// ServerOf is the pid of the spawn server `parent` started, or -1.
pid_t ServerOf(pid_t parent) {
  DIR* proc = opendir("/proc");
  pid_t found = -1;
  while (dirent* entry = readdir(proc)) {
    pid_t pid = std::atoi(entry->d_name);
    char state;
    pid_t ppid;
    if (pid > 0 && StateAndParent(pid, &state, &ppid) && ppid == parent && state != 'Z' &&
        CommandLine(pid).find("--spawn-server") != std::string::npos) {
      found = pid;
    }
  }
  closedir(proc);
  return found;
}

// Ended tells whether pid is gone or a zombie, waiting up to 2 s.
bool Ended(pid_t pid) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (std::chrono::steady_clock::now() < deadline) {
    char state;
    pid_t parent;
    if (!StateAndParent(pid, &state, &parent) || state == 'Z') return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

std::vector<std::string> ChildArgs(std::vector<std::string> behaviour) {
  std::vector<std::string> args = {"/proc/self/exe", "--child"};
  args.insert(args.end(), behaviour.begin(), behaviour.end());
  return args;
}

pid_t Start(std::vector<std::string> behaviour) {
  absl::StatusOr<pid_t> pid = StartEtaiChild(ChildArgs(std::move(behaviour)));
  EXPECT_TRUE(pid.ok()) << pid.status();
  return pid.ok() ? *pid : -1;
}

int WaitStatus(pid_t pid) {
  int status = 0;
  EXPECT_EQ(waitpid(pid, &status, 0), pid);
  return status;
}

std::string TempFile(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir != nullptr ? dir : "/tmp", "/", name, "-", getpid());
}

// Report is what a "report" child wrote: "pid parent thread-id forked",
// the thread id as glibc knows it (its CPU clock is named by it), forked 1
// when the server forked the child (it has the server's command line).
std::string Report(pid_t pid, bool forked) {
  return absl::StrCat(pid, " ", getpid(), " ", pid, " ", forked ? 1 : 0);
}

TEST(SpawnServerTest, ChildrenAreThisProcesssOwnAndKnowTheirIds) {
  for (int i = 0; i < 6; ++i) {
    std::string report = TempFile(absl::StrCat("report", i));
    pid_t pid = Start({"report", report});
    int status = WaitStatus(pid);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    EXPECT_EQ(ReadAll(report), Report(pid, kServerUsed)) << "child " << i;
  }
}

// An argument is framed by its length in the server's request, and one
// holding a NUL (which no command line can carry) is refused, so that no
// argument can end early or smuggle in another (issue 23, item 7).
TEST(SpawnServerTest, AnArgumentHoldingANulIsRefused) {
  absl::StatusOr<pid_t> pid =
      StartEtaiChild(ChildArgs({"exit", std::string("0\0--path\0/evil", 15)}));
  ASSERT_FALSE(pid.ok());
  EXPECT_EQ(pid.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(WEXITSTATUS(WaitStatus(Start({"exit", "3"}))), 3);  // the server still serves
}

TEST(SpawnServerTest, ExitStatusesAndSignalsReachThisProcess) {
  pid_t first = Start({"exit", "7"});
  pid_t second = Start({"exit", "0"});
  pid_t sleeper = Start({"sleep"});
  EXPECT_EQ(WEXITSTATUS(WaitStatus(first)), 7);
  EXPECT_EQ(WEXITSTATUS(WaitStatus(second)), 0);
  ASSERT_EQ(kill(sleeper, SIGKILL), 0);
  int status = WaitStatus(sleeper);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
}

TEST(SpawnServerTest, AServerThatDiesIsReplacedByPosixSpawn) {
  EXPECT_EQ(WEXITSTATUS(WaitStatus(Start({"exit", "0"}))), 0);
  pid_t server = ServerOf(getpid());
  if (kServerUsed) {
    ASSERT_GT(server, 0);
    ASSERT_EQ(kill(server, SIGKILL), 0);
  }
  for (int i = 0; i < 3; ++i) {
    std::string report = TempFile(absl::StrCat("after", i));
    pid_t pid = Start({"report", report});
    EXPECT_EQ(WEXITSTATUS(WaitStatus(pid)), 0);
    EXPECT_EQ(ReadAll(report), Report(pid, false));
  }
  EXPECT_EQ(ServerOf(getpid()), -1);  // reaped, and not started again
}

TEST(SpawnServerTest, TheServerEndsWithTheProcessThatStartedIt) {
  std::string report = TempFile("spawner");
  pid_t spawner = Start({"spawner", report});
  EXPECT_EQ(WEXITSTATUS(WaitStatus(spawner)), 0);
  if (!kServerUsed) return;
  pid_t server = std::atoi(ReadAll(report).c_str());
  ASSERT_GT(server, 0);
  EXPECT_TRUE(Ended(server));
}

// RunChild is a child's behaviour; returns its exit status.
int RunChild(const std::vector<std::string>& args) {
  const std::string& what = args[2];
  if (what == "exit") return std::atoi(args[3].c_str());
  if (what == "sleep") {
    std::this_thread::sleep_for(std::chrono::seconds(20));
    return 0;
  }
  if (what == "report") {
    clockid_t clock;
    if (pthread_getcpuclockid(pthread_self(), &clock) != 0) return 3;
    pid_t thread = ~(clock >> 3);  // the kernel's encoding of a thread's clock
    bool forked = CommandLine(getpid()).find("--spawn-server") != std::string::npos;
    std::ofstream(args[3]) << getpid() << " " << getppid() << " " << thread << " " << forked;
    return 0;
  }
  if (what == "spawner") {  // two children, then its server's pid
    for (int i = 0; i < 2; ++i) {
      absl::StatusOr<pid_t> pid = StartEtaiChild(ChildArgs({"exit", "0"}));
      if (!pid.ok() || waitpid(*pid, nullptr, 0) != *pid) return 4;
    }
    std::ofstream(args[3]) << ServerOf(getpid());
    return 0;
  }
  return 5;
}

}  // namespace
}  // namespace eta::net

int main(int argc, char** argv) {
  std::vector<std::string> args =
      eta::net::ServeSpawnsIfAsked(std::vector<std::string>(argv, argv + argc), [] {},
                                   [](const std::vector<std::string>&) {});
  if (args.size() >= 3 && args[1] == "--child") return eta::net::RunChild(args);
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
