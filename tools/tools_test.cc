// End-to-end tests of the etai and etac binaries: usage, exit statuses,
// error reports, corrupt .etac files, compiled output, disassembly and
// module search (--path, ETA_MODULE_PATH, BUILD_WORKING_DIRECTORY). Every
// child runs with a time limit, so nothing can hang.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tools/subprocess.h"

extern char** environ;

namespace eta::tools {
namespace {

namespace fs = std::filesystem;

constexpr std::chrono::seconds kTimeout{10};

struct RunResult {
  int exit_status = -1;  // valid when exited
  bool exited = false;   // a normal exit (not a signal, not our timeout)
  bool signaled = false;
  int signal = 0;
  bool timed_out = false;
  std::string out, err;

  std::string Describe() const {
    std::ostringstream s;
    s << "exited=" << exited << " status=" << exit_status << " signaled=" << signaled
      << " signal=" << signal << " timed_out=" << timed_out << "\nstdout:\n"
      << out << "\nstderr:\n" << err;
    return s.str();
  }
};

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteFile(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  ASSERT_TRUE(out.good()) << path;
}

fs::path TempDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return fs::path(dir && *dir ? dir : "/tmp");
}

fs::path Tool(const std::string& name) {
  const char* runfiles = std::getenv("TEST_SRCDIR");
  fs::path path = fs::path(runfiles ? runfiles : ".") / "eta" / "tools" / name;
  return fs::absolute(path);
}

// Execute runs `argv` in `cwd` with `env` added to (or replacing entries of)
// the environment, through the shared runner, with kTimeout.
RunResult Execute(std::vector<std::string> argv, const fs::path& cwd,
            const std::vector<std::string>& env = {}) {
  static int counter = 0;
  fs::path base = TempDir() / ("run" + std::to_string(counter++));
  ProcessOptions options;
  options.work_dir = cwd;
  options.stdout_path = base.string() + ".out";
  options.stderr_path = base.string() + ".err";
  options.env = env;
  // The tests control these explicitly.
  options.drop_env_prefixes = {"ETA_MODULE_PATH=", "BUILD_WORKING_DIRECTORY=", "ETA_GC_STRESS="};
  options.timeout = kTimeout;
  ProcessResult process = RunProcess(argv, options);
  RunResult run;
  run.exited = process.exited;
  run.exit_status = process.exit_status;
  run.signaled = process.signaled;
  run.signal = process.signal;
  run.timed_out = process.timed_out;
  run.out = process.stdout_text;
  run.err = process.stderr_text;
  return run;
}

bool Contains(const std::string& text, const std::string& fragment) {
  return text.find(fragment) != std::string::npos;
}

class ToolsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    etai_ = Tool("etai").string();
    etac_ = Tool("etac").string();
    ASSERT_TRUE(fs::exists(etai_)) << etai_;
    ASSERT_TRUE(fs::exists(etac_)) << etac_;
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = TempDir() / info->name();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }

  // Source writes a program file under the test's directory.
  fs::path Source(const std::string& name, const std::string& text) {
    fs::path path = dir_ / name;
    WriteFile(path, text);
    return path;
  }

  RunResult Etai(std::vector<std::string> args, const std::vector<std::string>& env = {}) {
    args.insert(args.begin(), etai_);
    return Execute(args, dir_, env);
  }
  RunResult Etac(std::vector<std::string> args, const std::vector<std::string>& env = {}) {
    args.insert(args.begin(), etac_);
    return Execute(args, dir_, env);
  }

  // Compiled writes `text` to NAME.eta, compiles it and returns the bytes.
  std::string Compiled(const std::string& name, const std::string& text) {
    fs::path source = Source(name + ".eta", text);
    fs::path output = dir_ / (name + ".etac");
    RunResult run = Etac({"-o", output.string(), source.string()});
    EXPECT_TRUE(run.exited && run.exit_status == 0) << run.Describe();
    return ReadAll(output);
  }

  // ExpectCleanRejection runs a corrupt .etac: exit 1, "error:" on stderr.
  void ExpectCleanRejection(const std::string& bytes, const std::string& what) {
    fs::path path = dir_ / "corrupt.etac";
    WriteFile(path, bytes);
    RunResult run = Etai({path.string()});
    EXPECT_FALSE(run.signaled) << what << "\n" << run.Describe();
    EXPECT_FALSE(run.timed_out) << what;
    EXPECT_TRUE(run.exited && run.exit_status == 1) << what << "\n" << run.Describe();
    EXPECT_TRUE(Contains(run.err, "error:")) << what << "\n" << run.Describe();
    // Our error alone: no line of protobuf's own log before it.
    EXPECT_FALSE(Contains(run.err, "libprotobuf")) << what << "\n" << run.Describe();
  }

  std::string etai_, etac_;
  fs::path dir_;
};

