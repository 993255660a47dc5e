#include "wire/wire.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_format.h"
#include "compiler/reader.h"
#include "compiler/status_macros.h"
#include "vm/allocate.h"
#include "vm/datum_values.h"
#include "vm/object.h"
#include "vm/printer.h"
#include "vm/utf8.h"

namespace eta::wire {
namespace {

using vm::As;
using vm::Bytevector;
using vm::Object;
using vm::ObjectType;
using vm::Pair;
using vm::String;
using vm::Symbol;
using vm::Value;
using vm::Vector;

// ---------------------------------------------------------------------------
// Diagnosis: why a value cannot be encoded, with the path to the culprit.
// Encoding itself does not track cycles (that would cost a set lookup per
// pair); when it stops (a value it cannot encode, too deep, too large) this
// slower walk tells cycles, non-serializable parts and true size apart.

// Step is how one value was reached from its container.
struct Step {
  enum Kind { kRoot, kListElement, kListTail, kVectorElement };
  Kind kind;
  size_t index;   // element index; for kListTail, the elements before it
  int32_t parent; // index of the container's step in the walk's steps
};

std::string DescribeStep(const Step& step) {
  switch (step.kind) {
    case Step::kRoot:
      return "";
    case Step::kListElement:
      return step.index == 0 ? "car" : absl::StrCat("element ", step.index);
    case Step::kListTail:
      return step.index == 1 ? std::string("cdr")
                             : absl::StrCat("tail after element ", step.index - 1);
    case Step::kVectorElement:
      return absl::StrCat("element ", step.index, " of vector");
  }
  return "";
}

// IsAtomSerializable tells whether a non-container value can be encoded.
bool IsSerializableAtom(Value v) {
  switch (v.tag()) {
    case vm::Tag::kNil:
    case vm::Tag::kFalse:
    case vm::Tag::kTrue:
    case vm::Tag::kFixnum:
    case vm::Tag::kFlonum:
    case vm::Tag::kChar:
      return true;
    case vm::Tag::kObject:
      switch (v.AsObject()->type()) {
        case ObjectType::kString:
        case ObjectType::kSymbol:
        case ObjectType::kBytevector:
          return true;
        default:
          return false;
      }
    default:
      return false;
  }
}

// KindName names what a non-serializable value is.
std::string KindName(Value v) {
  switch (v.tag()) {
    case vm::Tag::kUndefined: return "undefined value";
    case vm::Tag::kUnspecified: return "unspecified value";
    case vm::Tag::kEof: return "eof object";
    case vm::Tag::kObject: {
      Object* o = v.AsObject();
      if (o->type() == ObjectType::kForeign) {
        return static_cast<vm::ForeignObject*>(o)->KindName();
      }
      if (o->type() == ObjectType::kClosure || o->type() == ObjectType::kPrimitive) {
        return "procedure";
      }
      return vm::ObjectTypeName(o->type());
    }
    default:
      return "value";
  }
}

class Diagnosis {
 public:
  // Run walks `root` depth-first in encoding order and returns the first
  // problem found, or OK.
  absl::Status Run(Value root) {
    steps_.push_back({Step::kRoot, 0, -1});
    work_.push_back({Work::kVisit, root, 0, 0, {}});
    while (!work_.empty()) {
      Work w = std::move(work_.back());
      work_.pop_back();
      if (w.kind == Work::kLeave) {
        for (Object* o : w.group) {
          on_path_.erase(o);
          done_.insert(o);
        }
        continue;
      }
      absl::Status status = Visit(w.value, w.step, w.depth);
      if (!status.ok()) return status;
    }
    return absl::OkStatus();
  }

 private:
  struct Work {
    enum Kind { kVisit, kLeave };
    Kind kind;
    Value value;
    int32_t step;
    uint32_t depth;
    std::vector<Object*> group;  // kLeave: objects leaving the current path
  };

