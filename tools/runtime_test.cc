// The embedded prelude is loaded without verification (tools/runtime.cc):
// this checks that it passes the verifier, so that it need not be verified
// at run time. (Every golden test runs on a VM made by LoadPrelude.)
#include "tools/runtime.h"

#include "gtest/gtest.h"
#include "tools/program_compiler.h"
#include "tools/runtime_primitives.h"
#include "vm/module.pb.h"
#include "vm/vm.h"

namespace eta::tools {
namespace {

TEST(RuntimeTest, TheEmbeddedPreludeVerifies) {
  std::optional<absl::string_view> bytes = EmbeddedModuleBytes("%prelude");
  ASSERT_TRUE(bytes.has_value());
  eta::module::ModuleFile file;
  ASSERT_TRUE(file.ParseFromArray(bytes->data(), static_cast<int>(bytes->size())));
  ASSERT_GT(file.modules_size(), 0);
  vm::VM vm(vm::VMOptions{});
  AddRuntimePrimitives(vm);
  for (const auto& m : file.modules()) {
    absl::Status loaded = vm.LoadModuleMessage(m, {}, vm::VM::Verify::kVerify);
    ASSERT_TRUE(loaded.ok()) << m.name() << ": " << loaded.message();
    absl::Status ran = vm.RunModule(m.name(), false);
    ASSERT_TRUE(ran.ok()) << m.name() << ": " << ran.message();
  }
}

}  // namespace
}  // namespace eta::tools
