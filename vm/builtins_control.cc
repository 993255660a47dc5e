// Control builtins: the primitives the interpreter runs itself (apply,
// continuations, raise), the dynamic state the prelude manages, error
// objects and records.
#include "absl/strings/str_cat.h"
#include "vm/builtins.h"
#include "vm/printer.h"
#include "vm/vm.h"

namespace eta::vm {
namespace {

Value Unreachable(VM& vm, Arguments) {
  return vm.RaiseError("internal-error", "special primitive called directly");
}

// ListOf tells whether `list` is a proper list whose every element
// satisfies `ok`.
template <typename Ok>
bool ListOf(Value list, Ok ok) {
  for (; IsPair(list); list = Cdr(list)) {
    if (!ok(Car(list))) return false;
  }
  return list.IsNil();
}

// The handler stack (a list of procedures) and the winders (a list of
// (before . after) pairs of procedures) are the prelude's; the internal
// setters check their shape anyway, as the VM's raise calls the handlers.
Value Handlers(VM& vm, Arguments) { return vm.handlers(); }
Value SetHandlers(VM& vm, Arguments args) {
  if (!ListOf(args[0], IsProcedure)) {
    return vm.RaiseTypeError("%set-handlers!", 1, "a list of procedures", args[0]);
  }
  vm.set_handlers(args[0]);
  return Value::Unspecified();
}
Value Winders(VM& vm, Arguments) { return vm.winders(); }
Value SetWinders(VM& vm, Arguments args) {
  auto winder = [](Value w) { return IsPair(w) && IsProcedure(Car(w)) && IsProcedure(Cdr(w)); };
  if (!ListOf(args[0], winder)) {
    return vm.RaiseTypeError("%set-winders!", 1, "a list of (before . after) procedure pairs",
                             args[0]);
  }
  vm.set_winders(args[0]);
  return Value::Unspecified();
}

Value Error(VM& vm, Arguments args) {
  Value message = args[0];
  std::string text = IsString(message) ? ValueToString(message, false)
                                       : ValueToString(message, true);
  Rooted irritants(vm.heap(), Value::Nil());
  for (int i = args.count - 1; i >= 1; --i) {
    Value cell = vm.Cons(args[i], irritants);
    if (cell.IsRaise()) return cell;
    irritants = cell;
  }
  return vm.RaiseError("user-error", text, irritants);
}

// (%make-error kind message irritants): an error object, not raised.
Value MakeErrorObject(VM& vm, Arguments args) {
  if (!IsSymbol(args[0])) return vm.RaiseTypeError("%make-error", 1, "a symbol", args[0]);
  if (!IsString(args[1])) return vm.RaiseTypeError("%make-error", 2, "a string", args[1]);
  return vm.MakeError(As<Symbol>(args[0])->name, ValueToString(args[1], false), args[2]);
}

ErrorObject* AsError(Value v) {
  return IsType(v, ObjectType::kError) ? As<ErrorObject>(v) : nullptr;
}

Value IsErrorObject(VM&, Arguments args) {
  return Value::Bool(IsType(args[0], ObjectType::kError));
}

Value ErrorMessage(VM& vm, Arguments args) {
  ErrorObject* e = AsError(args[0]);
  if (!e) return vm.RaiseTypeError("error-object-message", 1, "an error object", args[0]);
  return e->message;
}

Value ErrorIrritants(VM& vm, Arguments args) {
  ErrorObject* e = AsError(args[0]);
  if (!e) return vm.RaiseTypeError("error-object-irritants", 1, "an error object", args[0]);
  if (!e->payload.IsUndefined()) return vm.MakeList({e->payload});
  return e->irritants;
}

Value ErrorKind(VM& vm, Arguments args) {
  ErrorObject* e = AsError(args[0]);
  if (!e) return vm.RaiseTypeError("error-object-kind", 1, "an error object", args[0]);
  return e->kind;
}

// (%catch-match kind obj): does a catch of `kind` (#f: any) stop `obj`?
Value CatchMatch(VM& vm, Arguments args) {
  if (args[0].IsFalse()) return Value::True();
  ErrorObject* e = AsError(args[1]);
  if (e) return Value::Bool(e->kind.Eq(args[0]));
  // A raised symbol matches a catch of that symbol.
  return Value::Bool(args[1].Eq(args[0]));
}

// (%catch-value obj): what catch returns for a stopped raise.
Value CatchValue(VM&, Arguments args) {
  ErrorObject* e = AsError(args[0]);
  if (e && !e->payload.IsUndefined()) return e->payload;
  return args[0];
}

// ---- Records ----

Value MakeRecordType(VM& vm, Arguments args) {
  if (!IsSymbol(args[0])) return vm.RaiseTypeError("%make-record-type", 1, "a symbol", args[0]);
  if (!ListOf(args[1], [](Value v) { return IsSymbol(v); })) {
    return vm.RaiseTypeError("%make-record-type", 2, "a list of symbols", args[1]);
  }
  std::vector<Value> fields;
  for (Value l = args[1]; IsPair(l); l = Cdr(l)) fields.push_back(Car(l));
  RecordType* t = vm.heap().New<RecordType>(args[0], std::move(fields));
  if (!t) return vm.RaiseOutOfMemory();
  return Value::FromObject(t);
}

// (%make-record type field-value ...)
Value MakeRecord(VM& vm, Arguments args) {
  if (!IsType(args[0], ObjectType::kRecordType)) {
    return vm.RaiseTypeError("%make-record", 1, "a record type", args[0]);
  }
  RecordType* t = As<RecordType>(args[0]);
  if (static_cast<size_t>(args.count - 1) > t->field_names.size()) {
    return vm.RaiseError("arity-error", absl::StrCat("%make-record: ", args.count - 1,
                                                     " values for ", t->field_names.size(),
                                                     " fields"));
  }
  std::vector<Value> fields(args.values + 1, args.values + args.count);
  fields.resize(t->field_names.size(), Value::False());
  Record* r = vm.heap().New<Record>(t, std::move(fields));
  if (!r) return vm.RaiseOutOfMemory();
  return Value::FromObject(r);
}

Value IsRecordOf(VM&, Arguments args) {
  return Value::Bool(IsType(args[0], ObjectType::kRecord) &&
                     Value::FromObject(As<Record>(args[0])->type).Eq(args[1]));
}

std::string ProcedureName(Value name) {
  return IsSymbol(name) ? As<Symbol>(name)->name : "record accessor";
}

std::string TypeName(RecordType* t) {
  std::string name = As<Symbol>(t->name)->name;
  if (name.size() > 2 && name.front() == '<' && name.back() == '>') {
    name = name.substr(1, name.size() - 2);
  }
  return name;
}

// CheckRecordAccess checks what the accessors of define-record-type pass
// besides the record: its type and a field index of that type; false after
// raising (the internal primitives are called with other arguments only by
// mistake, but a mistake must not read or write outside the record).
bool CheckRecordAccess(VM& vm, const char* who, Arguments args) {
  if (!IsType(args[1], ObjectType::kRecordType)) {
    vm.RaiseTypeError(who, 2, "a record type", args[1]);
    return false;
  }
  Value index = args[2];
  if (!index.IsFixnum() || index.AsFixnum() < 0 ||
      static_cast<uint64_t>(index.AsFixnum()) >= As<RecordType>(args[1])->field_names.size()) {
    vm.RaiseTypeError(who, 3, "a field index of the record type", index);
    return false;
  }
  return true;
}

// (%record-ref obj type index name)
Value RecordRef(VM& vm, Arguments args) {
  if (!CheckRecordAccess(vm, "%record-ref", args)) return Value::RaiseMarker();
  if (!IsType(args[0], ObjectType::kRecord) ||
      !Value::FromObject(As<Record>(args[0])->type).Eq(args[1])) {
    return vm.RaiseTypeError(ProcedureName(args[3]), 1,
                             absl::StrCat("a ", TypeName(As<RecordType>(args[1])), " record"),
                             args[0]);
  }
  return As<Record>(args[0])->fields[args[2].AsFixnum()];
}

// (%record-set! obj type index value name)
Value RecordSet(VM& vm, Arguments args) {
  if (!CheckRecordAccess(vm, "%record-set!", args)) return Value::RaiseMarker();
  if (!IsType(args[0], ObjectType::kRecord) ||
      !Value::FromObject(As<Record>(args[0])->type).Eq(args[1])) {
    return vm.RaiseTypeError(ProcedureName(args[4]), 1,
                             absl::StrCat("a ", TypeName(As<RecordType>(args[1])), " record"),
                             args[0]);
  }
  if (!vm.CheckMutable(ProcedureName(args[4]), 1, "record", args[0])) return Value::RaiseMarker();
  As<Record>(args[0])->fields[args[2].AsFixnum()] = args[3];
  return Value::Unspecified();
}

Value IsProcedureValue(VM&, Arguments args) {
  return Value::Bool(IsProcedure(args[0]));
}

const PrimitiveSpec kControl[] = {
    {"apply", 2, -1, Unreachable, PrimitiveSpecial::kApply},
    {"%call/cc", 1, 1, Unreachable, PrimitiveSpecial::kCallCC},
    {"%call/ec", 1, 1, Unreachable, PrimitiveSpecial::kCallEC},
    {"%apply-values", 2, 2, Unreachable, PrimitiveSpecial::kApplyValues},
    {"raise", 1, 2, Unreachable, PrimitiveSpecial::kRaise},
    {"raise-continuable", 1, 1, Unreachable, PrimitiveSpecial::kRaiseContinuable},
    {"eval", 1, 2, Unreachable, PrimitiveSpecial::kEval},
    {"%handlers", 0, 0, Handlers},
    {"%set-handlers!", 1, 1, SetHandlers},
    {"%winders", 0, 0, Winders},
    {"%set-winders!", 1, 1, SetWinders},
    {"error", 1, -1, Error},
    {"%make-error", 3, 3, MakeErrorObject},
    {"error-object?", 1, 1, IsErrorObject},
    {"error-object-message", 1, 1, ErrorMessage},
    {"error-object-irritants", 1, 1, ErrorIrritants},
    {"error-object-kind", 1, 1, ErrorKind},
    {"%catch-match", 2, 2, CatchMatch},
    {"%catch-value", 1, 1, CatchValue},
    {"%make-record-type", 2, 2, MakeRecordType},
    {"%make-record", 1, -1, MakeRecord},
    {"%record?", 2, 2, IsRecordOf},
    {"%record-ref", 4, 4, RecordRef},
    {"%record-set!", 5, 5, RecordSet},
    {"procedure?", 1, 1, IsProcedureValue},
};

}  // namespace

absl::Span<const PrimitiveSpec> ControlPrimitives() { return kControl; }

}  // namespace eta::vm
