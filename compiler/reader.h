// Reader: turns UTF-8 source text into data (compiler/datum.h), following
// the lexical syntax of SPEC [L1]. A leaf library: it depends only on abseil.
#ifndef ETA_COMPILER_READER_H_
#define ETA_COMPILER_READER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "compiler/datum.h"

namespace eta::compiler {

namespace internal {
class ReaderImpl;
}  // namespace internal

// kMaxReaderNesting is the deepest nesting of lists, vectors, bytevectors,
// quote abbreviations and datum comments the reader accepts; deeper input is
// a "nesting too deep" error (so later recursive stages stay within stack).
inline constexpr int kMaxReaderNesting = 10000;

// Reader reads data one at a time from a UTF-8 text, which it copies.
// Errors are absl::InvalidArgumentError with a message of the form
// "FILE:LINE:COL: read-error: WHAT" (line and column 1-based, columns in
// code points). The reader never crashes or hangs, whatever the bytes.
class Reader {
 public:
  // Reader prepares to read `text`; `file_name` names it in locations.
  Reader(std::string_view text, std::string file_name);
  ~Reader();
  Reader(Reader&& other) noexcept;
  Reader& operator=(Reader&& other) noexcept;

  // Next returns the next datum, std::nullopt (inside the StatusOr) at the
  // end of the input, or an error. After an error, every later call returns
  // the same error.
  absl::StatusOr<std::optional<DatumPtr>> Next();

  // Offset returns the byte offset just after the last datum read (for
  // string ports that read incrementally); after Next has reported the end
  // of the input it is the text's size. Errors leave it unchanged.
  size_t Offset() const;

 private:
  std::unique_ptr<internal::ReaderImpl> impl_;
};

// ReadAll reads every datum of `text`, or returns the first error.
absl::StatusOr<std::vector<DatumPtr>> ReadAll(std::string_view text,
                                              std::string file_name);

// DecodeUtf8 decodes the well-formed UTF-8 sequence starting at `pos` in
// `text` into `*code_point` and its byte count `*length`; returns false
// (leaving the outputs unspecified) when the bytes there are not one
// (truncated, overlong, surrogate, above U+10FFFF, or `pos` at the end).
bool DecodeUtf8(std::string_view text, size_t pos, uint32_t* code_point,
                size_t* length);

// AppendUtf8 appends the UTF-8 encoding of `code_point` (a Unicode scalar
// value) to `*out`.
void AppendUtf8(uint32_t code_point, std::string* out);

}  // namespace eta::compiler

#endif  // ETA_COMPILER_READER_H_
