#include "net/thread_copy.h"

#include <cstring>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "compiler/status_macros.h"
#include "net/socket.h"
#include "vm/allocate.h"
#include "vm/function.h"
#include "vm/hash_table.h"
#include "vm/module.pb.h"
#include "vm/object.h"
#include "vm/opcodes.h"
#include "vm/utf8.h"
#include "wire/wire.h"

namespace eta::net {
namespace {

using vm::Object;
using vm::ObjectType;
using vm::Value;
using vm::VM;

// The value encoding: wire's tags for data, and these for the rest.
enum Op : uint8_t {
  kRef = 20,        // u32: an object already copied (sharing, cycles)
  kClosure = 21,    // module name, u32 function index, u32 count, captures
  kBox = 22,        // value
  kPrimitive = 23,  // builtin name
  kUnspecified = 24,
  kUndefined = 25,
  kEof = 26,
  kShared = 27,      // u64: an object of the frozen base both VMs share
  kRecord = 28,      // its type (kShared, kRef or kRecordType), u32 n, fields
  kRecordType = 29,  // name, u32 n, field names (texts)
  kHashTable = 30,   // equivalence byte, u32 n, then key, value n times
  kPromise = 31,     // done byte, value
  kParameter = 32,   // value, converter
  kError = 33,       // location, u32 n, trace lines, kind, message, irritants, payload
  kValues = 34,      // u32 n, values
};

// Entries of the value stream.
enum Entry : uint8_t { kThunk = 1, kGlobal = 2 };

constexpr const char* kBuiltins = "%builtins";
constexpr const char* kPrelude = "%prelude";

uint8_t WireTag(wire::Tag t) { return static_cast<uint8_t>(t); }

class Writer {
 public:
  void Byte(uint8_t b) { out.push_back(static_cast<char>(b)); }
  void U32(uint32_t v) { out.append(reinterpret_cast<const char*>(&v), 4); }
  void U64(uint64_t v) { out.append(reinterpret_cast<const char*>(&v), 8); }
  void Text(std::string_view s) {
    U32(static_cast<uint32_t>(s.size()));
    out.append(s.data(), s.size());
  }
  std::string out;
};

class Snapshotter {
 public:
  explicit Snapshotter(VM& vm) : vm_(vm) {}

  absl::StatusOr<ThreadSnapshot> Run(Value thunk) {
    ThreadSnapshot snapshot;
    w_.Byte(kThunk);
    ETA_RETURN_IF_ERROR(EncodeValue(thunk, "the thunk"));
    // Globals found while encoding may refer to more globals.
    while (!pending_globals_.empty()) {
      vm::Global* g = pending_globals_.front();
      pending_globals_.pop_front();
      const std::string& name = g->name;
      w_.Byte(kGlobal);
      w_.Text(g->owner->name);
      w_.Text(name);
      ETA_RETURN_IF_ERROR(EncodeValue(g->value, absl::StrCat("global ", name)));
    }
    for (const auto& m : vm_.modules()) {
      if (m->code != nullptr && m->code->message != nullptr) snapshot.modules.push_back(m->code);
    }
    snapshot.base = vm_.base();
    snapshot.values = std::move(w_.out);
    return snapshot;
  }

 private:
  struct Item {
    Value value;
    uint32_t root;  // index into roots_: what the user would call it
  };

  absl::Status CannotCross(uint32_t root, Value v) {
    std::string kind = vm::ObjectTypeName(v.AsObject()->type());
    if (v.AsObject()->type() == ObjectType::kForeign) {
      kind = static_cast<vm::ForeignObject*>(v.AsObject())->KindName();
    }
    return absl::InvalidArgumentError(absl::StrCat(roots_[root], ": ", kind));
  }

