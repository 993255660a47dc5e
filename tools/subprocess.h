// RunProcess: runs a child process for the end-to-end tests, with its
// output captured through files and a time limit, so no test can hang.
#ifndef ETA_TOOLS_SUBPROCESS_H_
#define ETA_TOOLS_SUBPROCESS_H_

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace eta::tools {

// ProcessOptions says where and how a child runs.
struct ProcessOptions {
  std::filesystem::path work_dir;  // created if missing
  // Files that receive stdout and stderr; default work_dir/stdout.txt and
  // work_dir/stderr.txt.
  std::filesystem::path stdout_path, stderr_path;
  // "NAME=VALUE" entries added to (or replacing) the inherited environment.
  std::vector<std::string> env;
  // Inherited variables starting with one of these prefixes are dropped.
  std::vector<std::string> drop_env_prefixes;
  std::chrono::milliseconds timeout{30000};
};

// ProcessResult is what the child did.
struct ProcessResult {
  std::string stdout_text, stderr_text;
  bool exited = false;    // a normal exit
  int exit_status = -1;   // when exited
  bool signaled = false;  // killed by a signal (not by our timeout)
  int signal = 0;
  bool timed_out = false;  // killed, with its process group, at the timeout
  std::string spawn_error;  // non-empty when it could not be started
  int pid = -1;             // the child's pid (and process group)
  // Processes of its group still ran after it ended (they are killed).
  bool left_processes = false;

  // StatusCode is the shell's view: the exit status, 128+n after signal n,
  // -1 on timeout or spawn failure.
  int StatusCode() const {
    return exited ? exit_status : signaled ? 128 + signal : -1;
  }
};

// RunProcess runs argv (argv[0] a path) with stdin from /dev/null in its
// own process group.
ProcessResult RunProcess(const std::vector<std::string>& argv, const ProcessOptions& options);

}  // namespace eta::tools

#endif  // ETA_TOOLS_SUBPROCESS_H_
