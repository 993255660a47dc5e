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
      std::string name = vm::As<vm::Symbol>(g->name)->name;
      w_.Byte(kGlobal);
      w_.Text(g->owner->name);
      w_.Text(name);
      ETA_RETURN_IF_ERROR(EncodeValue(g->value, absl::StrCat("global ", name)));
    }
    for (const auto& m : vm_.modules()) {
      if (m->message != nullptr) snapshot.modules.push_back(m->message);
    }
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
  void NoteFunction(const vm::Function* f) {
    std::vector<const vm::Function*> work = {f};
    while (!work.empty()) {
      const vm::Function* fn = work.back();
      work.pop_back();
      if (!functions_seen_.insert(fn).second) continue;
      const vm::LoadedModule* module = fn->module;
      const std::vector<uint32_t>& code = fn->code;
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
            if (a < module->functions.size()) work.push_back(module->functions[a].get());
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
    auto [it, inserted] = index_.try_emplace(o, static_cast<uint32_t>(index_.size()));
    if (!inserted) {
      w_.Byte(kRef);
      w_.U32(it->second);
      return absl::OkStatus();
    }
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
        if (m == nullptr || (m->message == nullptr && m->name != kPrelude)) {
          return absl::InvalidArgumentError(absl::StrCat(
              roots_[item.root], ": procedure ", f->name,
              " (defined at the REPL or by eval, not in a module)"));
        }
        uint32_t index = 0;
        while (index < m->functions.size() && m->functions[index].get() != f) ++index;
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
      default:
        return CannotCross(item.root, v);
    }
  }

  VM& vm_;
  Writer w_;
  absl::flat_hash_map<Object*, uint32_t> index_;
  absl::flat_hash_set<const vm::Function*> functions_seen_;
  absl::flat_hash_set<vm::Global*> globals_seen_;
  std::deque<vm::Global*> pending_globals_;
  std::vector<std::string> roots_;
};

// Restorer decodes the value stream into a VM, top-down: each container is
// linked into place before its contents, so everything is reachable from a
// root whenever an allocation collects.
class Restorer {
 public:
  Restorer(VM& vm, std::string_view bytes)
      : vm_(vm), bytes_(bytes), thunk_(vm.heap(), Value::Nil()) {}

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
              m->functions[index]->captures.size() != count) {
            return absl::InternalError(absl::StrCat(
                "spawn-thread: function ", index, " of ", module_name, " does not match"));
          }
          vm::Closure* c = vm_.heap().NewClosure(m->functions[index].get(), count);
          if (c == nullptr) return OutOfMemory();
          Value v = Value::FromObject(c);
          Keep(v);
          store(v);
          for (uint32_t i = count; i-- > 0;) slots.push_back(&c->captured()[i]);
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
  size_t pos_ = 0;
  bool failed_ = false;
  vm::Rooted thunk_;
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
    if (vm.IsModuleLoaded(m->name())) continue;
    // The parent verified these very messages when it loaded them.
    ETA_RETURN_IF_ERROR(vm.LoadModuleMessage(m, VM::Verify::kAlreadyVerified));
  }
  Restorer restorer(vm, snapshot.values);
  return restorer.Run();
}

}  // namespace eta::net