  // Path describes where `step` is, innermost first; a deep one keeps its
  // first and last steps ("car of car of ... (19990 more) of element 3").
  std::string Path(int32_t step) const {
    constexpr size_t kInner = 4, kOuter = 2;
    std::vector<int32_t> chain;
    for (int32_t s = step; s >= 0 && steps_[s].kind != Step::kRoot; s = steps_[s].parent) {
      chain.push_back(s);
    }
    std::vector<std::string> parts;
    for (size_t i = 0; i < chain.size(); ++i) {
      if (chain.size() > kInner + kOuter + 1 && i == kInner) {
        size_t skipped = chain.size() - kInner - kOuter;
        parts.push_back(absl::StrCat("... (", skipped, " more)"));
        i += skipped - 1;
        continue;
      }
      parts.push_back(DescribeStep(steps_[chain[i]]));
    }
    return absl::StrJoin(parts, " of ");
  }

  std::string At(int32_t step) const {
    std::string path = Path(step);
    return path.empty() ? std::string() : absl::StrCat(" at ", path);
  }

  int32_t AddStep(Step::Kind kind, size_t index, int32_t parent) {
    steps_.push_back({kind, index, parent});
    return static_cast<int32_t>(steps_.size() - 1);
  }

  absl::Status Cycle(int32_t step) const {
    return absl::InvalidArgumentError(
        absl::StrCat("cyclic structure", At(step)));
  }

  absl::Status TooDeep(int32_t step) const {
    return absl::InvalidArgumentError(absl::StrCat(
        "nesting deeper than ", kMaxDepth, " levels", At(step)));
  }

  // Enter puts a container on the current path; false if it already is
  // (a cycle). Containers already fully checked need no second look.
  enum class Entry { kNew, kDone, kCycle };
  Entry Enter(Object* o) {
    if (done_.contains(o)) return Entry::kDone;
    if (!on_path_.insert(o).second) return Entry::kCycle;
    return Entry::kNew;
  }

  absl::Status Visit(Value v, int32_t step, uint32_t depth) {
    if (depth > kMaxDepth) return TooDeep(step);
    if (vm::IsPair(v)) {
      std::vector<Object*> spine;
      std::vector<Value> cars;
      Value p = v;
      while (vm::IsPair(p)) {
        Entry e = Enter(p.AsObject());
        if (e == Entry::kCycle) {
          int32_t at = spine.empty()
                           ? step
                           : AddStep(Step::kListTail, spine.size(), step);
          for (Object* o : spine) on_path_.erase(o);
          return Cycle(at);
        }
        if (e == Entry::kDone) break;
        spine.push_back(p.AsObject());
        cars.push_back(vm::Car(p));
        p = vm::Cdr(p);
      }
      work_.push_back({Work::kLeave, Value(), 0, 0, spine});
      bool checked_tail = vm::IsPair(p);  // a shared, checked tail
      if (!p.IsNil() && !checked_tail) {
        work_.push_back({Work::kVisit, p,
                         AddStep(Step::kListTail, cars.size(), step),
                         depth + 1, {}});
      }
      for (size_t i = cars.size(); i-- > 0;) {
        work_.push_back({Work::kVisit, cars[i],
                         AddStep(Step::kListElement, i, step), depth + 1, {}});
      }
      return absl::OkStatus();
    }
    if (vm::IsVector(v)) {
      Entry e = Enter(v.AsObject());
      if (e == Entry::kCycle) return Cycle(step);
      if (e == Entry::kDone) return absl::OkStatus();
      work_.push_back({Work::kLeave, Value(), 0, 0, {v.AsObject()}});
      const std::vector<Value>& items = As<Vector>(v)->items;
      for (size_t i = items.size(); i-- > 0;) {
        work_.push_back({Work::kVisit, items[i],
                         AddStep(Step::kVectorElement, i, step), depth + 1, {}});
      }
      return absl::OkStatus();
    }
    if (!IsSerializableAtom(v)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "non-serializable value (", KindName(v), ")", At(step)));
    }
    return absl::OkStatus();
  }

  std::vector<Step> steps_;
  std::vector<Work> work_;
  absl::flat_hash_set<Object*> on_path_;
  absl::flat_hash_set<Object*> done_;
};

