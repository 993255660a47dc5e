// SymbolTable interns the symbols of one heap: two symbols with one name are
// one object. The table holds its symbols weakly: one that nothing else
// reaches is collected (a peer sending fresh symbols cannot grow it without
// bound), and its name makes a new one when it is interned again, which no
// one can tell apart since nothing held the old one.
#ifndef ETA_VM_SYMBOL_TABLE_H_
#define ETA_VM_SYMBOL_TABLE_H_

#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "vm/heap.h"
#include "vm/object.h"

namespace eta::vm {

class SymbolTable {
 public:
  // Room for the builtins' and the prelude's names (about 700), so making
  // a VM never rehashes the table.
  SymbolTable() { symbols_.reserve(1024); }
  // Intern returns the symbol named `name`, allocating it in `heap` on first
  // use (which may collect). Returns nullptr when the heap is full.
  Symbol* Intern(Heap& heap, std::string_view name);
  // set_base has the table find the symbols of `base` (a frozen VM's,
  // never changed again) before its own.
  void set_base(const SymbolTable* base) {
    base_ = base;
    symbols_ = {};  // the base has the builtins' and prelude's names
  }
  // DropUnmarked forgets the symbols the collection in progress did not
  // mark (the heap frees them next).
  void DropUnmarked();
  // size: the symbols of this table (not its base's).
  size_t size() const { return symbols_.size(); }

 private:
  // Keys view each symbol's own name: symbols are never freed while the
  // table marks them, and the heap does not move objects.
  absl::flat_hash_map<absl::string_view, Symbol*> symbols_;
  const SymbolTable* base_ = nullptr;
};

}  // namespace eta::vm

#endif  // ETA_VM_SYMBOL_TABLE_H_
