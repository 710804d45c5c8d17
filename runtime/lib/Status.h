//===- Status.h - statuses of the runtime's C API ---------------*- C++ -*-===//
//
// kiln_status and the helpers every part of the runtime makes them with. No exception crosses
// the C API: `guarded` turns the C++ ones into statuses.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_STATUS_H
#define KILN_RUNTIME_STATUS_H

#include "kiln/runtime.h"

#include <exception>
#include <new>
#include <string>

struct kiln_status {
  kiln_code code;
  std::string message;
};

namespace kiln {

/// A status with a printf-formatted message (at most 1 KiB); never null.
kiln_status *makeStatus(kiln_code code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/// Runs `body`, turning a C++ exception (bad_alloc from a vector) into a status.
template <typename F> kiln_status *guarded(const char *function, F &&body) {
  try {
    return body();
  } catch (const std::bad_alloc &) {
    return makeStatus(KILN_RESOURCE_EXHAUSTED, "%s: out of memory", function);
  } catch (const std::exception &e) {
    return makeStatus(KILN_INTERNAL, "%s: %s", function, e.what());
  }
}

} // namespace kiln

#endif // KILN_RUNTIME_STATUS_H