absl::Status TooLarge(size_t limit) {
  return absl::ResourceExhaustedError(
      absl::StrCat("message larger than the limit of ", limit, " bytes"));
}

// ---------------------------------------------------------------------------
// Binary encoding.

class BinaryEncoder {
 public:
  BinaryEncoder(std::string* out, size_t limit)
      : out_(out), start_(out->size()), cursor_(start_), limit_(limit) {}

  // Run encodes `root`; false when it stopped (the caller diagnoses why).
  bool Run(Value root) {
    Put(kBinaryMarker);
    Item item{root, 0};
    while (true) {
      if (!EncodeOne(item)) return false;
      if (work_.empty()) break;
      item = work_.back();
      work_.pop_back();
    }
    out_->resize(cursor_);
    return true;
  }

 private:
  struct Item {
    Value value;
    uint32_t depth;
  };

  // Reserve makes room for `n` more bytes; false past the limit.
  bool Reserve(size_t n) {
    size_t need = cursor_ + n;
    if (need - start_ > limit_) return false;
    if (need > out_->size()) {
      out_->resize(std::max(need, out_->size() * 2 + 64));
    }
    return true;
  }
  void Put(uint8_t byte) {
    Reserve(1);
    (*out_)[cursor_++] = static_cast<char>(byte);
  }
  char* Raw() { return out_->data() + cursor_; }
  void PutTagged(Tag tag, const void* payload, size_t n) {
    char* p = Raw();
    *p = static_cast<char>(tag);
    std::memcpy(p + 1, payload, n);  // little-endian host
    cursor_ += 1 + n;
  }
  bool PutBytes(Tag tag, const void* bytes, size_t n) {
    if (n > UINT32_MAX || !Reserve(5 + n)) return false;
    uint32_t length = static_cast<uint32_t>(n);
    PutTagged(tag, &length, 4);
    if (n > 0) std::memcpy(Raw(), bytes, n);
    cursor_ += n;
    return true;
  }

  // WriteImmediate writes a value that is not a heap object into 9 bytes
  // already reserved; false for those that cannot be sent.
  bool WriteImmediate(Value v) {
    char* p = Raw();
    switch (v.tag()) {
      case vm::Tag::kNil:
        *p = static_cast<char>(Tag::kNil);
        cursor_ += 1;
        return true;
      case vm::Tag::kTrue:
        *p = static_cast<char>(Tag::kTrue);
        cursor_ += 1;
        return true;
      case vm::Tag::kFalse:
        *p = static_cast<char>(Tag::kFalse);
        cursor_ += 1;
        return true;
      case vm::Tag::kFixnum: {
        int64_t i = v.AsFixnum();
        PutTagged(Tag::kInteger, &i, 8);
        return true;
      }
      case vm::Tag::kFlonum: {
        double d = v.AsFlonum();
        PutTagged(Tag::kFlonum, &d, 8);
        return true;
      }
      case vm::Tag::kChar: {
        uint32_t c = v.AsChar();
        PutTagged(Tag::kChar, &c, 4);
        return true;
      }
      default:
        return false;
    }
  }

  // IsLeaf tells whether an object is a string, symbol or bytevector.
  static bool IsLeaf(Object* o) {
    ObjectType t = o->type();
    return t == ObjectType::kString || t == ObjectType::kSymbol ||
           t == ObjectType::kBytevector;
  }

  // PutLeaf writes a string, symbol or bytevector.
  bool PutLeaf(Object* o) {
    switch (o->type()) {
      case ObjectType::kString:
        return PutString(static_cast<String*>(o)->chars);
      case ObjectType::kSymbol: {
        const std::string& name = static_cast<Symbol*>(o)->name;
        return PutBytes(Tag::kSymbol, name.data(), name.size());
      }
      default: {
        const std::vector<uint8_t>& bytes = static_cast<Bytevector*>(o)->bytes;
        return PutBytes(Tag::kBytevector, bytes.data(), bytes.size());
      }
    }
  }

