// Golden-file runner for the language test suite and the cookbook: every
// .eta file under a root directory is one test, run in several modes
// (source, compiled, GC stress, deployed), and checked against the
// expectation comments written inside it (testdata/README.md).
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tools/subprocess.h"

extern char** environ;

namespace eta::testing {
namespace {

namespace fs = std::filesystem;

constexpr std::chrono::seconds kRunTimeout{30};

// Expectations is what one test file asks for.
struct Expectations {
  std::vector<std::string> stdout_lines;       // `; expect: TEXT`
  std::optional<std::string> runtime_error;    // `; expect-error: TEXT`
  std::optional<std::string> compile_kind;     // `; expect-error-kind: KIND`
  std::optional<std::string> error_at;         // `; expect-error-at: L:C`
  std::optional<int> exit_status;              // `; expect-exit: N`
  std::vector<std::string> stderr_fragments;   // `; expect-stderr: TEXT`
  std::vector<std::string> args;               // `; args: a b c`
  std::vector<int> schedulers;                 // `; schedulers: 1 4`
  bool slow = false;                           // `; slow`
  bool not_a_test = false;                     // `; not-a-test`

  bool ExpectsCompileError() const { return compile_kind.has_value(); }
  bool ExpectsAnyError() const {
    return compile_kind.has_value() || runtime_error.has_value();
  }
  int ExpectedExit() const {
    if (exit_status) return *exit_status;
    return ExpectsAnyError() ? 1 : 0;
  }
};

std::string ReadFileOrDie(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "golden_test: cannot read " << path << "\n";
    std::exit(2);
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::vector<std::string> SplitLines(std::string_view text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string line(text.substr(start, end - start));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    start = end + 1;
  }
  return lines;
}

std::vector<std::string> SplitWords(std::string_view text) {
  std::vector<std::string> words;
  std::istringstream in{std::string(text)};
  std::string word;
  while (in >> word) words.push_back(word);
  return words;
}

// DirectiveValue returns the text after `; NAME:` (one optional space
// dropped) when `line` carries that directive anywhere, so expectations can
// sit at the end of a code line too.
std::optional<std::string> DirectiveValue(std::string_view line,
                                          std::string_view name) {
  std::string marker = "; " + std::string(name) + ":";
  size_t at = line.find(marker);
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view rest = line.substr(at + marker.size());
  if (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  return std::string(rest);
}

std::string Trim(std::string_view text) {
  size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return "";
  size_t end = text.find_last_not_of(" \t");
  return std::string(text.substr(begin, end - begin + 1));
}

Expectations ParseExpectations(const std::string& source) {
  Expectations expect;
  std::vector<std::string> lines = SplitLines(source);
  if (!lines.empty() && Trim(lines[0]) == "; not-a-test") {
    expect.not_a_test = true;
  }
  for (const std::string& line : lines) {
    if (Trim(line) == "; slow") expect.slow = true;
    // Longer directive names first: "expect-error-kind" also contains
    // "expect-error" only after a '-', so exact markers cannot collide,
    // but keep the order obvious anyway.
    if (auto v = DirectiveValue(line, "expect-error-kind")) {
      expect.compile_kind = Trim(*v);
    } else if (auto v = DirectiveValue(line, "expect-error-at")) {
      expect.error_at = Trim(*v);
    } else if (auto v = DirectiveValue(line, "expect-error")) {
      expect.runtime_error = *v;
    } else if (auto v = DirectiveValue(line, "expect-exit")) {
      expect.exit_status = std::atoi(v->c_str());
    } else if (auto v = DirectiveValue(line, "expect-stderr")) {
      expect.stderr_fragments.push_back(*v);
    } else if (auto v = DirectiveValue(line, "expect")) {
      expect.stdout_lines.push_back(*v);
    } else if (line.rfind("; args:", 0) == 0) {
      expect.args = SplitWords(line.substr(strlen("; args:")));
    } else if (line.rfind("; schedulers:", 0) == 0) {
      for (const std::string& word : SplitWords(line.substr(strlen("; schedulers:")))) {
        int n = std::atoi(word.c_str());
        if (n > 0) expect.schedulers.push_back(n);
      }
    }
  }
  return expect;
}

// RunResult is what one child process did.
struct RunResult {
  std::vector<std::string> command;
  std::string stdout_text;
  std::string stderr_text;
  int exit_status = -1;  // 128+n after signal n
  bool timed_out = false;
  std::string spawn_error;
  bool left_processes = false;          // its process group outlived it
  std::vector<std::string> left_files;  // its /tmp/eta-PID-N.sock endpoints
};

// Listening tells whether a process accepts connections on the unix
// socket `path`.
bool Listening(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0) return true;  // cannot tell: assume so
  sockaddr_un address = {};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
  bool accepted =
      ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return accepted;
}

// LeftEndpoints lists the spawn endpoints of process `pid`
// (/tmp/eta-PID-N.sock) made since `start` that nothing listens on, even
// after a moment. Other tests may run at once in other pid namespaces
// sharing /tmp, with the same pids: their endpoints are alive, or removed
// soon after their process ends.
std::vector<std::string> LeftEndpoints(int pid, fs::file_time_type start) {
  std::vector<std::string> suspects;
  if (pid <= 0) return suspects;
  std::string prefix = "eta-" + std::to_string(pid) + "-";
  std::error_code error;
  for (const auto& entry : fs::directory_iterator("/tmp", error)) {
    std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    auto written = fs::last_write_time(entry.path(), error);
    if (!error && written >= start && !Listening(entry.path().string())) {
      suspects.push_back(entry.path().string());
    }
  }
  if (suspects.empty()) return suspects;
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  std::vector<std::string> left;
  for (const std::string& path : suspects) {
    if (fs::exists(path, error) && !Listening(path)) left.push_back(path);
  }
  return left;
}

std::string CommandLine(const std::vector<std::string>& command) {
  std::string text;
  for (const std::string& word : command) {
    if (!text.empty()) text += ' ';
    text += word;
  }
  return text;
}

// RunProcess executes `command` in `work_dir` with `extra_env` added to the
// environment (GC stress only when asked), through the shared runner.
RunResult RunProcess(const std::vector<std::string>& command,
              const std::vector<std::string>& extra_env,
              const fs::path& work_dir, bool check_endpoints = false) {
  tools::ProcessOptions options;
  options.work_dir = work_dir;
  options.env = extra_env;
  options.drop_env_prefixes = {"ETA_GC_STRESS="};
  options.timeout = kRunTimeout;
  // The clock of file times, a little early for its coarser resolution.
  auto start = fs::file_time_type::clock::now() - std::chrono::seconds(1);
  tools::ProcessResult run = tools::RunProcess(command, options);
  RunResult result;
  result.command = command;
  result.stdout_text = run.stdout_text;
  result.stderr_text = run.stderr_text;
  result.exit_status = run.StatusCode();
  result.timed_out = run.timed_out;
  result.spawn_error = run.spawn_error;
  result.left_processes = run.left_processes;
  if (check_endpoints) result.left_files = LeftEndpoints(run.pid, start);
  return result;
}

std::string Clip(const std::string& text) {
  constexpr size_t kMax = 6000;
  if (text.size() <= kMax) return text;
  return text.substr(0, kMax) + "\n... (" +
         std::to_string(text.size() - kMax) + " more bytes)";
}

std::string Indent(const std::string& text) {
  if (text.empty()) return "    (empty)\n";
  std::string out;
  for (const std::string& line : SplitLines(text)) out += "    |" + line + "\n";
  if (text.back() != '\n') out += "    (no final newline)\n";
  return out;
}

std::string Describe(const RunResult& run) {
  std::ostringstream out;
  out << "  command: " << CommandLine(run.command) << "\n";
  if (!run.spawn_error.empty()) out << "  " << run.spawn_error << "\n";
  if (run.timed_out) {
    out << "  TIMED OUT after " << kRunTimeout.count() << " s (killed)\n";
  }
  out << "  exit status: " << run.exit_status << "\n";
  out << "  stdout:\n" << Indent(Clip(run.stdout_text));
  out << "  stderr:\n" << Indent(Clip(run.stderr_text));
  return out.str();
}

std::string ExpectedStdout(const Expectations& expect) {
  std::string text;
  for (const std::string& line : expect.stdout_lines) text += line + "\n";
  return text;
}

// StdoutDiff names the first line where `actual` departs from `expected`.
std::string StdoutDiff(const std::string& expected, const std::string& actual) {
  std::vector<std::string> want = SplitLines(expected);
  std::vector<std::string> got = SplitLines(actual);
  size_t n = std::max(want.size(), got.size());
  for (size_t i = 0; i < n; ++i) {
    std::string w = i < want.size() ? want[i] : "<no line>";
    std::string g = i < got.size() ? got[i] : "<no line>";
    if (w != g) {
      return "  first difference at stdout line " + std::to_string(i + 1) +
             ":\n    expected: " + w + "\n    actual:   " + g + "\n";
    }
  }
  return "  stdout differs only in the final newline\n";
}

// ErrorLines returns the stderr lines that start with "error: ".
std::vector<std::string> ErrorLines(const std::string& stderr_text) {
  std::vector<std::string> lines;
  for (const std::string& line : SplitLines(stderr_text)) {
    if (line.rfind("error: ", 0) == 0) lines.push_back(line);
  }
  return lines;
}

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         text.substr(text.size() - suffix.size()) == suffix;
}

// HasAtLine tells whether stderr has a line "  at FILE:L:C" whose FILE ends
// with `file_name`.
bool HasAtLine(const std::string& stderr_text, const std::string& file_name,
               const std::string& line_col) {
  for (const std::string& raw : SplitLines(stderr_text)) {
    std::string line = Trim(raw);
    if (line.rfind("at ", 0) != 0) continue;
    std::string path = line.substr(3);
    std::string suffix = file_name + ":" + line_col;
    if (path == suffix || EndsWith(path, "/" + suffix)) return true;
  }
  return false;
}

// CheckRun compares one run with the expectations; an empty result means
// it passed, otherwise the text explains every mismatch.
std::string CheckRun(const Expectations& expect, const std::string& file_name,
                     const RunResult& run) {
  std::string problems;
  if (!run.spawn_error.empty()) problems += "  could not run the tool\n";
  if (run.timed_out) problems += "  the run timed out\n";
  if (run.left_processes) {
    problems += "  processes it started were still running after it ended\n";
  }
  for (const std::string& file : run.left_files) {
    problems += "  it left the endpoint file " + file + " behind\n";
  }
  int want_exit = expect.ExpectedExit();
  if (run.exit_status != want_exit) {
    problems += "  exit status: expected " + std::to_string(want_exit) +
                ", got " + std::to_string(run.exit_status) + "\n";
  }
  std::string want_stdout = ExpectedStdout(expect);
  if (run.stdout_text != want_stdout) {
    problems += "  stdout mismatch\n" + StdoutDiff(want_stdout, run.stdout_text);
    problems += "  expected stdout:\n" + Indent(want_stdout);
  }
  std::vector<std::string> error_lines = ErrorLines(run.stderr_text);
  if (expect.runtime_error) {
    std::string prefix = "error: " + *expect.runtime_error;
    bool found = std::any_of(
        error_lines.begin(), error_lines.end(),
        [&](const std::string& l) { return l.rfind(prefix, 0) == 0; });
    if (!found) {
      problems += "  expected a stderr line starting with: " + prefix + "\n";
    }
    if (expect.error_at &&
        !HasAtLine(run.stderr_text, file_name, *expect.error_at)) {
      problems += "  expected a stderr line: at ..." + file_name + ":" +
                  *expect.error_at + "\n";
    }
  }
  if (expect.compile_kind) {
    std::string kind_part = ": " + *expect.compile_kind + ":";
    std::string at_part =
        expect.error_at ? ":" + *expect.error_at + ":" : std::string();
    bool found = std::any_of(
        error_lines.begin(), error_lines.end(), [&](const std::string& l) {
          return l.find(kind_part) != std::string::npos &&
                 (at_part.empty() || l.find(at_part) != std::string::npos);
        });
    if (!found) {
      problems += "  expected an \"error: \" line containing \"" + kind_part +
                  "\"" +
                  (at_part.empty() ? "" : " and \"" + at_part + "\"") + "\n";
    }
  }
  for (const std::string& fragment : expect.stderr_fragments) {
    if (run.stderr_text.find(fragment) == std::string::npos) {
      problems += "  expected stderr to contain: " + fragment + "\n";
    }
  }
  bool stderr_asserted =
      expect.ExpectsAnyError() || !expect.stderr_fragments.empty() ||
      expect.ExpectedExit() != 0;
  if (!stderr_asserted && !run.stderr_text.empty()) {
    problems += "  expected empty stderr\n";
  }
  return problems;
}

std::vector<fs::path> FindTestFiles(const fs::path& root);

enum class Mode { kSource, kCompiled, kGcStress, kDeployed };

// Built with --config=gcstress, the etai under test collects at every
// allocation in every mode.
#ifdef ETA_GC_STRESS
constexpr bool kGcStressBuild = true;
#else
constexpr bool kGcStressBuild = false;
#endif

const char* ModeName(Mode mode) {
  switch (mode) {
    case Mode::kSource:
      return "Source";
    case Mode::kCompiled:
      return "Compiled";
    case Mode::kGcStress:
      return "GcStress";
    case Mode::kDeployed:
      return "Deployed";
  }
  return "?";
}

std::string SuiteName(Mode mode, int schedulers) {
  if (schedulers > 0) return "Schedulers" + std::to_string(schedulers);
  return ModeName(mode);
}

// Tools says where the binaries and the scratch space are.
struct Tools {
  fs::path etai;
  fs::path etac;
  fs::path scratch;
  bool check_endpoints = false;  // --check-endpoints
};

class GoldenTest : public ::testing::Test {
 public:
  // `schedulers` > 0 runs etai with ETA_SCHEDULERS set to it.
  GoldenTest(const Tools* tools, fs::path file, std::string relative,
             Expectations expect, Mode mode, int schedulers)
      : tools_(tools),
        file_(std::move(file)),
        relative_(std::move(relative)),
        expect_(std::move(expect)),
        mode_(mode),
        schedulers_(schedulers) {}

