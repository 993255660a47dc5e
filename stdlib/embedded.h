// The standard library compiled at build time and embedded in the tools.
#ifndef ETA_STDLIB_EMBEDDED_H_
#define ETA_STDLIB_EMBEDDED_H_

#include <cstddef>

#include "absl/types/span.h"

namespace eta::stdlib {

// EmbeddedFile is one embedded file: a compiled module file (named by its
// module, e.g. "std.io" or "%prelude") or "primitives.txt".
struct EmbeddedFile {
  const char* name;
  const unsigned char* data;
  size_t size;
};

// EmbeddedFiles lists every embedded file.
absl::Span<const EmbeddedFile> EmbeddedFiles();

}  // namespace eta::stdlib

#endif  // ETA_STDLIB_EMBEDDED_H_
