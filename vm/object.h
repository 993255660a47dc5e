// Heap objects. Every heap type is a struct deriving from Object and is
// described once in the type table (object.cc): its name, how the collector
// traces it and how it is destroyed.
#ifndef ETA_VM_OBJECT_H_
#define ETA_VM_OBJECT_H_

#include <cstdint>
#include <new>
#include <string>
#include <vector>

#include "vm/value.h"

namespace eta::vm {

class VM;
struct Function;
class Tracer;

// ObjectType tags each heap object; the type table is indexed by it.
enum class ObjectType : uint8_t {
  kPair,
  kString,
  kSymbol,
  kVector,
  kBytevector,
  kClosure,
  kPrimitive,
  kContinuation,
  kBox,
  kRecordType,
  kRecord,
  kError,
  kValues,
  kPort,
  kHashTable,
  kPromise,
  kParameter,
  kForeign,  // a C++ resource owned by another layer (sockets)
  kCount,
};

// Object is the header every heap object starts with.
class Object {
 public:
  explicit Object(ObjectType type) : type_(type) {}
  ObjectType type() const { return type_; }
  // shared: the object belongs to a frozen base VM (VM::Freeze), which
  // the VMs made from it share read-only: no collector marks or frees it.
  bool shared() const { return shared_; }
  // marked: reached by the collection in progress (for weak references,
  // between marking and sweeping: Heap::SetWeakSweeper).
  bool marked() const { return marked_; }

