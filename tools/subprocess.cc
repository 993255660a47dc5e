#include "tools/subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace eta::tools {
namespace {

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string NameOf(const std::string& entry) { return entry.substr(0, entry.find('=') + 1); }

}  // namespace

ProcessResult RunProcess(const std::vector<std::string>& command, const ProcessOptions& options) {
  ProcessResult result;
  std::filesystem::create_directories(options.work_dir);
  std::filesystem::path out_path =
      options.stdout_path.empty() ? options.work_dir / "stdout.txt" : options.stdout_path;
  std::filesystem::path err_path =
      options.stderr_path.empty() ? options.work_dir / "stderr.txt" : options.stderr_path;

  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry(*e);
    bool drop = false;
    for (const std::string& prefix : options.drop_env_prefixes) drop |= entry.rfind(prefix, 0) == 0;
    for (const std::string& extra : options.env) drop |= NameOf(entry) == NameOf(extra);
    if (!drop) env_strings.push_back(entry);
  }
  env_strings.insert(env_strings.end(), options.env.begin(), options.env.end());
  std::vector<char*> envp;
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_strings = command;
  std::vector<char*> argv;
  for (std::string& a : argv_strings) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addchdir_np(&actions, options.work_dir.c_str());
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  // A group of its own, so a timeout kills any children it started too.
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);
  pid_t pid = 0;
  int spawn_status =
      posix_spawn(&pid, argv[0], &actions, &attributes, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (spawn_status != 0) {
    result.spawn_error = std::string("posix_spawn failed: ") + std::strerror(spawn_status);
    return result;
  }

  auto deadline = std::chrono::steady_clock::now() + options.timeout;
  auto pause = std::chrono::microseconds(50);
  int status = 0;
  while (true) {
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) {
      result.spawn_error = std::string("waitpid failed: ") + std::strerror(errno);
      return result;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      result.timed_out = true;
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(5000));
  }
  result.pid = pid;
  // Anything of its group still there (beyond a moment for processes that
  // are just ending) was left behind.
  auto grace = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
  while (kill(-pid, 0) == 0) {
    if (std::chrono::steady_clock::now() >= grace) {
      result.left_processes = !result.timed_out;
      kill(-pid, SIGKILL);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (!result.timed_out) {
    result.exited = WIFEXITED(status);
    result.exit_status = result.exited ? WEXITSTATUS(status) : -1;
    result.signaled = WIFSIGNALED(status);
    result.signal = result.signaled ? WTERMSIG(status) : 0;
  }
  result.stdout_text = ReadAll(out_path);
  result.stderr_text = ReadAll(err_path);
  return result;
}

}  // namespace eta::tools
