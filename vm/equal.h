// Equality predicates eqv? and equal?, and hash functions consistent with
// them (for hash tables).
#ifndef ETA_VM_EQUAL_H_
#define ETA_VM_EQUAL_H_

#include <cstddef>

#include "vm/value.h"

namespace eta::vm {

// Eqv is eqv?: the same object, or immediates with the same type and bits.
// Exact and inexact numbers are never eqv; flonums compare by bits, so
// 0.0 and -0.0 differ and a NaN is eqv to a NaN with the same bits. Two
// strings are eqv only when they are the same object.
bool Eqv(Value a, Value b);

// Equal is equal?: Eqv, or pairs and vectors whose elements are Equal,
// strings with the same characters, bytevectors with the same bytes. Other
// objects (records, procedures, ...) are Equal only when Eqv. Terminates on
// cyclic structures (treating cycles co-inductively) and does not recurse on
// the C++ stack.
bool Equal(Value a, Value b);

// EqvHash hashes `v` so that Eqv values hash alike.
size_t EqvHash(Value v);

// EqualHash hashes `v` so that Equal values hash alike. It looks at a bounded
// number of elements of nested structures (about 64), plus the characters of
// strings and the bytes of bytevectors.
size_t EqualHash(Value v);

}  // namespace eta::vm

#endif  // ETA_VM_EQUAL_H_
