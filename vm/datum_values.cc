#include "vm/datum_values.h"

#include <string>
#include <utility>
#include <vector>

#include "vm/allocate.h"
#include "vm/utf8.h"

namespace eta::vm {
namespace {

using compiler::Datum;

// DatumConverter turns a datum into a value with an explicit work list.
// Finished values wait on `values()`, the items of a heap vector rooted for
// the whole conversion, so that every allocation may collect safely.
class DatumConverter {
 public:
  DatumConverter(Heap& heap, SymbolTable& symbols)
      : heap_(heap), symbols_(symbols), scratch_(heap, NewVector(heap, {})) {}

  absl::StatusOr<Value> Convert(const Datum& datum) {
    if (scratch_.get().IsRaise()) return OutOfMemory();
    work_.push_back({Task::kBuild, &datum, 0, false});
    while (!work_.empty()) {
      Task task = work_.back();
      work_.pop_back();
      absl::Status status = Run(task);
      if (!status.ok()) return status;
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

  static absl::Status OutOfMemory() {
    return absl::ResourceExhaustedError("out of memory");
  }

  std::vector<Value>& values() { return As<Vector>(scratch_.get())->items; }

  absl::Status Push(Value v) {
    if (v.IsRaise()) return OutOfMemory();
    values().push_back(v);
    return absl::OkStatus();
  }

  absl::Status Run(const Task& task) {
    switch (task.kind) {
      case Task::kBuild:
        return Build(*task.datum);
      case Task::kMakeList:
        return MakeList(task.count, task.has_tail);
      case Task::kMakeVector: {
        std::vector<Value>& stack = values();
        std::vector<Value> items(stack.end() - task.count, stack.end());
        Value v = NewVector(heap_, std::move(items));  // items stay rooted
        if (v.IsRaise()) return OutOfMemory();
        values().resize(values().size() - task.count);
        return Push(v);
      }
    }
    return absl::OkStatus();
  }

  // Build pushes an atom's value, or schedules a list's or vector's parts
  // followed by their assembly (tasks run last-in first-out).
  absl::Status Build(const Datum& d) {
    switch (d.kind) {
      case Datum::Kind::kNil: return Push(Value::Nil());
      case Datum::Kind::kBool: return Push(Value::Bool(d.boolean));
      case Datum::Kind::kInteger: return Push(Value::Fixnum(d.integer));
      case Datum::Kind::kReal: return Push(Value::Flonum(d.real));
      case Datum::Kind::kChar: return Push(Value::Char(d.character));
      case Datum::Kind::kString: {
        std::u32string chars;
        if (!DecodeUtf8(d.text, &chars)) {
          return absl::InvalidArgumentError("invalid UTF-8 in string");
        }
        return Push(NewString(heap_, std::move(chars)));
      }
      case Datum::Kind::kSymbol: {
        Symbol* s = symbols_.Intern(heap_, d.text);
        return Push(s ? Value::FromObject(s) : Value::RaiseMarker());
      }
      case Datum::Kind::kBytevector: return Push(NewBytevector(heap_, d.bytes));
      case Datum::Kind::kVector:
        work_.push_back({Task::kMakeVector, nullptr, d.items.size(), false});
        for (size_t i = d.items.size(); i-- > 0;) {
          work_.push_back({Task::kBuild, d.items[i].get(), 0, false});
        }
        return absl::OkStatus();
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
        return absl::OkStatus();
      }
    }
    return absl::OkStatus();
  }

  // MakeList conses the top `count` values (and the tail above them) into
  // a list, replacing them with it.
  absl::Status MakeList(size_t count, bool has_tail) {
    size_t base = values().size() - count - (has_tail ? 1 : 0);
    Rooted list(heap_, has_tail ? values().back() : Value::Nil());
    for (size_t i = count; i-- > 0;) {
      list = NewPair(heap_, values()[base + i], list);
      if (list.get().IsRaise()) return OutOfMemory();
    }
    values().resize(base);
    return Push(list);
  }

  Heap& heap_;
  SymbolTable& symbols_;
  Rooted scratch_;
  std::vector<Task> work_;
};

}  // namespace

absl::StatusOr<Value> DatumToValue(const compiler::Datum& datum, Heap& heap,
                                   SymbolTable& symbols) {
  DatumConverter converter(heap, symbols);
  return converter.Convert(datum);
}

}  // namespace eta::vm