constexpr char kHello[] =
    "(define (greet name) (string-append \"hello, \" name))\n"
    "(display (greet \"world\"))\n"
    "(newline)\n"
    "(display (map (lambda (x) (* x x)) '(1 2 3)))\n"
    "(newline)\n";

// ---- Usage and exit statuses ----

TEST_F(ToolsTest, HelpPrintsUsage) {
  RunResult run = Etai({"--help"});
  EXPECT_TRUE(run.exited && run.exit_status == 0) << run.Describe();
  EXPECT_TRUE(Contains(run.out, "usage: etai")) << run.Describe();
  run = Etac({"--help"});
  EXPECT_TRUE(run.exited && run.exit_status == 0) << run.Describe();
  EXPECT_TRUE(Contains(run.out, "usage: etac")) << run.Describe();
}

TEST_F(ToolsTest, UnknownOptionIsBadUsage) {
  RunResult run = Etai({"--no-such-option", "x.eta"});
  EXPECT_TRUE(run.exited && run.exit_status == 2) << run.Describe();
  EXPECT_TRUE(Contains(run.err, "--no-such-option")) << run.Describe();
  EXPECT_TRUE(Contains(run.err, "usage")) << run.Describe();
  run = Etac({"--no-such-option", "x.eta"});
  EXPECT_TRUE(run.exited && run.exit_status == 2) << run.Describe();
}

TEST_F(ToolsTest, MissingFileIsBadUsage) {
  RunResult run = Etai({(dir_ / "missing.eta").string()});
  EXPECT_TRUE(run.exited && run.exit_status == 2) << run.Describe();
  EXPECT_TRUE(Contains(run.err, "cannot read")) << run.Describe();
  EXPECT_TRUE(Contains(run.err, "missing.eta")) << run.Describe();
  run = Etac({(dir_ / "missing.eta").string()});
  EXPECT_TRUE(run.exited && run.exit_status == 2) << run.Describe();
  EXPECT_TRUE(Contains(run.err, "cannot read")) << run.Describe();
}

// DISABLED: known bug. ReadFile opens a directory without error and reads
// it as empty, so `etai DIR` runs an empty program and exits 0.
TEST_F(ToolsTest, DirectoryIsNotAProgram) {
  RunResult run = Etai({dir_.string()});
  EXPECT_TRUE(run.exited && run.exit_status == 2) << run.Describe();
  EXPECT_TRUE(Contains(run.err, "cannot read")) << run.Describe();
}

TEST_F(ToolsTest, RunsAProgram) {
  fs::path program = Source("hello.eta", kHello);
  RunResult run = Etai({program.string()});
  EXPECT_TRUE(run.exited && run.exit_status == 0) << run.Describe();
  EXPECT_EQ(run.out, "hello, world\n(1 4 9)\n");
  EXPECT_EQ(run.err, "");
}

TEST_F(ToolsTest, ExitStatusOfTheProgram) {
  fs::path program = Source("exit.eta", "(display \"before\")\n(exit 7)\n(display \"after\")\n");
  RunResult run = Etai({program.string()});
  EXPECT_TRUE(run.exited && run.exit_status == 7) << run.Describe();
  EXPECT_EQ(run.out, "before");  // flushed by exit, nothing after it
}

// etai ends a program without destroying its VM: what a file port the
// program never closed holds is still written, at a normal end and at
// (exit N).
TEST_F(ToolsTest, UnclosedFilePortsAreWrittenAtTheEnd) {
  for (const char* end : {"", "(exit 3)\n"}) {
    fs::path file = dir_ / "left-open.txt";
    fs::remove(file);
    fs::path program = Source("open.eta", std::string("(define p (open-output-file \"") +
                                              file.string() + "\"))\n(write 'kept p)\n" + end);
    RunResult run = Etai({program.string()});
    EXPECT_TRUE(run.exited && run.exit_status == (*end ? 3 : 0)) << run.Describe();
    EXPECT_EQ(ReadAll(file), "kept") << end;
  }
}

