// Builtin procedure tables, one per library file. The VM registers each with
// VM::AddPrimitives; the interpreter checks argument counts against the
// table before calling, and each primitive checks its arguments' types and
// ranges, raising type-error / range-error naming itself and the position.
#ifndef ETA_VM_BUILTINS_H_
#define ETA_VM_BUILTINS_H_

#include "absl/types/span.h"
#include "vm/vm.h"

namespace eta::vm {

// ControlPrimitives: apply, continuations, raise, errors, records,
// procedure? (builtins_control.cc).
absl::Span<const PrimitiveSpec> ControlPrimitives();
// NumberPrimitives: arithmetic, comparison, numeric predicates and
// conversions, number<->string, values (builtins_numbers.cc).
absl::Span<const PrimitiveSpec> NumberPrimitives();
// ListPrimitives: pairs, lists, symbols, booleans, equality, %type-error (builtins_lists.cc).
absl::Span<const PrimitiveSpec> ListPrimitives();
// CharPrimitives: characters (builtins_chars.cc).
absl::Span<const PrimitiveSpec> CharPrimitives();
// StringPrimitives: strings (builtins_strings.cc, builtins_strings_extra.cc).
absl::Span<const PrimitiveSpec> StringPrimitives();
// VectorPrimitives: vectors and bytevectors (builtins_vectors.cc).
absl::Span<const PrimitiveSpec> VectorPrimitives();
// IoPrimitives: ports, display/write, string ports, files (builtins_io.cc).
absl::Span<const PrimitiveSpec> IoPrimitives();
// HashPrimitives: hash tables and SRFI-69 hash functions; the procedures
// taking procedures are in stdlib/prelude/hash.eta (builtins_hash.cc).
absl::Span<const PrimitiveSpec> HashPrimitives();
// ReadPrimitives: read, the datum reader on input ports (builtins_read.cc).
absl::Span<const PrimitiveSpec> ReadPrimitives();
// SystemPrimitives: exit, hostname, getenv, command-line,
// command-line-arguments, current-time-ms, platform (builtins_system.cc).
absl::Span<const PrimitiveSpec> SystemPrimitives();

}  // namespace eta::vm

#endif  // ETA_VM_BUILTINS_H_
