// System: exit, host name, environment, command line, clock, platform.
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <string>
#include <unistd.h>
#include <vector>

#include "vm/builtins.h"
#include "vm/builtins_internal.h"
#include "vm/utf8.h"

namespace eta::vm {
namespace {

// (exit [status]): #t or no argument is 0, #f is 1, an integer is itself.
// The interpreter stops once the primitive returns.
Value Exit(VM& vm, Arguments args) {
  int status = 0;
  if (args.count > 0) {
    Value v = args[0];
    if (v.IsTrue()) {
      status = 0;
    } else if (v.IsFalse()) {
      status = 1;
    } else if (v.IsFixnum()) {
      status = static_cast<int>(v.AsFixnum() & 0xff);
    } else {
      return vm.RaiseTypeError("exit", 1, "a boolean or exact integer", v);
    }
  }
  vm.FlushOutput();
  vm.RequestExit(status);
  return Value::Unspecified();
}

Value Hostname(VM& vm, Arguments args) {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) {
    return vm.RaiseError("os-error", "hostname: gethostname failed");
  }
  return vm.MakeStringFromUtf8(name);
}

Value Getenv(VM& vm, Arguments args) {
  std::string name;
  if (!vm.OsStringArgument("getenv", 1, args[0], &name)) return Value::RaiseMarker();
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return Value::False();
  return vm.MakeString(DecodeUtf8Lenient(value));
}

// StringList builds a list of strings made from `texts`.
Value StringList(VM& vm, const std::vector<std::string>& texts) {
  Rooted list(vm.heap(), Value::Nil());
  Rooted text(vm.heap(), Value::Nil());
  for (size_t i = texts.size(); i-- > 0;) {
    text = vm.MakeString(DecodeUtf8Lenient(texts[i]));
    if (text.get().IsRaise()) return text;
    Value pair = vm.Cons(text, list);
    if (pair.IsRaise()) return pair;
    list = pair;
  }
  return list;
}

Value CommandLine(VM& vm, Arguments args) {
  std::vector<std::string> texts = {vm.options().program_name};
  texts.insert(texts.end(), vm.options().arguments.begin(),
               vm.options().arguments.end());
  return StringList(vm, texts);
}

Value CommandLineArguments(VM& vm, Arguments args) {
  return StringList(vm, vm.options().arguments);
}

Value CurrentTimeMs(VM& vm, Arguments args) {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return Value::Fixnum(
      std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
}

Value CurrentTimeUs(VM& vm, Arguments args) {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return Value::Fixnum(
      std::chrono::duration_cast<std::chrono::microseconds>(now).count());
}

// (%monotonic-ms): milliseconds on the steady clock, an exact integer; only
// differences between two readings mean anything.
Value MonotonicMs(VM& vm, Arguments args) {
  auto now = std::chrono::steady_clock::now().time_since_epoch();
  return Value::Fixnum(
      std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
}


Value Platform(VM& vm, Arguments args) {
#if defined(__linux__)
  return vm.MakeStringFromUtf8("linux");
#elif defined(__APPLE__)
  return vm.MakeStringFromUtf8("darwin");
#else
  return vm.MakeStringFromUtf8("unix");
#endif
}

const PrimitiveSpec kSystemPrimitives[] = {
    {"%exit", 0, 1, Exit},
    {"hostname", 0, 0, Hostname},
    {"getenv", 1, 1, Getenv},
    {"command-line", 0, 0, CommandLine},
    {"command-line-arguments", 0, 0, CommandLineArguments},
    {"current-time-ms", 0, 0, CurrentTimeMs},
    {"current-time-us", 0, 0, CurrentTimeUs},
    {"%monotonic-ms", 0, 0, MonotonicMs},
    {"platform", 0, 0, Platform},
};

}  // namespace

absl::Span<const PrimitiveSpec> SystemPrimitives() { return kSystemPrimitives; }

}  // namespace eta::vm