// An ipc listener's endpoint file goes when the program ends, however it
// ends, whether or not the program closed the socket; a socket may listen on
// several. (The paths are relative to the program's working directory.)
TEST_F(ToolsTest, IpcEndpointFilesGoAtTheEnd) {
  const std::vector<std::string> files = {"a.sock", "b.sock", "closed.sock"};
  for (const char* end : {"", "(exit 3)\n", "(car '())\n"}) {
    fs::path program = Source("listen.eta", std::string(
        "(define s (nng-socket 'pull))\n"
        "(nng-listen s \"ipc://a.sock\")\n"
        "(nng-listen s \"ipc://b.sock\")\n"
        "(define c (nng-socket 'pull))\n"
        "(nng-listen c \"ipc://closed.sock\")\n"
        "(nng-close c)\n"
        "(display 'listening)\n") + end);
    RunResult run = Etai({program.string()});
    int status = *end == '\0' ? 0 : end[1] == 'e' ? 3 : 1;
    EXPECT_TRUE(run.exited && run.exit_status == status) << end << run.Describe();
    EXPECT_EQ(run.out, "listening") << end;
    for (const std::string& file : files) {
      EXPECT_FALSE(fs::exists(fs::symlink_status(dir_ / file))) << file << " after " << end;
    }
  }
}

TEST_F(ToolsTest, ArgumentsReachTheProgram) {
  fs::path program = Source("args.eta", "(write (command-line-arguments))\n");
  RunResult run = Etai({program.string(), "a", "--b", "c d"});
  EXPECT_TRUE(run.exited && run.exit_status == 0) << run.Describe();
  EXPECT_EQ(run.out, "(\"a\" \"--b\" \"c d\")");
}

TEST_F(ToolsTest, UncaughtErrorIsReported) {
  fs::path program = Source("fail.eta",
                            "(display \"start\")\n"
                            "(newline)\n"
                            "(define (f x) (vector-ref x 10))\n"
                            "(f (vector 1 2))\n");
  RunResult run = Etai({program.string()});
  EXPECT_TRUE(run.exited && run.exit_status == 1) << run.Describe();
  EXPECT_EQ(run.out, "start\n");
  EXPECT_TRUE(Contains(run.err, "error:")) << run.Describe();
  EXPECT_TRUE(Contains(run.err, "range-error")) << run.Describe();
  EXPECT_TRUE(Contains(run.err, "at " + program.string() + ":3:")) << run.Describe();
  EXPECT_TRUE(Contains(run.err, program.string() + ":4:1")) << run.Describe();
}

TEST_F(ToolsTest, CompileErrorStopsBeforeRunning) {
  fs::path program = Source("unbound.eta", "(display \"no\")\n(display (+ 1 missing-name))\n");
  RunResult run = Etai({program.string()});
  EXPECT_TRUE(run.exited && run.exit_status == 1) << run.Describe();
  EXPECT_EQ(run.out, "");
  EXPECT_TRUE(Contains(run.err, "error: " + program.string() + ":2:15: unbound-variable"))
      << run.Describe();
  EXPECT_TRUE(Contains(run.err, "missing-name")) << run.Describe();
  run = Etac({program.string()});
  EXPECT_TRUE(run.exited && run.exit_status == 1) << run.Describe();
  EXPECT_TRUE(Contains(run.err, ":2:15: unbound-variable")) << run.Describe();
}

// Code nested as deep as the reader accepts either compiles or, deeper than
// the compiler's stack allows (which depends on the build's frame sizes),
// is a syntax-error naming the place: never a crash (issue 23).
TEST_F(ToolsTest, DeeplyNestedCodeCompilesOrIsASyntaxError) {
  auto nested = [](const std::string& open, const std::string& close, int n) {
    std::string text = "(define x 1)\n(display\n";
    for (int i = 0; i < n; ++i) text += open;
    text += "x";
    for (int i = 0; i < n; ++i) text += close;
    return text + ")\n";
  };
  const std::pair<std::string, std::string> cases[] = {
      {nested("(let ((a 1)) ", ")", 4500), "1"},
      {nested("(+ 1 ", ")", 9990), "9991"},
      {nested("(if #t ", " 2)", 9990), "1"},
      {nested("((lambda (y) ", ") 1)", 4990), "1"},
      {nested("(let ((a 1)) ", ")", 9000), "1"}};
  int refused = 0;
  for (const auto& [text, output] : cases) {
    fs::path program = Source("deep.eta", text);
    for (bool compile_only : {false, true}) {
      RunResult run = compile_only ? Etac({program.string()}) : Etai({program.string()});
      ASSERT_TRUE(run.exited) << run.Describe();
      if (run.exit_status == 0) {
        if (!compile_only) EXPECT_EQ(run.out, output);
        continue;
      }
      ++refused;
      EXPECT_EQ(run.exit_status, 1) << run.Describe();
      EXPECT_TRUE(Contains(run.err, program.string() + ":3:")) << run.Describe();
      EXPECT_TRUE(Contains(run.err, "syntax-error: nesting too deep to compile"))
          << run.Describe();
    }
  }
  EXPECT_GT(refused, 0);  // 9,000 nested lets are beyond any build's stack
}