  // NoteFunction finds the globals a function's code (and the code of the
  // functions it makes closures of) refers to.
  // It reads the shared code: linking a function only to read it could
  // fail for want of room for its constants.
  void NoteFunction(const vm::Function* f) {
    std::vector<std::pair<vm::LoadedModule*, uint32_t>> work = {{f->module, f->index}};
    while (!work.empty()) {
      auto [module, index] = work.back();
      work.pop_back();
      if (!functions_seen_.insert({module, index}).second) continue;
      absl::Span<const uint32_t> code = module->code->functions[index].code;
      for (size_t pc = 0; pc < code.size();) {
        uint32_t op = code[pc];
        if (op >= static_cast<uint32_t>(vm::kOpcodeCount)) break;
        size_t operands = static_cast<size_t>(vm::kOpcodeInfo[op].operands);
        if (pc + operands >= code.size()) break;
        uint32_t a = operands > 0 ? code[pc + 1] : 0;
        switch (static_cast<vm::Opcode>(op)) {
          case vm::Opcode::kGLOBAL_REF:
          case vm::Opcode::kGLOBAL_SET:
          case vm::Opcode::kGLOBAL_DEFINE:
            if (a < module->globals.size()) NoteGlobal(module->globals[a]);
            break;
          case vm::Opcode::kMAKE_CLOSURE:
            if (a < module->functions.size()) work.push_back({module, a});
            break;
          default:
            break;
        }
        pc += 1 + operands;
      }
    }
  }

  void NoteGlobal(vm::Global* g) {
    if (g->owner == nullptr) return;
    // Builtins and the prelude: the new VM has its own.
    if (g->owner->name == kBuiltins || g->owner->name == kPrelude) return;
    if (globals_seen_.insert(g).second) pending_globals_.push_back(g);
  }

  uint32_t Root(std::string name) {
    roots_.push_back(std::move(name));
    return static_cast<uint32_t>(roots_.size() - 1);
  }

  absl::Status EncodeValue(Value root_value, std::string root_name) {
    std::vector<Item> work = {{root_value, Root(std::move(root_name))}};
    while (!work.empty()) {
      Item item = work.back();
      work.pop_back();
      ETA_RETURN_IF_ERROR(EncodeOne(item, &work));
    }
    return absl::OkStatus();
  }

