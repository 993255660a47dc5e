// Value: one Eta value as the VM holds it. Immediates (integers, flonums,
// characters, booleans, the empty list and a few markers) are stored inline;
// everything else is a pointer to a heap Object (see object.h).
#ifndef ETA_VM_VALUE_H_
#define ETA_VM_VALUE_H_

#include <cstdint>
#include <cstring>

namespace eta::vm {

class Object;

// Tag says what a Value holds. Only kObject carries a heap pointer.
enum class Tag : uint8_t {
  kUndefined,    // marker: a global or letrec variable not yet defined
  kUnspecified,  // the value of expressions whose value is unspecified
  kNil,          // '()
  kFalse,        // #f
  kTrue,         // #t
  kFixnum,       // exact integer, 64-bit signed
  kFlonum,       // IEEE double
  kChar,         // Unicode scalar value
  kEof,          // the eof object
  kRaise,        // marker returned by primitives that raised (see VM)
  kObject,       // pointer to a heap Object
};

// Value is 16 bytes, trivially copyable; compare with Eq for eq?.
class Value {
 public:
  constexpr Value() : bits_(0), tag_(static_cast<uint64_t>(Tag::kUnspecified)) {}

  static constexpr Value Undefined() { return Value(Tag::kUndefined, 0); }
  static constexpr Value Unspecified() { return Value(Tag::kUnspecified, 0); }
  static constexpr Value Nil() { return Value(Tag::kNil, 0); }
  static constexpr Value False() { return Value(Tag::kFalse, 0); }
  static constexpr Value True() { return Value(Tag::kTrue, 0); }
  static constexpr Value Bool(bool b) { return b ? True() : False(); }
  static constexpr Value Eof() { return Value(Tag::kEof, 0); }
  static constexpr Value RaiseMarker() { return Value(Tag::kRaise, 0); }
  // SuspendMarker is what a primitive returns to wait (VM::CanSuspend): a
  // raise marker of its own, so that the usual IsRaise test passes it on.
  static constexpr Value SuspendMarker() { return Value(Tag::kRaise, 1); }
  static constexpr Value Fixnum(int64_t i) {
    return Value(Tag::kFixnum, static_cast<uint64_t>(i));
  }
  static Value Flonum(double d) {
    uint64_t bits;
    std::memcpy(&bits, &d, sizeof bits);
    return Value(Tag::kFlonum, bits);
  }
  static constexpr Value Char(uint32_t c) { return Value(Tag::kChar, c); }
  static Value FromObject(Object* o) {
    return Value(Tag::kObject, reinterpret_cast<uint64_t>(o));
  }

  Tag tag() const { return static_cast<Tag>(tag_); }
  bool IsUndefined() const { return Is(Tag::kUndefined); }
  bool IsUnspecified() const { return Is(Tag::kUnspecified); }
  bool IsNil() const { return Is(Tag::kNil); }
  bool IsFalse() const { return Is(Tag::kFalse); }
  bool IsTrue() const { return Is(Tag::kTrue); }
  bool IsBool() const { return Is(Tag::kFalse) || Is(Tag::kTrue); }
  // IsTruthy is Scheme truth: everything but #f.
  bool IsTruthy() const { return !Is(Tag::kFalse); }
  bool IsFixnum() const { return Is(Tag::kFixnum); }
  bool IsFlonum() const { return Is(Tag::kFlonum); }
  bool IsNumber() const { return Is(Tag::kFixnum) || Is(Tag::kFlonum); }
  bool IsChar() const { return Is(Tag::kChar); }
  bool IsEof() const { return Is(Tag::kEof); }
  bool IsRaise() const { return Is(Tag::kRaise); }
  bool IsSuspend() const { return Is(Tag::kRaise) && bits_ == 1; }
  bool IsObject() const { return Is(Tag::kObject); }

  int64_t AsFixnum() const { return static_cast<int64_t>(bits_); }
  double AsFlonum() const {
    double d;
    std::memcpy(&d, &bits_, sizeof d);
    return d;
  }
  // AsNumber returns a fixnum or flonum as a double.
  double AsDouble() const {
    return IsFixnum() ? static_cast<double>(AsFixnum()) : AsFlonum();
  }
  uint32_t AsChar() const { return static_cast<uint32_t>(bits_); }
  Object* AsObject() const { return reinterpret_cast<Object*>(bits_); }
  uint64_t bits() const { return bits_; }

  // Eq is eq?: same tag and same bits (flonums compare by bits).
  bool Eq(Value other) const {
    return tag_ == other.tag_ && bits_ == other.bits_;
  }

 private:
  constexpr Value(Tag tag, uint64_t bits) : bits_(bits), tag_(static_cast<uint64_t>(tag)) {}
  constexpr bool Is(Tag tag) const { return tag_ == static_cast<uint64_t>(tag); }

  uint64_t bits_;
  // The tag fills a whole word: a copy is two plain moves, with no partial
  // (byte) stores for the compiler to merge.
  uint64_t tag_;
};

static_assert(sizeof(Value) == 16, "Value must stay two words");

}  // namespace eta::vm

#endif  // ETA_VM_VALUE_H_