// ---- Compiled files ----

TEST_F(ToolsTest, CompiledFileRunsTheSame) {
  fs::path source = Source("prog.eta", kHello);
  fs::path output = dir_ / "out" / "prog.etac";
  fs::create_directories(output.parent_path());
  RunResult compiled = Etac({"-o", output.string(), source.string()});
  ASSERT_TRUE(compiled.exited && compiled.exit_status == 0) << compiled.Describe();
  ASSERT_TRUE(fs::exists(output));
  RunResult from_source = Etai({source.string()});
  RunResult from_compiled = Etai({output.string()});
  EXPECT_TRUE(from_compiled.exited && from_compiled.exit_status == 0) << from_compiled.Describe();
  EXPECT_EQ(from_compiled.out, from_source.out);
  EXPECT_EQ(from_compiled.out, "hello, world\n(1 4 9)\n");
  // Without -o the output goes next to the source.
  RunResult default_output = Etac({source.string()});
  ASSERT_TRUE(default_output.exited && default_output.exit_status == 0);
  EXPECT_TRUE(fs::exists(dir_ / "prog.etac"));
}

TEST_F(ToolsTest, CompiledErrorsKeepTheirPositions) {
  std::string bytes = Compiled("fail", "(define (f x) (car x))\n(f 1)\n");
  fs::path compiled = dir_ / "fail.etac";
  fs::remove(dir_ / "fail.eta");  // the positions come from the .etac itself
  RunResult run = Etai({compiled.string()});
  EXPECT_TRUE(run.exited && run.exit_status == 1) << run.Describe();
  EXPECT_TRUE(Contains(run.err, "fail.eta:1:15")) << run.Describe();
}

TEST_F(ToolsTest, RandomBytesEtacIsRejected) {
  std::mt19937 random(7);
  for (int i = 0; i < 10; ++i) {
    std::string bytes(1 + random() % 500, '\0');
    for (char& c : bytes) c = static_cast<char>(random());
    ExpectCleanRejection(bytes, "random bytes #" + std::to_string(i));
  }
}

TEST_F(ToolsTest, TruncatedEtacIsRejected) {
  std::string bytes = Compiled("whole", kHello);
  ASSERT_GT(bytes.size(), 40u);
  // Every length from 1 to size-1 would be slow to run as processes: take
  // 25 spread over the file, including the very ends.
  std::vector<size_t> lengths = {1, 2, 3, bytes.size() - 2, bytes.size() - 1};
  for (int i = 1; i <= 20; ++i) lengths.push_back(bytes.size() * i / 21);
  for (size_t length : lengths) {
    ExpectCleanRejection(bytes.substr(0, length), "truncated to " + std::to_string(length));
  }
}

// DISABLED: known bug. An empty .etac (zero modules) runs as an empty
// program and exits 0 instead of being rejected as truncated.
TEST_F(ToolsTest, EtacWithAStringThatIsNotUtf8IsRejectedQuietly) {
  std::string bytes = Compiled("text", "(display \"hello\")\n");
  size_t at = bytes.find("hello");
  ASSERT_NE(at, std::string::npos);
  bytes[at] = '\xff';
  ExpectCleanRejection(bytes, "a string constant that is not UTF-8");
}

TEST_F(ToolsTest, EmptyEtacIsRejected) { ExpectCleanRejection("", "empty file"); }