  absl::Status EncodeOne(const Item& item, std::vector<Item>* work) {
    Value v = item.value;
    switch (v.tag()) {
      case vm::Tag::kNil: w_.Byte(WireTag(wire::Tag::kNil)); return absl::OkStatus();
      case vm::Tag::kTrue: w_.Byte(WireTag(wire::Tag::kTrue)); return absl::OkStatus();
      case vm::Tag::kFalse: w_.Byte(WireTag(wire::Tag::kFalse)); return absl::OkStatus();
      case vm::Tag::kFixnum:
        w_.Byte(WireTag(wire::Tag::kInteger));
        w_.U64(static_cast<uint64_t>(v.AsFixnum()));
        return absl::OkStatus();
      case vm::Tag::kFlonum:
        w_.Byte(WireTag(wire::Tag::kFlonum));
        w_.U64(v.bits());
        return absl::OkStatus();
      case vm::Tag::kChar:
        w_.Byte(WireTag(wire::Tag::kChar));
        w_.U32(v.AsChar());
        return absl::OkStatus();
      case vm::Tag::kUnspecified: w_.Byte(kUnspecified); return absl::OkStatus();
      case vm::Tag::kUndefined: w_.Byte(kUndefined); return absl::OkStatus();
      case vm::Tag::kEof: w_.Byte(kEof); return absl::OkStatus();
      case vm::Tag::kObject: break;
      default:
        return absl::InvalidArgumentError(absl::StrCat(roots_[item.root], ": marker"));
    }
    Object* o = v.AsObject();
    if (o->type() == ObjectType::kSymbol) {
      w_.Byte(WireTag(wire::Tag::kSymbol));
      w_.Text(static_cast<vm::Symbol*>(o)->name);
      return absl::OkStatus();
    }
    if (o->shared()) {
      // The base's objects are read-only and every VM of the process has
      // them: a record type of the prelude stays eq? to itself.
      w_.Byte(kShared);
      w_.U64(reinterpret_cast<uintptr_t>(o));
      return absl::OkStatus();
    }
    if (Reference(o)) return absl::OkStatus();
    switch (o->type()) {
      case ObjectType::kPair: {
        auto* p = static_cast<vm::Pair*>(o);
        w_.Byte(WireTag(wire::Tag::kPair));
        work->push_back({p->cdr, item.root});
        work->push_back({p->car, item.root});
        return absl::OkStatus();
      }
      case ObjectType::kVector: {
        const auto& items = static_cast<vm::Vector*>(o)->items;
        w_.Byte(WireTag(wire::Tag::kVector));
        w_.U32(static_cast<uint32_t>(items.size()));
        for (size_t i = items.size(); i-- > 0;) work->push_back({items[i], item.root});
        return absl::OkStatus();
      }
      case ObjectType::kString:
        w_.Byte(WireTag(wire::Tag::kString));
        w_.Text(vm::EncodeUtf8(static_cast<vm::String*>(o)->chars));
        return absl::OkStatus();
      case ObjectType::kBytevector: {
        const auto& bytes = static_cast<vm::Bytevector*>(o)->bytes;
        w_.Byte(WireTag(wire::Tag::kBytevector));
        w_.Text(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
        return absl::OkStatus();
      }
      case ObjectType::kBox:
        w_.Byte(kBox);
        work->push_back({static_cast<vm::Box*>(o)->value, item.root});
        return absl::OkStatus();
      case ObjectType::kPrimitive:
        w_.Byte(kPrimitive);
        w_.Text(static_cast<vm::Primitive*>(o)->name);
        return absl::OkStatus();
      case ObjectType::kClosure: {
        auto* c = static_cast<vm::Closure*>(o);
        const vm::Function* f = c->function;
        const vm::LoadedModule* m = f->module;
        if (m == nullptr || ((m->code == nullptr || m->code->message == nullptr) &&
                             m->name != kPrelude)) {
          return absl::InvalidArgumentError(absl::StrCat(
              roots_[item.root], ": procedure ", f->name,
              " (defined at the REPL or by eval, not in a module)"));
        }
        uint32_t index = f->index;
        NoteFunction(f);
        w_.Byte(kClosure);
        w_.Text(m->name);
        w_.U32(index);
        w_.U32(c->count);
        for (uint32_t i = c->count; i-- > 0;) {
          std::string name = i < f->captures.size() && !f->captures[i].name.empty()
                                 ? f->captures[i].name
                                 : absl::StrCat(i);
          work->push_back({c->captured()[i], Root(absl::StrCat("upvalue ", name))});
        }
        return absl::OkStatus();
      }
      case ObjectType::kRecord: {
        auto* r = static_cast<vm::Record*>(o);
        w_.Byte(kRecord);
        if (r->type->shared()) {
          w_.Byte(kShared);
          w_.U64(reinterpret_cast<uintptr_t>(r->type));
        } else if (!Reference(r->type)) {
          ETA_RETURN_IF_ERROR(EncodeRecordType(r->type, item.root));
        }
        PushAll(r->fields, item.root, work);
        return absl::OkStatus();
      }
      case ObjectType::kRecordType:
        return EncodeRecordType(static_cast<vm::RecordType*>(o), item.root);
      case ObjectType::kHashTable: {
        auto* t = static_cast<vm::HashTable*>(o);
        w_.Byte(kHashTable);
        w_.Byte(static_cast<uint8_t>(t->equivalence));
        std::vector<Value> entries;
        entries.reserve(2 * t->entries.size());
        for (const auto& [key, value] : t->entries) {
          entries.push_back(key);
          entries.push_back(value);
        }
        PushAll(entries, item.root, work);
        return absl::OkStatus();
      }
      case ObjectType::kPromise: {
        auto* p = static_cast<vm::Promise*>(o);
        w_.Byte(kPromise);
        w_.Byte(p->done ? 1 : 0);
        work->push_back({p->value, item.root});
        return absl::OkStatus();
      }
      case ObjectType::kParameter: {
        auto* p = static_cast<vm::Parameter*>(o);
        w_.Byte(kParameter);
        work->push_back({p->converter, item.root});
        work->push_back({p->value, item.root});
        return absl::OkStatus();
      }
      case ObjectType::kError: {
        auto* e = static_cast<vm::ErrorObject*>(o);
        w_.Byte(kError);
        w_.Text(e->location);
        w_.U32(static_cast<uint32_t>(e->trace.size()));
        for (const std::string& line : e->trace) w_.Text(line);
        PushAll({e->kind, e->message, e->irritants, e->payload}, item.root, work);
        return absl::OkStatus();
      }
      case ObjectType::kValues: {
        w_.Byte(kValues);
        PushAll(static_cast<vm::MultipleValues*>(o)->values, item.root, work);
        return absl::OkStatus();
      }
      default:  // continuations, ports, sockets
        return CannotCross(item.root, v);
    }
  }

  // Reference writes a reference to `o` if it was copied already, and
  // otherwise numbers it (the restorer numbers objects in the same order).
  bool Reference(Object* o) {
    auto [it, inserted] = index_.try_emplace(o, static_cast<uint32_t>(index_.size()));
    if (inserted) return false;
    w_.Byte(kRef);
    w_.U32(it->second);
    return true;
  }

  // PushAll writes a count and queues `values` to be written in order.
  void PushAll(const std::vector<Value>& values, uint32_t root, std::vector<Item>* work) {
    w_.U32(static_cast<uint32_t>(values.size()));
    for (size_t i = values.size(); i-- > 0;) work->push_back({values[i], root});
  }

  // EncodeRecordType writes a record type (numbered already) whole: its
  // name and field names are symbols.
  absl::Status EncodeRecordType(vm::RecordType* t, uint32_t root) {
    w_.Byte(kRecordType);
    if (!vm::IsType(t->name, ObjectType::kSymbol)) {
      return absl::InvalidArgumentError(absl::StrCat(roots_[root], ": record type"));
    }
    w_.Text(vm::As<vm::Symbol>(t->name)->name);
    w_.U32(static_cast<uint32_t>(t->field_names.size()));
    for (Value f : t->field_names) {
      if (!vm::IsType(f, ObjectType::kSymbol)) {
        return absl::InvalidArgumentError(absl::StrCat(roots_[root], ": record type"));
      }
      w_.Text(vm::As<vm::Symbol>(f)->name);
    }
    return absl::OkStatus();
  }

  VM& vm_;
  Writer w_;
  absl::flat_hash_map<Object*, uint32_t> index_;
  absl::flat_hash_set<std::pair<vm::LoadedModule*, uint32_t>> functions_seen_;
  absl::flat_hash_set<vm::Global*> globals_seen_;
  std::deque<vm::Global*> pending_globals_;
  std::vector<std::string> roots_;
};

// Restorer decodes the value stream into a VM, top-down: each container is
// linked into place before its contents, so everything is reachable from a
// root whenever an allocation collects.
class Restorer {
 public:
  Restorer(VM& vm, const ThreadSnapshot& snapshot)
      : vm_(vm),
        bytes_(snapshot.values),
        same_base_(snapshot.base != nullptr && snapshot.base == vm.base()),
        thunk_(vm.heap(), Value::Nil()),
        tables_(vm.heap(), Value::Nil()) {}

