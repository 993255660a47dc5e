// HashTable: the mutable hash tables of SPEC [B] (SRFI-69), keyed by one of
// eq?, eqv?, equal? (the default) or string=?.
#ifndef ETA_VM_HASH_TABLE_H_
#define ETA_VM_HASH_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "vm/equal.h"
#include "vm/object.h"
#include "vm/value.h"

namespace eta::vm {

// HashEquivalence says how a table compares its keys.
enum class HashEquivalence : uint8_t {
  kEq,      // eq?
  kEqv,     // eqv?
  kEqual,   // equal?
  kString,  // string=? (keys are strings)
};

// HashKeyHash hashes a key consistently with the table's equivalence.
struct HashKeyHash {
  HashEquivalence equivalence = HashEquivalence::kEqual;
  size_t operator()(Value v) const {
    switch (equivalence) {
      case HashEquivalence::kEq:
      case HashEquivalence::kEqv:
        return EqvHash(v);
      case HashEquivalence::kEqual:
      case HashEquivalence::kString:
        return EqualHash(v);
    }
    return 0;
  }
};

// HashKeyEqual compares two keys with the table's equivalence. A string=?
// table holds only string keys, so equal? is string=? there.
struct HashKeyEqual {
  HashEquivalence equivalence = HashEquivalence::kEqual;
  bool operator()(Value a, Value b) const {
    switch (equivalence) {
      case HashEquivalence::kEq:
      case HashEquivalence::kEqv:
        return Eqv(a, b);
      case HashEquivalence::kEqual:
      case HashEquivalence::kString:
        return Equal(a, b);
    }
    return false;
  }
};

// HashTable maps keys to values. Iteration order is unspecified. A key
// mutated after insertion (a string or list in an equal? table) may no
// longer be found, as in other Schemes; the table stays well-formed.
struct HashTable : Object {
  using Map = absl::flat_hash_map<Value, Value, HashKeyHash, HashKeyEqual>;

  explicit HashTable(HashEquivalence e)
      : Object(ObjectType::kHashTable),
        equivalence(e),
        entries(0, HashKeyHash{e}, HashKeyEqual{e}) {}
  HashTable(const HashTable& other)
      : Object(ObjectType::kHashTable),
        equivalence(other.equivalence),
        entries(other.entries) {}

  HashEquivalence equivalence;
  Map entries;
};

inline bool IsHashTable(Value v) { return IsType(v, ObjectType::kHashTable); }

// HashEquivalenceName is the name of the equivalence procedure ("equal?").
inline const char* HashEquivalenceName(HashEquivalence e) {
  switch (e) {
    case HashEquivalence::kEq: return "eq?";
    case HashEquivalence::kEqv: return "eqv?";
    case HashEquivalence::kEqual: return "equal?";
    case HashEquivalence::kString: return "string=?";
  }
  return "equal?";
}

}  // namespace eta::vm

#endif  // ETA_VM_HASH_TABLE_H_
