// Datum: what the reader produces. A Scheme datum with the source position
// of its first character. The reader is a leaf library: it depends on nothing
// else of the project, so the VM (for `read`) and wire/ (text form) use it too.
#ifndef ETA_COMPILER_DATUM_H_
#define ETA_COMPILER_DATUM_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace eta::compiler {

// SourceLocation names a position in a source text: file name, 1-based line
// and 1-based column (counted in characters, not bytes).
struct SourceLocation {
  std::shared_ptr<const std::string> file;
  int32_t line = 0;
  int32_t column = 0;

  // FileName returns the file name, or "<unknown>" when there is none.
  const std::string& FileName() const;
  // ToString renders "file:line:col".
  std::string ToString() const;
};

struct Datum;
// DatumPtr is how data are shared; a datum is immutable once read.
using DatumPtr = std::shared_ptr<const Datum>;

// Datum is one value read from source. Lists are chains of pairs ending in
// kNil. Only the fields that belong to `kind` are meaningful.
struct Datum {
  enum class Kind {
    kNil,         // ()
    kBool,        // #t #f
    kInteger,     // exact integer (64-bit)
    kReal,        // flonum
    kChar,        // Unicode scalar value
    kString,      // UTF-8 text in `text`
    kSymbol,      // name in `text`
    kPair,        // car, cdr
    kVector,      // items
    kBytevector,  // bytes
  };

  Kind kind = Kind::kNil;
  SourceLocation location;
  bool boolean = false;
  int64_t integer = 0;
  double real = 0;
  uint32_t character = 0;
  std::string text;
  DatumPtr car;
  DatumPtr cdr;
  std::vector<DatumPtr> items;
  std::vector<uint8_t> bytes;
  // internal: a symbol the expander made, which may name the standard
  // library's internal (%) builtins that user code cannot.
  bool internal = false;

  bool IsSymbol() const { return kind == Kind::kSymbol; }
  bool IsSymbol(const char* name) const {
    return kind == Kind::kSymbol && text == name;
  }
  bool IsPair() const { return kind == Kind::kPair; }
  bool IsNil() const { return kind == Kind::kNil; }
};

// MakeNil .. MakePair build data (used by the reader and by the expander).
DatumPtr MakeNil(const SourceLocation& location);
DatumPtr MakeBool(bool value, const SourceLocation& location);
DatumPtr MakeInteger(int64_t value, const SourceLocation& location);
DatumPtr MakeReal(double value, const SourceLocation& location);
DatumPtr MakeChar(uint32_t value, const SourceLocation& location);
DatumPtr MakeString(std::string utf8, const SourceLocation& location);
DatumPtr MakeSymbol(std::string name, const SourceLocation& location);
// MakeInternalSymbol makes a symbol that may name an internal builtin
// (Datum::internal): the expander's own references to them.
DatumPtr MakeInternalSymbol(std::string name, const SourceLocation& location);
DatumPtr MakePair(DatumPtr car, DatumPtr cdr, const SourceLocation& location);
DatumPtr MakeVector(std::vector<DatumPtr> items,
                    const SourceLocation& location);
DatumPtr MakeBytevector(std::vector<uint8_t> bytes,
                        const SourceLocation& location);
// MakeList builds a proper list of `items` located at `location`.
DatumPtr MakeList(const std::vector<DatumPtr>& items,
                  const SourceLocation& location);

// ListToVector collects the elements of a proper list into `out`; returns
// false (leaving `out` partly filled) when `list` is not a proper list.
bool ListToVector(const DatumPtr& list, std::vector<DatumPtr>* out);

// WriteDatum renders a datum in `write` form (strings quoted and escaped,
// symbols needing it in |...|, flonums shortest round-trip).
std::string WriteDatum(const Datum& datum);

}  // namespace eta::compiler

#endif  // ETA_COMPILER_DATUM_H_