  absl::StatusOr<Value> Run() {
    while (pos_ < bytes_.size()) {
      uint8_t entry = Byte();
      if (entry == kThunk) {
        ETA_RETURN_IF_ERROR(Decode([&](Value v) { thunk_ = v; }));
      } else if (entry == kGlobal) {
        std::string module = Text();
        std::string name = Text();
        vm::Global* g = vm_.FindGlobal(module, name);
        if (g == nullptr) {
          return absl::InternalError(absl::StrCat("spawn-thread: no global ", name,
                                                  " in module ", module));
        }
        ETA_RETURN_IF_ERROR(Decode([g](Value v) { g->value = v; }));
      } else {
        return absl::InternalError("spawn-thread: corrupt snapshot");
      }
      if (failed_) return absl::InternalError("spawn-thread: corrupt snapshot");
    }
    FillTables();
    return thunk_.get();
  }

 private:
  uint8_t Byte() {
    if (pos_ >= bytes_.size()) return Fail();
    return static_cast<uint8_t>(bytes_[pos_++]);
  }
  uint8_t Fail() {
    failed_ = true;
    pos_ = bytes_.size();
    return 0;
  }
  uint32_t U32() {
    uint32_t v = 0;
    if (bytes_.size() - pos_ < 4) return Fail();
    std::memcpy(&v, bytes_.data() + pos_, 4);
    pos_ += 4;
    return v;
  }
  uint64_t U64() {
    uint64_t v = 0;
    if (bytes_.size() - pos_ < 8) return Fail();
    std::memcpy(&v, bytes_.data() + pos_, 8);
    pos_ += 8;
    return v;
  }
  std::string Text() {
    uint32_t n = U32();
    if (bytes_.size() - pos_ < n) return std::string(1, static_cast<char>(Fail()));
    std::string s(bytes_.substr(pos_, n));
    pos_ += n;
    return s;
  }

