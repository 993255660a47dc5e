// read: the datum reader (compiler/reader.h) on textual input ports. The
// reader's data become VM values without recursion, whatever their nesting.
#include <cerrno>
#include <optional>
#include <string>
#include <string_view>
#include <unistd.h>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "compiler/datum.h"
#include "compiler/reader.h"
#include "vm/builtins.h"
#include "vm/builtins_internal.h"
#include "vm/port.h"

namespace eta::vm {
namespace {

using compiler::Datum;
using internal::kReadChunk;
using internal::ReadMore;
using compiler::DatumPtr;


// DatumConverter turns a datum into a value with an explicit work list.
// Finished values wait on `values_`, the items of a heap vector rooted for
// the whole conversion, so that every allocation may collect safely.
class DatumConverter {
 public:
  explicit DatumConverter(VM& vm)
      : vm_(vm), scratch_(vm.heap(), vm.MakeVector({})) {}

  // Convert returns the value of `datum`, or the raise marker (out of
  // memory).
  Value Convert(const DatumPtr& datum) {
    if (scratch_.get().IsRaise()) return scratch_;
    work_.push_back({Task::kBuild, datum.get(), 0, false});
    while (!work_.empty()) {
      Task task = std::move(work_.back());
      work_.pop_back();
      Value result = Run(task);
      if (result.IsRaise()) return result;
    }
    return values().back();
  }

 private:
  struct Task {
    enum Kind { kBuild, kMakeList, kMakeVector };
    Kind kind;
    const Datum* datum;  // kBuild
    size_t count;        // kMakeList, kMakeVector: how many values to take
    bool has_tail;       // kMakeList: the last value is an improper tail
  };

  std::vector<Value>& values() { return As<Vector>(scratch_.get())->items; }

  // Run performs one task; returns the raise marker on failure.
  Value Run(const Task& task) {
    switch (task.kind) {
      case Task::kBuild:
        return Build(*task.datum);
      case Task::kMakeList:
        return MakeList(task.count, task.has_tail);
      case Task::kMakeVector: {
        std::vector<Value>& stack = values();
        std::vector<Value> items(stack.end() - task.count, stack.end());
        Value v = vm_.MakeVector(std::move(items));  // items stay rooted
        if (v.IsRaise()) return v;
        values().resize(values().size() - task.count);
        values().push_back(v);
        return v;
      }
    }
    return Value::Unspecified();
  }

  // Build pushes an atom's value, or schedules a list's or vector's parts
  // followed by their assembly (tasks run last-in first-out).
  Value Build(const Datum& d) {
    Value v;
    switch (d.kind) {
      case Datum::Kind::kNil: v = Value::Nil(); break;
      case Datum::Kind::kBool: v = Value::Bool(d.boolean); break;
      case Datum::Kind::kInteger: v = Value::Fixnum(d.integer); break;
      case Datum::Kind::kReal: v = Value::Flonum(d.real); break;
      case Datum::Kind::kChar: v = Value::Char(d.character); break;
      case Datum::Kind::kString: v = vm_.MakeStringFromUtf8(d.text); break;
      case Datum::Kind::kSymbol: v = vm_.Intern(d.text); break;
      case Datum::Kind::kBytevector: v = vm_.MakeBytevector(d.bytes); break;
      case Datum::Kind::kVector:
        work_.push_back({Task::kMakeVector, nullptr, d.items.size(), false});
        for (size_t i = d.items.size(); i-- > 0;) {
          work_.push_back({Task::kBuild, d.items[i].get(), 0, false});
        }
        return Value::Unspecified();
      case Datum::Kind::kPair: {
        std::vector<const Datum*> elements;
        const Datum* p = &d;
        for (; p->kind == Datum::Kind::kPair; p = p->cdr.get()) {
          elements.push_back(p->car.get());
        }
        bool has_tail = p->kind != Datum::Kind::kNil;
        work_.push_back({Task::kMakeList, nullptr, elements.size(), has_tail});
        if (has_tail) work_.push_back({Task::kBuild, p, 0, false});
        for (size_t i = elements.size(); i-- > 0;) {
          work_.push_back({Task::kBuild, elements[i], 0, false});
        }
        return Value::Unspecified();
      }
    }
    if (v.IsRaise()) return v;
    values().push_back(v);
    return v;
  }

  // MakeList conses the top `count` values (and the tail above them) into
  // a list, replacing them with it.
  Value MakeList(size_t count, bool has_tail) {
    size_t base = values().size() - count - (has_tail ? 1 : 0);
    Rooted list(vm_.heap(), has_tail ? values().back() : Value::Nil());
    for (size_t i = count; i-- > 0;) {
      list = vm_.Cons(values()[base + i], list);
      if (list.get().IsRaise()) return list;
    }
    values().resize(base);
    values().push_back(list);
    return list;
  }

  VM& vm_;
  Rooted scratch_;
  std::vector<Task> work_;
};

// InputPortArgument returns the input port argument (or the current input
// port), or nullptr after raising.
Port* InputPortArgument(VM& vm, const char* who, Arguments args) {
  Value v = args.count >= 1 ? args[0] : vm.current_input_port();
  if (!IsPort(v) || !As<Port>(v)->IsInput()) {
    vm.RaiseTypeError(who, 1, "an input port", v);
    return nullptr;
  }
  Port* port = As<Port>(v);
  if (port->closed) {
    vm.RaiseError("os-error",
                  absl::StrCat(who, ": read from closed port ", port->name));
    return nullptr;
  }
  return port;
}

// ReaderMessage strips the "FILE:LINE:COL: read-error: " prefix of a reader
// error: the location is relative to where this read started, which would
// mislead.
std::string ReaderMessage(std::string message) {
  constexpr std::string_view kMarker = ": read-error: ";
  size_t at = message.find(kMarker);
  if (at != std::string::npos) message.erase(0, at + kMarker.size());
  return message;
}

// (read [port]) returns the next datum of the port, or the eof object.
// The reader copies its text, so it is given a window of the input that
// doubles while the datum may be incomplete there: the reader failed, found
// nothing, or stopped at the window's end (an atom may go on). Past the
// buffered input, a descriptor port (stdin) reads more. Reading many data
// from a long string port thus costs about the size of each datum.
Value Read(VM& vm, Arguments args) {
  Port* port = InputPortArgument(vm, "read", args);
  if (port == nullptr) return Value::RaiseMarker();
  size_t window = kReadChunk;
  while (true) {
    std::string_view rest(port->input);
    rest.remove_prefix(port->position);
    std::string_view text = rest.substr(0, window);
    compiler::Reader reader(text, port->name);
    auto datum = reader.Next();
    bool maybe_incomplete = !datum.ok() || !datum->has_value() ||
                            reader.Offset() >= text.size();
    if (maybe_incomplete) {
      if (text.size() < rest.size()) {
        window *= 2;
        continue;
      }
      if (ReadMore(port)) continue;
    }
    if (!datum.ok()) {
      return vm.RaiseError(
          "read-error",
          absl::StrCat("read: ", ReaderMessage(std::string(
                                     datum.status().message()))));
    }
    port->position += reader.Offset();
    if (!datum->has_value()) return Value::Eof();
    DatumConverter converter(vm);
    return converter.Convert(**datum);
  }
}

const PrimitiveSpec kReadPrimitives[] = {
    {"read", 0, 1, Read},
};

}  // namespace

absl::Span<const PrimitiveSpec> ReadPrimitives() { return kReadPrimitives; }

}  // namespace eta::vm