  // PutString writes a string's UTF-8 straight into the output: in one pass
  // when the worst case (4 bytes a character) fits, else measured first.
  bool PutString(const std::u32string& chars) {
    size_t worst = 5 + 4 * chars.size();
    if (cursor_ + worst - start_ > limit_) {
      size_t n = 0;
      for (char32_t c : chars) n += vm::Utf8Length(c);
      if (n > UINT32_MAX || !Reserve(5 + n)) return false;
    } else if (!Reserve(worst)) {
      return false;
    }
    char* start = Raw();
    char* p = start + 5;
    for (char32_t c : chars) {
      if (c < 0x80) {
        *p++ = static_cast<char>(c);
      } else {
        p = vm::WriteUtf8(c, p);
      }
    }
    uint32_t length = static_cast<uint32_t>(p - start - 5);
    if (p - start - 5 > UINT32_MAX) return false;
    *start = static_cast<char>(Tag::kString);
    std::memcpy(start + 1, &length, 4);
    cursor_ += 5 + length;
    return true;
  }



  // EncodeOne encodes one value; a list's cars are encoded in turn here
  // while its tail waits, so a long list keeps the work list short.
  bool EncodeOne(Item item) {
    Value v = item.value;
    uint32_t depth = item.depth;
    // Brent's cycle finding along the spine: a circular list stops here at
    // once instead of filling the size limit first.
    const Object* tortoise = nullptr;
    size_t power = 1, steps = 0;
    while (true) {
      if (depth > kMaxDepth) return false;
      if (!v.IsObject()) {
        return Reserve(9) && WriteImmediate(v);
      }
      Object* o = v.AsObject();
      switch (o->type()) {
        case ObjectType::kPair: {
          // The spine: each pair's car is encoded now, its cdr next.
          if (!Reserve(10)) return false;
          (*out_)[cursor_++] = static_cast<char>(Tag::kPair);
          Pair* p = static_cast<Pair*>(o);
          Value cdr = p->cdr;
          if (vm::IsPair(cdr) || cdr.IsNil()) {
            // Same list: the cdr stays at this depth.
            if (cdr.IsObject() && cdr.AsObject() == tortoise) return false;  // circular
            if (++steps == power) {
              tortoise = cdr.IsObject() ? cdr.AsObject() : nullptr;
              power *= 2;
              steps = 0;
            }
            if (!p->car.IsObject()) {
              if (depth + 1 > kMaxDepth || !WriteImmediate(p->car)) return false;
              v = cdr;
              continue;
            }
            if (IsLeaf(p->car.AsObject())) {
              if (depth + 1 > kMaxDepth || !PutLeaf(p->car.AsObject())) return false;
              v = cdr;
              continue;
            }
            if (work_.size() + (cursor_ - start_) > limit_) return false;
            work_.push_back({cdr, depth});
            v = p->car;
            depth = depth + 1;
            continue;
          }
          if (work_.size() + (cursor_ - start_) > limit_) return false;
          work_.push_back({cdr, depth + 1});  // an improper tail
          v = p->car;
          depth = depth + 1;
          continue;
        }
        case ObjectType::kString:
        case ObjectType::kSymbol:
        case ObjectType::kBytevector:
          return PutLeaf(o);
        case ObjectType::kVector: {
          const std::vector<Value>& items = static_cast<Vector*>(o)->items;
          if (items.size() > UINT32_MAX || !Reserve(5)) return false;
          uint32_t count = static_cast<uint32_t>(items.size());
          PutTagged(Tag::kVector, &count, 4);
          if (items.empty()) return true;
          // Each pending item needs at least one byte of output.
          if (work_.size() + items.size() + (cursor_ - start_) > limit_) {
            return false;
          }
          for (size_t i = items.size(); i-- > 1;) {
            work_.push_back({items[i], depth + 1});
          }
          v = items[0];
          depth = depth + 1;
          continue;
        }
        default:
          return false;
      }
    }
  }


  std::string* out_;
  size_t start_;
  size_t cursor_ = 0;
  size_t limit_;
  std::vector<Item> work_;
};

// ---------------------------------------------------------------------------
// Binary decoding: containers are allocated before their contents and
// linked into place at once, so everything built so far is reachable from
// the rooted result whenever an allocation collects.