TEST_F(ToolsTest, FlippedByteEtacNeverCrashes) {
  // A flipped byte may still leave a valid program (a changed character in
  // a string, say), so exit 0 is allowed; a crash or hang never is.
  std::string bytes = Compiled("flip", kHello);
  fs::path path = dir_ / "flipped.etac";
  int rejected = 0;
  for (int i = 0; i < 50; ++i) {
    size_t at = bytes.size() * i / 50;
    std::string corrupt = bytes;
    corrupt[at] = static_cast<char>(corrupt[at] ^ 0x5A);
    WriteFile(path, corrupt);
    RunResult run = Etai({path.string()});
    std::string what = "byte " + std::to_string(at) + " flipped";
    EXPECT_FALSE(run.signaled) << what << "\n" << run.Describe();
    EXPECT_FALSE(run.timed_out) << what;
    ASSERT_TRUE(run.exited) << what << "\n" << run.Describe();
    EXPECT_TRUE(run.exit_status == 0 || run.exit_status == 1) << what << "\n" << run.Describe();
    if (run.exit_status == 1) {
      ++rejected;
      EXPECT_TRUE(Contains(run.err, "error:")) << what << "\n" << run.Describe();
    }
  }
  EXPECT_GT(rejected, 10);
}

// ---- Disassembly ----

TEST_F(ToolsTest, DisasmShowsOpcodesAndLines) {
  fs::path program = Source("dis.eta", kHello);
  RunResult run = Etai({"--disasm", program.string()});
  EXPECT_TRUE(run.exited && run.exit_status == 0) << run.Describe();
  EXPECT_TRUE(Contains(run.out, "CALL")) << run.out;
  EXPECT_TRUE(Contains(run.out, "line")) << run.out;
  EXPECT_TRUE(Contains(run.out, "greet")) << run.out;
  EXPECT_TRUE(Contains(run.out, "hello, world\n")) << run.out;  // and it still runs
  run = Etac({"--disasm", "-o", (dir_ / "dis.etac").string(), program.string()});
  EXPECT_TRUE(run.exited && run.exit_status == 0) << run.Describe();
  EXPECT_TRUE(Contains(run.out, "CALL")) << run.out;
  EXPECT_TRUE(Contains(run.out, "line")) << run.out;
  EXPECT_FALSE(Contains(run.out, "hello, world")) << "etac must not run the program";
}

// ---- Module search ----

class ModuleSearchTest : public ToolsTest {
 protected:
  void SetUp() override {
    ToolsTest::SetUp();
    library_ = dir_ / "library";
    WriteFile(library_ / "mylib" / "util.eta",
              "(module mylib.util (export twice) (define (twice x) (* 2 x)))\n");
    program_ = Source("app/main.eta", "(import mylib.util)\n(display (twice 21))\n");
  }
  fs::path library_, program_;
};

TEST_F(ModuleSearchTest, ImportWithoutPathFails) {
  RunResult run = Etai({program_.string()});
  EXPECT_TRUE(run.exited && run.exit_status == 1) << run.Describe();
  EXPECT_TRUE(Contains(run.err, "mylib.util")) << run.Describe();
  EXPECT_TRUE(Contains(run.err, "module-error")) << run.Describe();
}

TEST_F(ModuleSearchTest, PathFlagFindsModules) {
  RunResult run = Etai({"--path", library_.string(), program_.string()});
  EXPECT_TRUE(run.exited && run.exit_status == 0) << run.Describe();
  EXPECT_EQ(run.out, "42");
  // Colon-separated directories; etac takes --path too.
  run = Etai({"--path", (dir_ / "nothing").string() + ":" + library_.string(), program_.string()});
  EXPECT_EQ(run.out, "42") << run.Describe();
  run = Etac({"--path", library_.string(), "-o", (dir_ / "main.etac").string(),
              program_.string()});
  EXPECT_TRUE(run.exited && run.exit_status == 0) << run.Describe();
  run = Etai({"--path", library_.string(), (dir_ / "main.etac").string()});
  EXPECT_EQ(run.out, "42") << run.Describe();
}

TEST_F(ModuleSearchTest, EnvironmentPathFindsModules) {
  RunResult run = Etai({program_.string()}, {"ETA_MODULE_PATH=/nonexistent:" + library_.string()});
  EXPECT_TRUE(run.exited && run.exit_status == 0) << run.Describe();
  EXPECT_EQ(run.out, "42");
}

