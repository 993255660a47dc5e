// Checks the instruction table (vm/opcodes.h) against the Opcode enum of the
// compiled-module contract (vm/module.proto): same count, numbers and names.
#include "vm/opcodes.h"

#include <set>
#include <string>

#include "gtest/gtest.h"
#include "vm/module.pb.h"

namespace eta::vm {
namespace {

TEST(OpcodesTest, TableMatchesProtoEnum) {
  // module.proto uses the lite runtime (no descriptors): the generated
  // range, validity and name functions say the same.
  EXPECT_EQ(eta::module::Opcode_MIN, 0);
  ASSERT_EQ(eta::module::Opcode_ARRAYSIZE, kOpcodeCount);
  for (int op = 0; op < kOpcodeCount; ++op) {
    ASSERT_TRUE(eta::module::Opcode_IsValid(op))
        << "table opcode " << kOpcodeInfo[op].name << " has no proto value";
    EXPECT_EQ(eta::module::Opcode_Name(static_cast<eta::module::Opcode>(op)),
              kOpcodeInfo[op].name);
  }
  EXPECT_FALSE(eta::module::Opcode_IsValid(kOpcodeCount));
}

TEST(OpcodesTest, EnumValuesMatchGeneratedConstants) {
  // The C++ enums generated from both sides agree number for number.
  EXPECT_EQ(static_cast<int>(Opcode::kNOP), eta::module::NOP);
  EXPECT_EQ(static_cast<int>(Opcode::kCONST), eta::module::CONST);
  EXPECT_EQ(static_cast<int>(Opcode::kJUMP), eta::module::JUMP);
  EXPECT_EQ(static_cast<int>(Opcode::kJUMP_IF_FALSE), eta::module::JUMP_IF_FALSE);
  EXPECT_EQ(static_cast<int>(Opcode::kCALL), eta::module::CALL);
  EXPECT_EQ(static_cast<int>(Opcode::kTAIL_CALL), eta::module::TAIL_CALL);
  EXPECT_EQ(static_cast<int>(Opcode::kRETURN), eta::module::RETURN);
  EXPECT_EQ(static_cast<int>(Opcode::kMAKE_CLOSURE), eta::module::MAKE_CLOSURE);
  EXPECT_EQ(static_cast<int>(Opcode::kFRESH_BOX), eta::module::FRESH_BOX);
  EXPECT_EQ(eta::module::Opcode_MAX + 1, kOpcodeCount);
  EXPECT_EQ(eta::module::Opcode_MIN, 0);
  // The opcode byte type must hold every opcode.
  EXPECT_LE(kOpcodeCount, 256);
}

TEST(OpcodesTest, NamesAreUniqueAndNonEmpty) {
  std::set<std::string> names;
  for (int op = 0; op < kOpcodeCount; ++op) {
    ASSERT_NE(kOpcodeInfo[op].name, nullptr);
    EXPECT_FALSE(std::string(kOpcodeInfo[op].name).empty());
    EXPECT_TRUE(names.insert(kOpcodeInfo[op].name).second)
        << "duplicate name " << kOpcodeInfo[op].name;
    ASSERT_NE(kOpcodeInfo[op].meaning, nullptr);
    EXPECT_FALSE(std::string(kOpcodeInfo[op].meaning).empty())
        << kOpcodeInfo[op].name << " has no description";
  }
}

TEST(OpcodesTest, OperandCountsAndStackEffectsAreSane) {
  for (int op = 0; op < kOpcodeCount; ++op) {
    const OpcodeInfo& info = kOpcodeInfo[op];
    SCOPED_TRACE(info.name);
    EXPECT_GE(info.operands, 0);
    EXPECT_LE(info.operands, 4);
    EXPECT_GE(info.pops, -1);
    EXPECT_LE(info.pops, 3);
    EXPECT_GE(info.pushes, 0);
    EXPECT_LE(info.pushes, 2);  // DUP pushes its operand back and a copy
    // A variable pop count reads operand 0, so it needs one.
    if (info.pops < 0) {
      EXPECT_GE(info.operands, 1);
    }
  }
}

TEST(OpcodesTest, KnownInstructionShapes) {
  auto info = [](Opcode op) { return kOpcodeInfo[static_cast<int>(op)]; };
  EXPECT_EQ(info(Opcode::kCONST).operands, 1);
  EXPECT_EQ(info(Opcode::kCONST).pushes, 1);
  EXPECT_EQ(info(Opcode::kJUMP).operands, 1);
  EXPECT_EQ(info(Opcode::kJUMP_IF_FALSE).pops, 1);
  EXPECT_EQ(info(Opcode::kCALL).operands, 1);
  EXPECT_EQ(info(Opcode::kCALL).pops, -1);
  EXPECT_EQ(info(Opcode::kCALL).pushes, 1);
  EXPECT_EQ(info(Opcode::kTAIL_CALL).pops, -1);
  EXPECT_EQ(info(Opcode::kRETURN).operands, 0);
  EXPECT_EQ(info(Opcode::kRETURN).pops, 1);
  EXPECT_EQ(info(Opcode::kRETURN).pushes, 0);
  EXPECT_EQ(info(Opcode::kADD).pops, 2);
  EXPECT_EQ(info(Opcode::kVECTOR_SET).pops, 3);
  EXPECT_EQ(info(Opcode::kPOP).pops, 1);
  EXPECT_EQ(info(Opcode::kPOP).pushes, 0);
}

}  // namespace
}  // namespace eta::vm