  static absl::Status Corrupt() { return absl::InternalError("spawn-thread: corrupt snapshot"); }

  // Shared reads an object of the base (see kShared).
  absl::StatusOr<Object*> Shared() {
    uint64_t bits = U64();
    if (!same_base_ || bits == 0) return Corrupt();
    return reinterpret_cast<Object*>(static_cast<uintptr_t>(bits));
  }

  // Count reads the count of values that follow, each at least a byte.
  absl::StatusOr<uint32_t> Count() {
    uint32_t n = U32();
    if (n > bytes_.size() - pos_) return Corrupt();
    return n;
  }

  // RecordType reads a record type written whole and numbers it.
  absl::StatusOr<vm::RecordType*> NewRecordType() {
    Value name = vm_.Intern(Text());
    if (name.IsRaise()) return OutOfMemory();
    vm::Rooted keep_name(vm_.heap(), name);
    ETA_ASSIGN_OR_RETURN(uint32_t n, Count());
    vm::RecordType* t = vm_.heap().New<vm::RecordType>(name, std::vector<Value>());
    if (t == nullptr) return OutOfMemory();
    vm::Rooted keep_type(vm_.heap(), Value::FromObject(t));
    for (uint32_t i = 0; i < n && !failed_; ++i) {
      Value field = vm_.Intern(Text());
      if (field.IsRaise()) return OutOfMemory();
      t->field_names.push_back(field);
    }
    if (failed_) return Corrupt();
    Keep(Value::FromObject(t));
    return t;
  }

  // Slots queues `n` places in `items` for the values that follow.
  static void Slots(std::vector<Value>& items, std::vector<Value*>& slots) {
    for (size_t i = items.size(); i-- > 0;) slots.push_back(&items[i]);
  }

  // A hash table's keys and values are read into a vector first and put in
  // the table at the end, when every key is whole (its hash depends on it).
  absl::Status PendTable(Value table, uint32_t n, std::vector<Value*>& slots) {
    Value entries = vm::NewVector(vm_.heap(), std::vector<Value>(2 * size_t{n}, Value::Nil()));
    if (entries.IsRaise()) return OutOfMemory();
    vm::Rooted keep(vm_.heap(), entries);
    Value pair = vm::NewPair(vm_.heap(), table, entries);
    if (pair.IsRaise()) return OutOfMemory();
    vm::Rooted keep_pair(vm_.heap(), pair);
    Value list = vm::NewPair(vm_.heap(), pair, tables_.get());
    if (list.IsRaise()) return OutOfMemory();
    tables_ = list;
    Slots(vm::As<vm::Vector>(entries)->items, slots);
    return absl::OkStatus();
  }