TEST_F(ModuleSearchTest, ImporterDirectoryComesFirst) {
  WriteFile(program_.parent_path() / "mylib" / "util.eta",
            "(module mylib.util (export twice) (define (twice x) (list 'local x)))\n");
  RunResult run = Etai({"--path", library_.string(), program_.string()});
  EXPECT_EQ(run.out, "(local 21)") << run.Describe();
}

TEST_F(ModuleSearchTest, CompiledModuleIsUsedWithoutItsSource) {
  fs::path compiled = library_ / "mylib" / "util.etac";
  RunResult run = Etac({"-o", compiled.string(), (library_ / "mylib" / "util.eta").string()});
  ASSERT_TRUE(run.exited && run.exit_status == 0) << run.Describe();
  fs::remove(library_ / "mylib" / "util.eta");
  run = Etai({"--path", library_.string(), program_.string()});
  EXPECT_TRUE(run.exited && run.exit_status == 0) << run.Describe();
  EXPECT_EQ(run.out, "42");
}

TEST_F(ModuleSearchTest, ImportCycleIsAnError) {
  WriteFile(library_ / "cyc" / "a.eta", "(module cyc.a (import cyc.b) (export a) (define a 1))\n");
  WriteFile(library_ / "cyc" / "b.eta", "(module cyc.b (import cyc.a) (export b) (define b 2))\n");
  fs::path program = Source("cycle.eta", "(import cyc.a)\n(display a)\n");
  RunResult run = Etai({"--path", library_.string(), program.string()});
  EXPECT_TRUE(run.exited && run.exit_status == 1) << run.Describe();
  EXPECT_TRUE(Contains(run.err, "import cycle")) << run.Describe();
  EXPECT_TRUE(Contains(run.err, "cyc.a")) << run.Describe();
}

TEST_F(ModuleSearchTest, StandardLibraryIsBuiltIn) {
  fs::path program = Source("std.eta", "(import std.io)\n(println \"from std.io\")\n");
  RunResult run = Etai({program.string()});
  EXPECT_TRUE(run.exited && run.exit_status == 0) << run.Describe();
  EXPECT_EQ(run.out, "from std.io\n");
}

TEST_F(ModuleSearchTest, BuildWorkingDirectoryResolvesRelativePaths) {
  // `bazel run` starts the tool elsewhere; relative paths the user typed
  // are relative to BUILD_WORKING_DIRECTORY.
  fs::path elsewhere = dir_ / "elsewhere";
  fs::create_directories(elsewhere);
  std::vector<std::string> env = {"BUILD_WORKING_DIRECTORY=" + dir_.string()};
  RunResult run = Execute({etai_, "--path", "library", "app/main.eta"}, elsewhere, env);
  EXPECT_TRUE(run.exited && run.exit_status == 0) << run.Describe();
  EXPECT_EQ(run.out, "42");
  // etac's input and -o output likewise.
  run = Execute({etac_, "--path", "library", "-o", "main.etac", "app/main.eta"}, elsewhere, env);
  EXPECT_TRUE(run.exited && run.exit_status == 0) << run.Describe();
  EXPECT_TRUE(fs::exists(dir_ / "main.etac"));
  EXPECT_FALSE(fs::exists(elsewhere / "main.etac"));
  // Without it the same relative path is not found from `elsewhere`.
  run = Execute({etai_, "app/main.eta"}, elsewhere);
  EXPECT_TRUE(run.exited && run.exit_status == 2) << run.Describe();
  EXPECT_TRUE(Contains(run.err, "cannot read")) << run.Describe();
}

// The REPL (etai with no file): results in write form, definitions persist,
// errors do not end the loop, multi-line input, (exit N).
TEST_F(ToolsTest, ReplEvaluatesAndKeepsDefinitions) {
  fs::path input = Source("repl_input.txt",
                          "(define x 10)\n(+ x 1)\n(define (f y)\n  (* y x))\n(f 5)\n"
                          "(car 5)\n\"str\"\n(set! x 20)\n(f 5)\n(exit 3)\n");
  RunResult run = Execute({"/bin/sh", "-c", etai_ + " < " + input.string()}, dir_);
  EXPECT_TRUE(run.exited && run.exit_status == 3) << run.Describe();
  EXPECT_EQ(run.out, "11\n50\n\"str\"\n100\n") << run.Describe();
  EXPECT_TRUE(Contains(run.err, "error: type-error: car:")) << run.Describe();
}

}  // namespace
}  // namespace eta::tools