 private:
  friend class Heap;
  Object* next_ = nullptr;  // all objects, for the sweep
  ObjectType type_;
  bool marked_ = false;
  uint8_t size_class_ = 0;  // the heap's pool for this object; 0: none
  bool shared_ = false;
};

struct Pair : Object {
  Pair(Value a, Value d) : Object(ObjectType::kPair), car(a), cdr(d) {}
  Value car;
  Value cdr;
};

// String holds Unicode scalar values so that indexing is O(1).
struct String : Object {
  explicit String(std::u32string s)
      : Object(ObjectType::kString), chars(std::move(s)) {}
  std::u32string chars;
};

// Symbol is interned per VM: two symbols with one name are one object.
struct Symbol : Object {
  explicit Symbol(std::string n) : Object(ObjectType::kSymbol), name(std::move(n)) {}
  std::string name;  // UTF-8
};

struct Vector : Object {
  explicit Vector(std::vector<Value> v)
      : Object(ObjectType::kVector), items(std::move(v)) {}
  std::vector<Value> items;
};

struct Bytevector : Object {
  explicit Bytevector(std::vector<uint8_t> b)
      : Object(ObjectType::kBytevector), bytes(std::move(b)) {}
  std::vector<uint8_t> bytes;
};

// Closure is a compiled function with its captured values (flat closure;
// variables that are assigned after capture are shared through Boxes).
// The captured values are stored right after the struct, in the same
// allocation (Heap::NewClosure), so making a closure is one allocation.
struct Closure : Object {
  Closure(const Function* f, uint32_t n)
      : Object(ObjectType::kClosure), function(f), count(n) {
    for (uint32_t i = 0; i < n; ++i) new (&captured()[i]) Value();
  }
  Value* captured() { return reinterpret_cast<Value*>(this + 1); }
  const Function* function;
  uint32_t count;
};
static_assert(sizeof(Closure) % alignof(Value) == 0, "captures follow the struct");

// Box is a mutable cell shared by closures that capture an assigned variable.
struct Box : Object {
  explicit Box(Value v) : Object(ObjectType::kBox), value(v) {}
  Value value;
};

// Arguments gives a primitive its arguments, in place on the VM stack.
struct Arguments {
  Value* values;
  int count;
  Value operator[](int i) const { return values[i]; }
};

// PrimitiveFunction implements a builtin. It returns the result, or
// Value::RaiseMarker() after calling one of VM's Raise* functions.
using PrimitiveFunction = Value (*)(VM& vm, Arguments args);

// PrimitiveSpecial marks the few builtins the interpreter runs itself
// because they transfer control.
enum class PrimitiveSpecial : uint8_t {
  kNone,
  kApply,            // (apply f arg ... list)
  kCallCC,           // (%call/cc f): full re-entrant continuation
  kCallEC,           // (%call/ec f): escape-only continuation
  kApplyValues,      // (%apply-values consumer values-object)
  kRaise,            // (raise obj) / (raise 'kind payload)
  kRaiseContinuable, // (raise-continuable obj)
  kEval,             // (eval expression [environment])
};

struct Primitive : Object {
  Primitive(const char* n, int min, int max, PrimitiveFunction f,
            PrimitiveSpecial s)
      : Object(ObjectType::kPrimitive),
        name(n), min_args(min), max_args(max), function(f), special(s) {}
  const char* name;
  int min_args;
  int max_args;  // -1: any number
  PrimitiveFunction function;
  PrimitiveSpecial special;
};

struct RecordType : Object {
  RecordType(Value n, std::vector<Value> f)
      : Object(ObjectType::kRecordType), name(n), field_names(std::move(f)) {}
  Value name;                       // symbol
  std::vector<Value> field_names;  // symbols
};

struct Record : Object {
  Record(RecordType* t, std::vector<Value> f)
      : Object(ObjectType::kRecord), type(t), fields(std::move(f)) {}
  RecordType* type;
  std::vector<Value> fields;
};

// ErrorObject is what the runtime raises: a kind symbol, a message, the
// irritants, where it was raised and the Eta stack trace at that point.
struct ErrorObject : Object {
  ErrorObject() : Object(ObjectType::kError) {}
  Value kind;        // symbol
  Value message;     // string
  Value irritants;   // list
  Value payload;     // for (raise 'kind payload): the payload; else Undefined
  std::string location;  // "file:line:col" or empty
  std::vector<std::string> trace;  // innermost first: "name at file:line:col"
};

// MultipleValues is what (values a b ...) returns when not given one value.
struct MultipleValues : Object {
  explicit MultipleValues(std::vector<Value> v)
      : Object(ObjectType::kValues), values(std::move(v)) {}
  std::vector<Value> values;
};

// Promise is made by delay / make-promise.
struct Promise : Object {
  Promise(bool d, Value v) : Object(ObjectType::kPromise), done(d), value(v) {}
  bool done;
  Value value;  // the value when done, else the thunk
};

// Parameter is made by make-parameter.
struct Parameter : Object {
  Parameter(Value v, Value c)
      : Object(ObjectType::kParameter), value(v), converter(c) {}
  Value value;
  Value converter;
};

// ForeignObject wraps a resource owned by another layer (net/ sockets).
// `finalize` runs when the object is collected or the heap is destroyed.
struct ForeignObject : Object {
  ForeignObject() : Object(ObjectType::kForeign) {}
  virtual ~ForeignObject() = default;
  // KindName names the resource kind for printing and errors ("socket").
  virtual const char* KindName() const = 0;
  // Describe renders the object for display/write, e.g. "#<socket pair>".
  virtual std::string Describe() const = 0;
  // Trace marks Values the resource holds.
  virtual void Trace(Tracer& tracer) {}
  // Release ends the resource's outside effects now, as its destructor
  // would (a socket closes): the process ends without destroying the heap.
  virtual void Release() {}
};

// ObjectTypeName names a heap type for error messages ("pair", "string").
const char* ObjectTypeName(ObjectType type);

// As<T> casts a Value known to hold a T.
template <typename T>
inline T* As(Value v) {
  return static_cast<T*>(v.AsObject());
}

// IsType tells whether `v` is a heap object of `type`.
inline bool IsType(Value v, ObjectType type) {
  return v.IsObject() && v.AsObject()->type() == type;
}

inline bool IsPair(Value v) { return IsType(v, ObjectType::kPair); }
inline bool IsString(Value v) { return IsType(v, ObjectType::kString); }
inline bool IsSymbol(Value v) { return IsType(v, ObjectType::kSymbol); }
inline bool IsVector(Value v) { return IsType(v, ObjectType::kVector); }
inline bool IsBytevector(Value v) { return IsType(v, ObjectType::kBytevector); }
inline bool IsProcedure(Value v) {
  return IsType(v, ObjectType::kClosure) || IsType(v, ObjectType::kPrimitive) ||
         IsType(v, ObjectType::kContinuation);
}

inline Value Car(Value v) { return As<Pair>(v)->car; }
inline Value Cdr(Value v) { return As<Pair>(v)->cdr; }

// IsProperList tells whether `v` is a finite list ending in '() (cycle-safe).
inline bool IsProperList(Value v) {
  Value slow = v;
  while (true) {
    if (v.IsNil()) return true;
    if (!IsPair(v)) return false;
    v = Cdr(v);
    if (v.IsNil()) return true;
    if (!IsPair(v)) return false;
    v = Cdr(v);
    slow = Cdr(slow);
    if (v.Eq(slow)) return false;
  }
}

}  // namespace eta::vm

#endif  // ETA_VM_OBJECT_H_
