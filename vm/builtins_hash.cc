// Hash tables (SPEC [B], SRFI-69). The procedures that take procedures
// (hash-table-ref with a thunk, hash-table-update!, hash-table-walk,
// hash-table-fold) are Eta code in stdlib/prelude/hash.eta over these.
#include <optional>
#include <string_view>

#include "vm/builtins.h"
#include "vm/builtins_internal.h"
#include "vm/equal.h"
#include "vm/hash_table.h"

namespace eta::vm {
namespace {

constexpr const char* kUnsupportedEquivalence =
    "make-hash-table: only eq?, eqv?, equal? and string=? are supported";

// Hash values are non-negative fixnums below this bound unless a smaller
// bound is given.
constexpr int64_t kDefaultHashBound = int64_t{1} << 61;

// Table returns the hash table at `position` (1-based), or nullptr after
// raising a type-error naming `who`.
HashTable* Table(VM& vm, std::string_view who, Arguments args, int position) {
  Value v = args[position - 1];
  if (!IsHashTable(v)) {
    vm.RaiseTypeError(who, position, "a hash table", v);
    return nullptr;
  }
  return As<HashTable>(v);
}

// CheckKey raises a type-error when a string=? table is given a key that is
// not a string.
bool CheckKey(VM& vm, std::string_view who, const HashTable* table, Value key,
              int position) {
  if (table->equivalence == HashEquivalence::kString && !IsString(key)) {
    vm.RaiseTypeError(who, position, "a string (the table uses string=?)", key);
    return false;
  }
  return true;
}

// Insert stores key -> value, telling the heap when the table grows.
void Insert(VM& vm, HashTable* table, Value key, Value value,
            bool keep_existing) {
  size_t before = table->entries.capacity();
  if (keep_existing) {
    table->entries.try_emplace(key, value);
  } else {
    table->entries.insert_or_assign(key, value);
  }
  size_t after = table->entries.capacity();
  if (after > before) {
    vm.heap().ReportExtraBytes((after - before) * (2 * sizeof(Value) + 1));
  }
}

// EquivalenceOf maps the equivalence argument (the procedure eq?, eqv?,
// equal? or string=?, or the symbols eq, eqv, equal, string) to its kind;
// std::nullopt after raising.
std::optional<HashEquivalence> EquivalenceOf(VM& vm, const char* who,
                                             Value v, int position) {
  std::string_view name;
  if (IsType(v, ObjectType::kPrimitive)) {
    name = As<Primitive>(v)->name;
  } else if (IsSymbol(v)) {
    name = As<Symbol>(v)->name;
  } else if (!IsProcedure(v)) {
    vm.RaiseTypeError(who, position, "an equivalence procedure", v);
    return std::nullopt;
  }
  if (name == "eq?" || name == "eq") return HashEquivalence::kEq;
  if (name == "eqv?" || name == "eqv") return HashEquivalence::kEqv;
  if (name == "equal?" || name == "equal") return HashEquivalence::kEqual;
  if (name == "string=?" || name == "string") return HashEquivalence::kString;
  vm.RaiseError("type-error", kUnsupportedEquivalence);
  return std::nullopt;
}

// NewTable reads the optional [equiv [hash]] arguments starting at
// `position` and allocates an empty table; the raise marker after raising.
Value NewTable(VM& vm, const char* who, Arguments args, int position) {
  HashEquivalence equivalence = HashEquivalence::kEqual;
  if (args.count >= position) {
    auto e = EquivalenceOf(vm, who, args[position - 1], position);
    if (!e) return Value::RaiseMarker();
    equivalence = *e;
  }
  // The hash procedure is checked but not called: the table hashes keys
  // consistently with its equivalence itself.
  if (args.count >= position + 1 && !IsProcedure(args[position])) {
    return vm.RaiseTypeError(who, position + 1, "a hash procedure",
                             args[position]);
  }
  HashTable* table = vm.heap().New<HashTable>(equivalence);
  if (table == nullptr) return vm.RaiseOutOfMemory();
  return Value::FromObject(table);
}

Value MakeHashTable(VM& vm, Arguments args) {
  return NewTable(vm, "make-hash-table", args, 1);
}

Value HashTableP(VM& vm, Arguments args) {
  return Value::Bool(IsHashTable(args[0]));
}

// (%hash-table-lookup who table key missing): the value of `key`, or
// `missing` when absent; type errors name `who`.
Value HashTableLookup(VM& vm, Arguments args) {
  if (!IsSymbol(args[0])) {
    return vm.RaiseTypeError("%hash-table-lookup", 1, "a symbol", args[0]);
  }
  std::string_view who = As<Symbol>(args[0])->name;
  Value v = args[1];
  if (!IsHashTable(v)) return vm.RaiseTypeError(who, 1, "a hash table", v);
  HashTable* table = As<HashTable>(v);
  if (!CheckKey(vm, who, table, args[2], 2)) return Value::RaiseMarker();
  auto it = table->entries.find(args[2]);
  return it == table->entries.end() ? args[3] : it->second;
}

// (%hash-table-key-not-found who key) raises the range-error of a missing
// key without a default.
Value HashTableKeyNotFound(VM& vm, Arguments args) {
  std::string who = IsSymbol(args[0]) ? As<Symbol>(args[0])->name
                                      : std::string("hash-table-ref");
  Value irritants = vm.Cons(args[1], Value::Nil());
  if (irritants.IsRaise()) return irritants;
  return vm.RaiseError("range-error", who + ": key not found", irritants);
}

Value HashTableRefDefault(VM& vm, Arguments args) {
  const char* who = "hash-table-ref/default";
  HashTable* table = Table(vm, who, args, 1);
  if (table == nullptr || !CheckKey(vm, who, table, args[1], 2)) {
    return Value::RaiseMarker();
  }
  auto it = table->entries.find(args[1]);
  return it == table->entries.end() ? args[2] : it->second;
}

Value HashTableSet(VM& vm, Arguments args) {
  const char* who = "hash-table-set!";
  HashTable* table = Table(vm, who, args, 1);
  if (table == nullptr || !CheckKey(vm, who, table, args[1], 2)) {
    return Value::RaiseMarker();
  }
  Insert(vm, table, args[1], args[2], /*keep_existing=*/false);
  return Value::Unspecified();
}

Value HashTableDelete(VM& vm, Arguments args) {
  const char* who = "hash-table-delete!";
  HashTable* table = Table(vm, who, args, 1);
  if (table == nullptr || !CheckKey(vm, who, table, args[1], 2)) {
    return Value::RaiseMarker();
  }
  table->entries.erase(args[1]);
  return Value::Unspecified();
}

template <const char* kName>
Value HashTableContains(VM& vm, Arguments args) {
  HashTable* table = Table(vm, kName, args, 1);
  if (table == nullptr || !CheckKey(vm, kName, table, args[1], 2)) {
    return Value::RaiseMarker();
  }
  return Value::Bool(table->entries.contains(args[1]));
}
constexpr char kContainsName[] = "hash-table-contains?";
constexpr char kExistsName[] = "hash-table-exists?";

template <const char* kName>
Value HashTableCount(VM& vm, Arguments args) {
  HashTable* table = Table(vm, kName, args, 1);
  if (table == nullptr) return Value::RaiseMarker();
  return Value::Fixnum(static_cast<int64_t>(table->entries.size()));
}
constexpr char kCountName[] = "hash-table-count";
constexpr char kSizeName[] = "hash-table-size";

enum class Part { kKeys, kValues, kEntries };

// Listing returns the keys, the values or the (key . value) pairs of the
// table, in its (unspecified) iteration order.
template <Part kPart>
Value Listing(VM& vm, Arguments args) {
  static constexpr const char* kNames[] = {
      "hash-table-keys", "hash-table-values", "hash-table->alist"};
  HashTable* table = Table(vm, kNames[static_cast<int>(kPart)], args, 1);
  if (table == nullptr) return Value::RaiseMarker();
  // Keys and values stay reachable from the table (rooted as an argument);
  // the list and each new pair are rooted while the next allocates. The
  // table does not change while it is walked.
  Rooted list(vm.heap(), Value::Nil());
  Rooted item(vm.heap(), Value::Nil());
  for (const auto& [key, value] : table->entries) {
    switch (kPart) {
      case Part::kKeys: item = key; break;
      case Part::kValues: item = value; break;
      case Part::kEntries:
        item = vm.Cons(key, value);
        if (item.get().IsRaise()) return item;
        break;
    }
    list = vm.Cons(item, list);
    if (list.get().IsRaise()) return list;
  }
  return list;
}

Value HashTableCopy(VM& vm, Arguments args) {
  HashTable* table = Table(vm, "hash-table-copy", args, 1);
  if (table == nullptr) return Value::RaiseMarker();
  HashTable* copy = vm.heap().New<HashTable>(*table);
  if (copy == nullptr) return vm.RaiseOutOfMemory();
  vm.heap().ReportExtraBytes(copy->entries.capacity() *
                             (2 * sizeof(Value) + 1));
  return Value::FromObject(copy);
}

Value HashTableClear(VM& vm, Arguments args) {
  HashTable* table = Table(vm, "hash-table-clear!", args, 1);
  if (table == nullptr) return Value::RaiseMarker();
  table->entries.clear();
  return Value::Unspecified();
}

// (alist->hash-table alist [equiv [hash]]): the first association of a key
// wins (SRFI-69).
Value AlistToHashTable(VM& vm, Arguments args) {
  const char* who = "alist->hash-table";
  Value alist = args[0];
  if (internal::ProperListLength(alist) < 0) {
    return vm.RaiseTypeError(who, 1, "an association list", alist);
  }
  for (Value p = alist; IsPair(p); p = Cdr(p)) {
    if (!IsPair(Car(p))) {
      return vm.RaiseTypeError(who, 1, "an association list", alist);
    }
  }
  Value result = NewTable(vm, who, args, 2);
  if (result.IsRaise()) return result;
  HashTable* table = As<HashTable>(result);
  for (Value p = args[0]; IsPair(p); p = Cdr(p)) {
    Value key = Car(Car(p));
    if (!CheckKey(vm, who, table, key, 1)) return Value::RaiseMarker();
    Insert(vm, table, key, Cdr(Car(p)), /*keep_existing=*/true);
  }
  return result;
}

// ---- SRFI-69 hash functions: (hash obj [bound]) and friends ----

template <const char* kName>
Value HashFunction(VM& vm, Arguments args) {
  int64_t bound = kDefaultHashBound;
  if (args.count > 1) {
    if (!args[1].IsFixnum() || args[1].AsFixnum() <= 0) {
      return vm.RaiseTypeError(kName, 2, "a positive exact integer", args[1]);
    }
    bound = args[1].AsFixnum();
  }
  std::string_view name = kName;
  size_t h;
  if (name == "hash-by-identity") {
    h = EqvHash(args[0]);
  } else {
    if (name == "string-hash" && !IsString(args[0])) {
      return vm.RaiseTypeError(kName, 1, "a string", args[0]);
    }
    h = EqualHash(args[0]);
  }
  return Value::Fixnum(static_cast<int64_t>(h % static_cast<uint64_t>(bound)));
}
constexpr char kHashName[] = "hash";
constexpr char kStringHashName[] = "string-hash";
constexpr char kIdentityHashName[] = "hash-by-identity";

const PrimitiveSpec kHashPrimitives[] = {
    {"make-hash-table", 0, 2, MakeHashTable},
    {"hash-table?", 1, 1, HashTableP},
    {"%hash-table-lookup", 4, 4, HashTableLookup},
    {"%hash-table-key-not-found", 2, 2, HashTableKeyNotFound},
    {"hash-table-ref/default", 3, 3, HashTableRefDefault},
    {"hash-table-set!", 3, 3, HashTableSet},
    {"hash-table-delete!", 2, 2, HashTableDelete},
    {"hash-table-contains?", 2, 2, HashTableContains<kContainsName>},
    {"hash-table-exists?", 2, 2, HashTableContains<kExistsName>},
    {"hash-table-count", 1, 1, HashTableCount<kCountName>},
    {"hash-table-size", 1, 1, HashTableCount<kSizeName>},
    {"hash-table-keys", 1, 1, Listing<Part::kKeys>},
    {"hash-table-values", 1, 1, Listing<Part::kValues>},
    {"hash-table->alist", 1, 1, Listing<Part::kEntries>},
    {"hash-table-copy", 1, 2, HashTableCopy},
    {"hash-table-clear!", 1, 1, HashTableClear},
    {"alist->hash-table", 1, 3, AlistToHashTable},
    {"hash", 1, 2, HashFunction<kHashName>},
    {"string-hash", 1, 2, HashFunction<kStringHashName>},
    {"hash-by-identity", 1, 2, HashFunction<kIdentityHashName>},
};

}  // namespace

absl::Span<const PrimitiveSpec> HashPrimitives() { return kHashPrimitives; }

}  // namespace eta::vm
