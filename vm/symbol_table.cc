#include "vm/symbol_table.h"

#include "absl/strings/string_view.h"

namespace eta::vm {

Symbol* SymbolTable::Intern(Heap& heap, std::string_view name) {
  absl::string_view key(name.data(), name.size());
  if (base_ != nullptr) {
    auto shared = base_->symbols_.find(key);
    if (shared != base_->symbols_.end()) return shared->second;
  }
  auto it = symbols_.find(key);
  if (it != symbols_.end()) return it->second;
  Symbol* symbol = heap.New<Symbol>(std::string(name));
  if (symbol != nullptr) symbols_.emplace(absl::string_view(symbol->name), symbol);
  return symbol;
}

void SymbolTable::DropUnmarked() {
  absl::erase_if(symbols_, [](const auto& entry) { return !entry.second->marked(); });
}

}  // namespace eta::vm