  void FillTables() {
    for (Value l = tables_.get(); !l.IsNil(); l = vm::As<vm::Pair>(l)->cdr) {
      auto* entry = vm::As<vm::Pair>(vm::As<vm::Pair>(l)->car);
      auto* table = vm::As<vm::HashTable>(entry->car);
      const auto& items = vm::As<vm::Vector>(entry->cdr)->items;
      for (size_t i = 0; i + 1 < items.size(); i += 2) {
        table->entries.insert_or_assign(items[i], items[i + 1]);
      }
    }
    tables_ = Value::Nil();
  }

  static absl::Status OutOfMemory() {
    return absl::ResourceExhaustedError("out of memory copying the thunk");
  }

  // Decode reads one value; `set_root` stores it where the entry goes. The
  // root is stored first (before its contents), then slots are filled.
  template <typename SetRoot>
  absl::Status Decode(SetRoot set_root) {
    std::vector<Value*> slots;  // where the next values go, last first
    bool root_done = false;
    while (!root_done || !slots.empty()) {
      if (failed_) return absl::InternalError("spawn-thread: corrupt snapshot");
      Value* slot = nullptr;
      if (root_done) {
        slot = slots.back();
        slots.pop_back();
      }
      auto store = [&](Value v) {
        if (slot) {
          *slot = v;
        } else {
          set_root(v);
          root_done = true;
        }
      };
      uint8_t op = Byte();
      switch (op) {
        case static_cast<uint8_t>(wire::Tag::kNil): store(Value::Nil()); break;
        case static_cast<uint8_t>(wire::Tag::kTrue): store(Value::True()); break;
        case static_cast<uint8_t>(wire::Tag::kFalse): store(Value::False()); break;
        case static_cast<uint8_t>(wire::Tag::kInteger):
          store(Value::Fixnum(static_cast<int64_t>(U64())));
          break;
        case static_cast<uint8_t>(wire::Tag::kFlonum): {
          uint64_t bits = U64();
          double d;
          std::memcpy(&d, &bits, 8);
          store(Value::Flonum(d));
          break;
        }
        case static_cast<uint8_t>(wire::Tag::kChar): store(Value::Char(U32())); break;
        case kUnspecified: store(Value::Unspecified()); break;
        case kUndefined: store(Value::Undefined()); break;
        case kEof: store(Value::Eof()); break;
        case static_cast<uint8_t>(wire::Tag::kSymbol): {
          Value s = vm_.Intern(Text());
          if (s.IsRaise()) return OutOfMemory();
          store(s);
          break;
        }
        case kRef: {
          uint32_t i = U32();
          if (i >= objects_.size()) return absl::InternalError("spawn-thread: corrupt snapshot");
          store(objects_[i]);
          break;
        }
        case kPrimitive: {
          std::string name = Text();
          vm::Global* g = vm_.FindGlobal(kBuiltins, name);
          if (g == nullptr) return absl::InternalError(absl::StrCat("no builtin ", name));
          Keep(g->value);
          store(g->value);
          break;
        }
        case static_cast<uint8_t>(wire::Tag::kString): {
          std::u32string chars;
          vm::DecodeUtf8(Text(), &chars);
          Value s = vm::NewString(vm_.heap(), std::move(chars));
          if (s.IsRaise()) return OutOfMemory();
          Keep(s);
          store(s);
          break;
        }
        case static_cast<uint8_t>(wire::Tag::kBytevector): {
          std::string text = Text();
          Value b = vm::NewBytevector(vm_.heap(), std::vector<uint8_t>(text.begin(), text.end()));
          if (b.IsRaise()) return OutOfMemory();
          Keep(b);
          store(b);
          break;
        }
        case static_cast<uint8_t>(wire::Tag::kPair): {
          Value p = vm::NewPair(vm_.heap(), Value::Nil(), Value::Nil());
          if (p.IsRaise()) return OutOfMemory();
          Keep(p);
          store(p);
          slots.push_back(&vm::As<vm::Pair>(p)->cdr);
          slots.push_back(&vm::As<vm::Pair>(p)->car);
          break;
        }
        case static_cast<uint8_t>(wire::Tag::kVector): {
          uint32_t n = U32();
          if (n > bytes_.size()) return absl::InternalError("spawn-thread: corrupt snapshot");
          Value v = vm::NewVector(vm_.heap(), std::vector<Value>(n, Value::Nil()));
          if (v.IsRaise()) return OutOfMemory();
          Keep(v);
          store(v);
          auto& items = vm::As<vm::Vector>(v)->items;
          for (size_t i = n; i-- > 0;) slots.push_back(&items[i]);
          break;
        }
        case kBox: {
          vm::Box* b = vm_.heap().New<vm::Box>(Value::Unspecified());
          if (b == nullptr) return OutOfMemory();
          Value v = Value::FromObject(b);
          Keep(v);
          store(v);
          slots.push_back(&b->value);
          break;
        }
        case kClosure: {
          std::string module_name = Text();
          uint32_t index = U32();
          uint32_t count = U32();
          vm::LoadedModule* m = vm_.FindModule(module_name);
          if (m == nullptr || index >= m->functions.size() ||
              m->code->functions[index].captures.size() != count) {
            return absl::InternalError(absl::StrCat(
                "spawn-thread: function ", index, " of ", module_name, " does not match"));
          }
          vm::Function* f = m->function(index);
          vm::Closure* c = f != nullptr ? vm_.heap().NewClosure(f, count) : nullptr;
          if (c == nullptr) return OutOfMemory();
          Value v = Value::FromObject(c);
          Keep(v);
          store(v);
          for (uint32_t i = count; i-- > 0;) slots.push_back(&c->captured()[i]);
          break;
        }
        case kShared: {
          ETA_ASSIGN_OR_RETURN(Object * o, Shared());
          store(Value::FromObject(o));
          break;
        }
        case kRecordType: {
          ETA_ASSIGN_OR_RETURN(vm::RecordType * t, NewRecordType());
          store(Value::FromObject(t));
          break;
        }
        case kRecord: {
          // Numbered before its type, as the snapshotter numbered them.
          size_t number = objects_.size();
          Keep(Value::Nil());
          vm::RecordType* type = nullptr;
          uint8_t type_op = Byte();
          if (type_op == kShared) {
            ETA_ASSIGN_OR_RETURN(Object * o, Shared());
            type = static_cast<vm::RecordType*>(o);
          } else if (type_op == kRef) {
            uint32_t i = U32();
            if (i >= objects_.size() || !objects_[i].IsObject()) return Corrupt();
            type = static_cast<vm::RecordType*>(objects_[i].AsObject());
          } else if (type_op == kRecordType) {
            ETA_ASSIGN_OR_RETURN(type, NewRecordType());
          }
          if (type == nullptr || type->type() != ObjectType::kRecordType) return Corrupt();
          vm::Rooted keep_type(vm_.heap(), Value::FromObject(type));
          ETA_ASSIGN_OR_RETURN(uint32_t n, Count());
          if (n != type->field_names.size()) return Corrupt();
          vm::Record* r =
              vm_.heap().New<vm::Record>(type, std::vector<Value>(n, Value::Unspecified()));
          if (r == nullptr) return OutOfMemory();
          objects_[number] = Value::FromObject(r);
          store(objects_[number]);
          Slots(r->fields, slots);
          break;
        }
        case kHashTable: {
          uint8_t equivalence = Byte();
          if (equivalence > static_cast<uint8_t>(vm::HashEquivalence::kString)) return Corrupt();
          ETA_ASSIGN_OR_RETURN(uint32_t n, Count());
          if (n % 2 != 0) return Corrupt();
          auto* t = vm_.heap().New<vm::HashTable>(static_cast<vm::HashEquivalence>(equivalence));
          if (t == nullptr) return OutOfMemory();
          Value v = Value::FromObject(t);
          Keep(v);
          store(v);
          ETA_RETURN_IF_ERROR(PendTable(v, n / 2, slots));
          break;
        }
        case kPromise: {
          bool done = Byte() != 0;
          auto* p = vm_.heap().New<vm::Promise>(done, Value::Unspecified());
          if (p == nullptr) return OutOfMemory();
          Keep(Value::FromObject(p));
          store(Value::FromObject(p));
          slots.push_back(&p->value);
          break;
        }
        case kParameter: {
          auto* p = vm_.heap().New<vm::Parameter>(Value::Unspecified(), Value::Unspecified());
          if (p == nullptr) return OutOfMemory();
          Keep(Value::FromObject(p));
          store(Value::FromObject(p));
          slots.push_back(&p->converter);
          slots.push_back(&p->value);
          break;
        }
        case kError: {
          auto* e = vm_.heap().New<vm::ErrorObject>();
          if (e == nullptr) return OutOfMemory();
          e->kind = e->message = e->irritants = e->payload = Value::Undefined();
          Keep(Value::FromObject(e));
          store(Value::FromObject(e));
          e->location = Text();
          ETA_ASSIGN_OR_RETURN(uint32_t lines, Count());
          for (uint32_t i = 0; i < lines && !failed_; ++i) e->trace.push_back(Text());
          ETA_ASSIGN_OR_RETURN(uint32_t n, Count());
          if (n != 4) return Corrupt();
          slots.push_back(&e->payload);
          slots.push_back(&e->irritants);
          slots.push_back(&e->message);
          slots.push_back(&e->kind);
          break;
        }
        case kValues: {
          ETA_ASSIGN_OR_RETURN(uint32_t n, Count());
          auto* m = vm_.heap().New<vm::MultipleValues>(std::vector<Value>(n, Value::Unspecified()));
          if (m == nullptr) return OutOfMemory();
          Keep(Value::FromObject(m));
          store(Value::FromObject(m));
          Slots(m->values, slots);
          break;
        }
        default:
          return absl::InternalError(absl::StrCat("spawn-thread: corrupt snapshot (op ", op, ")"));
      }
    }
    return absl::OkStatus();
  }

  // Keep records an object for later references (in copy order).
  void Keep(Value v) { objects_.push_back(v); }

  VM& vm_;
  std::string_view bytes_;
  bool same_base_;  // the snapshot's VM and this one share a base
  size_t pos_ = 0;
  bool failed_ = false;
  vm::Rooted thunk_;
  vm::Rooted tables_;  // list of (table . vector of keys and values)
  std::vector<Value> objects_;  // each reachable from a root once stored
};

}  // namespace

absl::StatusOr<ThreadSnapshot> SnapshotThunk(VM& vm, Value thunk) {
  if (!vm::IsProcedure(thunk)) {
    return absl::InvalidArgumentError("the thunk is not a procedure");
  }
  Snapshotter snapshotter(vm);
  return snapshotter.Run(thunk);
}

absl::StatusOr<Value> RestoreThunk(VM& vm, const ThreadSnapshot& snapshot) {
  for (const auto& m : snapshot.modules) {
    if (vm.IsModuleLoaded(m->message->name())) continue;
    // The parent verified these very messages when it loaded them.
    ETA_RETURN_IF_ERROR(vm.LoadModuleCode(m));
  }
  Restorer restorer(vm, snapshot);
  return restorer.Run();
}

}  // namespace eta::net