class BinaryDecoder {
 public:
  BinaryDecoder(std::string_view bytes, vm::Heap& heap, vm::SymbolTable& symbols)
      : bytes_(bytes), heap_(heap), symbols_(symbols),
        result_(heap, Value::Nil()) {}

  absl::StatusOr<Value> Run() {
    pos_ = 1;  // after the marker
    Slot slot{nullptr, 0, false};  // the result itself
    while (true) {
      absl::Status status = DecodeOne(slot);
      if (!status.ok()) return status;
      if (!Next(&slot)) break;
    }
    if (pos_ != bytes_.size()) {
      return Error(absl::StrCat(bytes_.size() - pos_,
                                " bytes after the end of the value"));
    }
    return result_.get();
  }

 private:
  // Slot is where the next decoded value goes: a field of an object already
  // linked into the result (or, with a null target, the result itself).
  struct Slot {
    Value* target;
    uint32_t depth;
    bool is_cdr;  // a pair here continues its list at depth - 1
  };
  // Pending is a slot still to fill, or the rest of a vector's elements.
  struct Pending {
    Value* target;
    uint32_t depth;
    bool is_cdr;
    Vector* vector;  // non-null: fill items[next..] of this vector
    size_t next;
  };

  absl::Status Error(std::string what) const {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed message at byte ", pos_, ": ", what));
  }
  absl::Status ErrorAt(size_t at, std::string what) const {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed message at byte ", at, ": ", what));
  }
  static absl::Status OutOfMemory() {
    return absl::ResourceExhaustedError("out of memory decoding message");
  }

  void Store(const Slot& slot, Value v) {
    if (slot.target) {
      *slot.target = v;
    } else {
      result_ = v;
    }
  }

  bool Need(size_t n) const { return bytes_.size() - pos_ >= n; }

  template <typename T>
  T Read() {
    T value;
    std::memcpy(&value, bytes_.data() + pos_, sizeof value);
    pos_ += sizeof value;
    return value;
  }

  // ReadLength reads a 4-byte length of a payload that must follow in full.
  absl::Status ReadLength(size_t tag_at, const char* what, uint32_t* length) {
    if (!Need(4)) {
      return ErrorAt(tag_at, absl::StrCat("truncated ", what, " length (",
                                          bytes_.size() - pos_,
                                          " of 4 bytes present)"));
    }
    *length = Read<uint32_t>();
    if (!Need(*length)) {
      return ErrorAt(tag_at, absl::StrCat(what, " length ", *length,
                                          " runs past the end (",
                                          bytes_.size() - pos_,
                                          " bytes left)"));
    }
    return absl::OkStatus();
  }