  void TestBody() override {
    std::string file_name = file_.filename().string();
    std::string flat = relative_;
    std::replace(flat.begin(), flat.end(), '/', '_');
    fs::path work = tools_->scratch / SuiteName(mode_, schedulers_) / flat;
    fs::remove_all(work);
    fs::create_directories(work);

    std::vector<std::string> env;
    std::vector<std::string> command;
    if (mode_ == Mode::kCompiled) {
      fs::path compiled = work / (file_.stem().string() + ".etac");
      RunResult compile = RunProcess({tools_->etac.string(), "-o", compiled.string(),
                               file_.string()},
                              {}, work / "etac");
      if (expect_.ExpectsCompileError()) {
        std::string problems = CheckRun(expect_, file_name, compile);
        EXPECT_TRUE(problems.empty())
            << relative_ << " [etac, compile error expected]\n"
            << problems << Describe(compile);
        return;
      }
      bool compiled_ok = compile.exit_status == 0 && compile.stderr_text.empty();
      ASSERT_TRUE(compiled_ok) << relative_ << " [etac failed]\n"
                               << Describe(compile);
      command = {tools_->etai.string(), "--path",
                 file_.parent_path().string(), compiled.string()};
    } else if (mode_ == Mode::kDeployed) {
      std::optional<fs::path> program = Deploy(work);
      if (!program) return;
      command = {tools_->etai.string(), program->string()};
    } else {
      if (mode_ == Mode::kGcStress) env.push_back("ETA_GC_STRESS=1");
      if (schedulers_ > 0) env.push_back("ETA_SCHEDULERS=" + std::to_string(schedulers_));
      command = {tools_->etai.string(), file_.string()};
    }
    for (const std::string& arg : expect_.args) command.push_back(arg);
    RunResult run = RunProcess(command, env, work / "etai", tools_->check_endpoints);
    std::string problems = CheckRun(expect_, file_name, run);
    EXPECT_TRUE(problems.empty()) << relative_ << " [" << SuiteName(mode_, schedulers_)
                                  << "]\n"
                                  << problems << Describe(run);
  }

