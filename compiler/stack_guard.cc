#include "compiler/stack_guard.h"

#include <pthread.h>

#include <cstddef>
#include <cstdint>

namespace eta::compiler {
namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr size_t kMargin = size_t{1} << 20;
#else
constexpr size_t kMargin = size_t{256} << 10;
#endif

// The lowest address the thread's stack may grow to, plus the margin (1
// when the stack's bounds are unknown: never low).
uintptr_t FindLimit() {
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return 1;
  void* low = nullptr;
  size_t size = 0;
  int got = pthread_attr_getstack(&attr, &low, &size);
  pthread_attr_destroy(&attr);
  if (got != 0 || size <= kMargin) return 1;
  return reinterpret_cast<uintptr_t>(low) + kMargin;
}

}  // namespace

bool StackLow() {
  thread_local uintptr_t limit = FindLimit();
  return reinterpret_cast<uintptr_t>(__builtin_frame_address(0)) < limit;
}

}  // namespace eta::compiler
