// ETA_RETURN_IF_ERROR and ETA_ASSIGN_OR_RETURN propagate absl::Status
// errors (this abseil release has no macros of its own).
#ifndef ETA_COMPILER_STATUS_MACROS_H_
#define ETA_COMPILER_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define ETA_RETURN_IF_ERROR(expr)              \
  do {                                         \
    ::absl::Status eta_status_ = (expr);       \
    if (!eta_status_.ok()) return eta_status_; \
  } while (0)

#define ETA_CONCAT_INNER_(a, b) a##b
#define ETA_CONCAT_(a, b) ETA_CONCAT_INNER_(a, b)
#define ETA_ASSIGN_OR_RETURN(lhs, expr) \
  ETA_ASSIGN_OR_RETURN_IMPL_(ETA_CONCAT_(eta_statusor_, __LINE__), lhs, expr)
#define ETA_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return tmp.status();              \
  lhs = std::move(tmp).value()

#endif  // ETA_COMPILER_STATUS_MACROS_H_
