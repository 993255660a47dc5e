#include "vm/port.h"

#include <cerrno>
#include <unistd.h>

namespace eta::vm {
namespace {

// Flushing is forced once this much output is pending without a newline.
constexpr size_t kMaxPending = 1 << 16;

// WriteAll writes all of `data` to `fd`, retrying after interrupts and
// partial writes; returns false on any other error.
bool WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

Port::~Port() { Close(); }

void Port::Write(std::string_view utf8) {
  if (closed || !IsOutput()) return;
  buffer.append(utf8);
  if (fd < 0) return;
  // Standard error is unbuffered; other descriptors flush through the last
  // newline so that concurrent writers interleave by whole lines.
  if (fd == STDERR_FILENO || buffer.size() >= kMaxPending) {
    Flush();
    return;
  }
  size_t newline = buffer.rfind('\n');
  if (newline == std::string::npos) return;
  WriteAll(fd, buffer.data(), newline + 1);
  buffer.erase(0, newline + 1);
}

void Port::Flush() {
  if (fd < 0 || !IsOutput() || buffer.empty()) return;
  // On a write error (a closed pipe, say) the output is dropped: there is
  // nowhere left to report it.
  WriteAll(fd, buffer.data(), buffer.size());
  buffer.clear();
}

void Port::Close() {
  if (closed) return;
  if (IsOutput()) Flush();
  if (owns_fd && fd >= 0) ::close(fd);
  closed = true;
}

}  // namespace eta::vm