  absl::Status DecodeOne(Slot& slot) {
    while (true) {
      size_t at = pos_;
      if (!Need(1)) return Error("truncated: a value was expected");
      uint8_t tag = static_cast<uint8_t>(bytes_[pos_++]);
      uint32_t depth = slot.depth;
      if (tag == static_cast<uint8_t>(Tag::kPair) && slot.is_cdr) --depth;
      if (depth > kMaxDepth) {
        return ErrorAt(at, absl::StrCat("nesting deeper than ", kMaxDepth,
                                        " levels"));
      }
      switch (static_cast<Tag>(tag)) {
        case Tag::kNil: Store(slot, Value::Nil()); return absl::OkStatus();
        case Tag::kTrue: Store(slot, Value::True()); return absl::OkStatus();
        case Tag::kFalse: Store(slot, Value::False()); return absl::OkStatus();
        case Tag::kInteger:
          if (!Need(8)) return ErrorAt(at, "truncated integer");
          Store(slot, Value::Fixnum(Read<int64_t>()));
          return absl::OkStatus();
        case Tag::kFlonum:
        {
          if (!Need(8)) return ErrorAt(at, "truncated flonum");
          double d = Read<double>();
          // Every NaN arrives as the one NaN the reader makes of +nan.0:
          // payloads mean nothing in Eta and the text form cannot carry them.
          if (d != d) d = std::numeric_limits<double>::quiet_NaN();
          Store(slot, Value::Flonum(d));
          return absl::OkStatus();
        }
        case Tag::kChar: {
          if (!Need(4)) return ErrorAt(at, "truncated character");
          uint32_t c = Read<uint32_t>();
          if (!vm::IsScalarValue(c)) {
            return ErrorAt(at, absl::StrFormat(
                                   "character U+%X is not a Unicode scalar value", c));
          }
          Store(slot, Value::Char(c));
          return absl::OkStatus();
        }
        case Tag::kString: {
          uint32_t length;
          ETA_RETURN_IF_ERROR(ReadLength(at, "string", &length));
          std::string_view text = bytes_.substr(pos_, length);
          std::u32string chars;
          if (!DecodeText(text, &chars)) {
            return ErrorAt(at, "invalid UTF-8 in string");
          }
          pos_ += length;
          Value s = vm::NewString(heap_, std::move(chars));
          if (s.IsRaise()) return OutOfMemory();
          Store(slot, s);
          return absl::OkStatus();
        }
        case Tag::kSymbol: {
          uint32_t length;
          ETA_RETURN_IF_ERROR(ReadLength(at, "symbol", &length));
          std::string_view name = bytes_.substr(pos_, length);
          if (!ValidUtf8(name)) return ErrorAt(at, "invalid UTF-8 in symbol");
          pos_ += length;
          Symbol* s = symbols_.Intern(heap_, name);
          if (s == nullptr) return OutOfMemory();
          Store(slot, Value::FromObject(s));
          return absl::OkStatus();
        }
        case Tag::kBytevector: {
          uint32_t length;
          ETA_RETURN_IF_ERROR(ReadLength(at, "bytevector", &length));
          const uint8_t* p = reinterpret_cast<const uint8_t*>(bytes_.data() + pos_);
          pos_ += length;
          Value b = vm::NewBytevector(heap_, std::vector<uint8_t>(p, p + length));
          if (b.IsRaise()) return OutOfMemory();
          Store(slot, b);
          return absl::OkStatus();
        }
        case Tag::kPair: {
          Value p = vm::NewPair(heap_, Value::Nil(), Value::Nil());
          if (p.IsRaise()) return OutOfMemory();
          Store(slot, p);
          Pair* pair = As<Pair>(p);
          pending_.push_back({&pair->cdr, depth + 1, true, nullptr, 0});
          slot = {&pair->car, depth + 1, false};
          continue;
        }
        case Tag::kVector: {
          if (!Need(4)) return ErrorAt(at, "truncated vector length");
          uint32_t count = Read<uint32_t>();
          // Every element takes at least one byte.
          if (!Need(count)) {
            return ErrorAt(at, absl::StrCat("vector of ", count,
                                            " elements runs past the end (",
                                            bytes_.size() - pos_,
                                            " bytes left)"));
          }
          Value v = vm::NewVector(heap_, std::vector<Value>(count, Value::Nil()));
          if (v.IsRaise()) return OutOfMemory();
          Store(slot, v);
          if (count == 0) return absl::OkStatus();
          Vector* vector = As<Vector>(v);
          if (count > 1) {
            pending_.push_back({nullptr, depth + 1, false, vector, 1});
          }
          slot = {&vector->items[0], depth + 1, false};
          continue;
        }
        default:
          return ErrorAt(at, absl::StrCat("unknown tag ", tag));
      }
    }
  }

  // Next moves `slot` to the next place to fill; false when none is left.
  bool Next(Slot* slot) {
    if (pending_.empty()) return false;
    Pending& top = pending_.back();
    if (top.vector == nullptr) {
      *slot = {top.target, top.depth, top.is_cdr};
      pending_.pop_back();
      return true;
    }
    *slot = {&top.vector->items[top.next], top.depth, false};
    if (++top.next == top.vector->items.size()) pending_.pop_back();
    return true;
  }

