// The reader's data (compiler/datum.h) as values of a heap: used by `read`
// and by the wire's text form.
#ifndef ETA_VM_DATUM_VALUES_H_
#define ETA_VM_DATUM_VALUES_H_

#include "absl/status/statusor.h"
#include "compiler/datum.h"
#include "vm/heap.h"
#include "vm/symbol_table.h"
#include "vm/value.h"

namespace eta::vm {

// DatumToValue builds the value of `datum` in `heap`, without recursion
// whatever its nesting. Errors: ResourceExhausted when the heap is full,
// InvalidArgument for a string or symbol that is not UTF-8.
absl::StatusOr<Value> DatumToValue(const compiler::Datum& datum, Heap& heap,
                                   SymbolTable& symbols);

}  // namespace eta::vm

#endif  // ETA_VM_DATUM_VALUES_H_