 private:
  // Deploy copies every .eta file of the test's directory (and below) to
  // work/deploy, compiles each to a .etac beside its copy, and removes the
  // copies, so the program and the workers it spawns run compiled only.
  // Returns the program's .etac, or nothing after a failed assertion.
  std::optional<fs::path> Deploy(const fs::path& work) {
    fs::path dir = file_.parent_path();
    fs::path deploy = work / "deploy";
    // Copy everything first, so a program can import a sibling module
    // whatever the order of the file names.
    for (const fs::path& source : FindTestFiles(dir)) {
      fs::path copy = deploy / source.lexically_relative(dir);
      fs::create_directories(copy.parent_path());
      fs::copy_file(source, copy, fs::copy_options::overwrite_existing);
    }
    for (const fs::path& copy : FindTestFiles(deploy)) {
      fs::path compiled = copy;
      compiled.replace_extension(".etac");
      RunResult compile = RunProcess(
          {tools_->etac.string(), "-o", compiled.string(), copy.string()}, {},
          work / "etac");
      bool ok = compile.exit_status == 0 && compile.stderr_text.empty();
      EXPECT_TRUE(ok) << relative_ << " [etac failed on " << copy << "]\n"
                      << Describe(compile);
      if (!ok) return std::nullopt;
    }
    for (const fs::path& copy : FindTestFiles(deploy)) fs::remove(copy);
    fs::path program = deploy / file_.filename();
    return program.replace_extension(".etac");
  }