  // DecodeText decodes UTF-8 with a fast path for ASCII.
  static bool DecodeText(std::string_view text, std::u32string* out) {
    out->resize(text.size());
    size_t n = 0;
    for (size_t i = 0; i < text.size();) {
      unsigned char c = static_cast<unsigned char>(text[i]);
      if (c < 0x80) {
        (*out)[n++] = c;
        ++i;
        continue;
      }
      uint32_t cp;
      size_t length;
      if (!vm::DecodeUtf8Char(text, i, &cp, &length)) return false;
      (*out)[n++] = cp;
      i += length;
    }
    out->resize(n);
    return true;
  }

  static bool ValidUtf8(std::string_view text) {
    for (size_t i = 0; i < text.size();) {
      if (static_cast<unsigned char>(text[i]) < 0x80) {
        ++i;
        continue;
      }
      uint32_t cp;
      size_t length;
      if (!vm::DecodeUtf8Char(text, i, &cp, &length)) return false;
      i += length;
    }
    return true;
  }

  std::string_view bytes_;
  size_t pos_ = 0;
  vm::Heap& heap_;
  vm::SymbolTable& symbols_;
  vm::Rooted result_;
  std::vector<Pending> pending_;
};

// ---------------------------------------------------------------------------
// Text decoding: the reader, then the reader's data as values.

absl::StatusOr<Value> DecodeTextMessage(std::string_view bytes, vm::Heap& heap,
                                        vm::SymbolTable& symbols) {
  compiler::Reader reader(bytes, "message");
  absl::StatusOr<std::optional<compiler::DatumPtr>> datum = reader.Next();
  if (!datum.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed text message: ", datum.status().message()));
  }
  if (!datum->has_value()) {
    return absl::InvalidArgumentError("malformed text message: no datum");
  }
  size_t end = reader.Offset();
  absl::StatusOr<std::optional<compiler::DatumPtr>> extra = reader.Next();
  if (!extra.ok() || extra->has_value()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "malformed text message: more than one datum (the first ends at byte ",
        end, ")"));
  }
  absl::StatusOr<Value> value = vm::DatumToValue(***datum, heap, symbols);
  if (!value.ok() && absl::IsInvalidArgument(value.status())) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed text message: ", value.status().message()));
  }
  return value;
}

}  // namespace

absl::Status CheckSerializable(Value value) {
  Diagnosis diagnosis;
  return diagnosis.Run(value);
}

absl::Status Encode(Value value, std::string* out, const EncodeOptions& options) {
  size_t start = out->size();
  if (options.form == Form::kText) {
    ETA_RETURN_IF_ERROR(CheckSerializable(value));
    vm::PrintValue(value, /*write=*/true, out);
    // Only a bare symbol can start with the marker byte (a UTF-8 lead
    // byte): a space keeps the message text.
    if (static_cast<uint8_t>((*out)[start]) == kBinaryMarker) {
      out->insert(out->begin() + start, ' ');
    }
    if (out->size() - start > options.max_bytes) {
      out->resize(start);
      return TooLarge(options.max_bytes);
    }
    return absl::OkStatus();
  }
  BinaryEncoder encoder(out, options.max_bytes);
  if (encoder.Run(value)) return absl::OkStatus();
  out->resize(start);
  ETA_RETURN_IF_ERROR(CheckSerializable(value));
  return TooLarge(options.max_bytes);
}

absl::StatusOr<std::string> EncodeToString(Value value,
                                           const EncodeOptions& options) {
  std::string out;
  ETA_RETURN_IF_ERROR(Encode(value, &out, options));
  return out;
}

absl::StatusOr<Value> Decode(std::string_view bytes, vm::Heap& heap,
                             vm::SymbolTable& symbols,
                             const DecodeOptions& options) {
  if (bytes.size() > options.max_bytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat("message of ", bytes.size(), " bytes exceeds the limit of ",
                     options.max_bytes, " bytes"));
  }
  if (bytes.empty()) {
    return absl::InvalidArgumentError("malformed message: empty");
  }
  if (static_cast<uint8_t>(bytes[0]) == kBinaryMarker) {
    BinaryDecoder decoder(bytes, heap, symbols);
    return decoder.Run();
  }
  return DecodeTextMessage(bytes, heap, symbols);
}

}  // namespace eta::wire
