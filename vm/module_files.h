// Where a module's code lives on disk: the source `x.eta` or the compiled
// `x.etac` beside it (SPEC [M]: the compiled file is used when it is not
// older than the source). Shared by the module resolver and by spawn.
#ifndef ETA_VM_MODULE_FILES_H_
#define ETA_VM_MODULE_FILES_H_

#include <string>

namespace eta::vm {

// IsRegularFile tells whether `path` names an existing regular file.
bool IsRegularFile(const std::string& path);

// ChooseModuleFile returns, for a path ending in ".eta", the ".etac" beside
// it when that exists and is not older than the source (or the source is
// missing), else the source when it exists. Any other path is returned
// when it is an existing file. "" when nothing is there.
std::string ChooseModuleFile(const std::string& path);

}  // namespace eta::vm

#endif  // ETA_VM_MODULE_FILES_H_