  const Tools* tools_;
  fs::path file_;
  std::string relative_;
  Expectations expect_;
  Mode mode_;
  int schedulers_;
};

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

// FindTestFiles lists testdata's .eta files (following runfiles symlinks),
// sorted so the run order is stable.
std::vector<fs::path> FindTestFiles(const fs::path& root) {
  std::vector<fs::path> files;
  auto options = fs::directory_options::follow_directory_symlink;
  for (const auto& entry : fs::recursive_directory_iterator(root, options)) {
    if (entry.path().extension() == ".eta" && fs::is_regular_file(entry)) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

int RegisterAll(const Tools* tools, const fs::path& testdata,
                const std::vector<Mode>& modes) {
  int count = 0;
  for (const fs::path& file : FindTestFiles(testdata)) {
    Expectations expect = ParseExpectations(ReadFileOrDie(file));
    if (expect.not_a_test) continue;
    std::string relative = file.lexically_relative(testdata).string();
    std::string name = relative.substr(0, relative.size() - strlen(".eta"));
    for (Mode mode : modes) {
      // In the GC-stress build every mode collects at every allocation.
      if ((mode == Mode::kGcStress || kGcStressBuild) && expect.slow) continue;
      if (mode == Mode::kDeployed && expect.ExpectsCompileError()) continue;
      // `; schedulers: N ...` adds a Source run per N, as suite SchedulersN.
      std::vector<int> counts = {0};
      if (mode == Mode::kSource) {
        counts.insert(counts.end(), expect.schedulers.begin(), expect.schedulers.end());
      }
      for (int schedulers : counts) {
        ::testing::RegisterTest(
            SuiteName(mode, schedulers).c_str(), name.c_str(), nullptr, nullptr, file.c_str(), 1,
            [=]() -> ::testing::Test* {
              return new GoldenTest(tools, file, relative, expect, mode, schedulers);
            });
      }
    }
    ++count;
  }
  return count;
}

// ParseModes reads --modes=source,compiled,gcstress,deployed.
std::optional<std::vector<Mode>> ParseModes(std::string_view list) {
  std::vector<Mode> modes;
  std::istringstream in{std::string(list)};
  std::string word;
  while (std::getline(in, word, ',')) {
    if (word == "source") {
      modes.push_back(Mode::kSource);
    } else if (word == "compiled") {
      modes.push_back(Mode::kCompiled);
    } else if (word == "gcstress") {
      modes.push_back(Mode::kGcStress);
    } else if (word == "deployed") {
      modes.push_back(Mode::kDeployed);
    } else {
      return std::nullopt;
    }
  }
  return modes;
}

}  // namespace
}  // namespace eta::testing

// main finds the tools and test files through Bazel's runfiles (or the
// ETA_ETAI / ETA_ETAC / ETA_TESTDATA overrides), registers one test per file
// and mode, and runs them. Flags: --root=DIR (the test files' directory in
// the workspace, default testdata), --modes=LIST (default
// source,compiled,gcstress) and --check-endpoints (fail a program that
// leaves a spawn endpoint file in /tmp).
int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  using eta::testing::Mode;
  ::testing::InitGoogleTest(&argc, argv);
  static eta::testing::Tools tools;
  std::string root = "testdata";
  std::vector<Mode> modes = {Mode::kSource, Mode::kCompiled, Mode::kGcStress};
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg.rfind("--root=", 0) == 0) {
      root = std::string(arg.substr(strlen("--root=")));
    } else if (arg == "--check-endpoints") {
      tools.check_endpoints = true;
    } else if (arg.rfind("--modes=", 0) == 0) {
      auto parsed = eta::testing::ParseModes(arg.substr(strlen("--modes=")));
      if (!parsed) {
        std::cerr << "golden_test: bad " << arg << "\n";
        return 2;
      }
      modes = *parsed;
    } else {
      std::cerr << "golden_test: unknown argument " << arg << "\n";
      return 2;
    }
  }
  std::string runfiles = eta::testing::EnvOr("TEST_SRCDIR", ".") + "/eta";
  tools.etai = eta::testing::EnvOr("ETA_ETAI", runfiles + "/tools/etai");
  tools.etac = eta::testing::EnvOr("ETA_ETAC", runfiles + "/tools/etac");
  fs::path testdata =
      eta::testing::EnvOr("ETA_TESTDATA", runfiles + "/" + root);
  tools.scratch = fs::path(eta::testing::EnvOr(
                      "TEST_TMPDIR", fs::temp_directory_path().string())) /
                  "golden";
  tools.etai = fs::absolute(tools.etai);
  tools.etac = fs::absolute(tools.etac);
  testdata = fs::absolute(testdata);
  if (!fs::exists(testdata)) {
    std::cerr << "golden_test: no test data at " << testdata << "\n";
    return 2;
  }
  int count = eta::testing::RegisterAll(&tools, testdata, modes);
  std::cerr << "golden_test: " << count << " test files under " << testdata
            << "\n";
  return RUN_ALL_TESTS();
}
