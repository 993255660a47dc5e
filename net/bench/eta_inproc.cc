// Runs ping.eta and pong.eta in two VMs on two threads of one process over
// inproc, as spawn-thread will (net/bench/run.sh).
//   eta_inproc PING.eta PONG.eta latency|throughput N
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <thread>

#include "tools/test_support.h"
#include "vm/vm.h"

namespace {

std::string ReadAll(const char* path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void RunFile(const char* path, const char* mode, const char* n) {
  eta::vm::VMOptions options;
  options.arguments = {"inproc://eta-bench", mode, n};
  std::unique_ptr<eta::vm::VM> vm = eta::tools::testing::NewVM(options);
  absl::Status status = eta::tools::testing::RunSource(*vm, ReadAll(path), path);
  if (!status.ok()) {
    std::fprintf(stderr, "%s: %s\n%s", path, std::string(status.message()).c_str(),
                 vm->DescribeUncaught().c_str());
    std::exit(1);
  }
  vm->FlushOutput();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: eta_inproc PING.eta PONG.eta latency|throughput N\n");
    return 2;
  }
  std::thread pong([&] { RunFile(argv[2], argv[3], argv[4]); });
  RunFile(argv[1], argv[3], argv[4]);
  pong.join();
  return 0;
}
