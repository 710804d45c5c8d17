//===- TestSupport.h - helpers of the runtime's GoogleTest suites -*- C++ -*-===//

#ifndef KILN_TEST_RUNTIME_TESTSUPPORT_H
#define KILN_TEST_RUNTIME_TESTSUPPORT_H

#include "kiln/runtime.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace kiln_test {

/// The status's code and message; releases it.
struct Result {
  kiln_code code;
  std::string message;
};
inline Result take(kiln_status *s) {
  Result r{kiln_status_code(s), kiln_status_message(s)};
  kiln_status_release(s);
  return r;
}

/// A dense view of `bytes` at `data` with `dims` (which must outlive it).
inline kiln_tensor tensor(const char *name, kiln_element_type type,
                          const std::vector<int64_t> &dims, void *data, uint64_t bytes,
                          kiln_device device = KILN_DEVICE_CPU) {
  kiln_tensor t{};
  t.name = name;
  t.element_type = type;
  t.device = device;
  t.rank = int32_t(dims.size());
  t.dims = dims.data();
  t.data = data;
  t.byte_size = bytes;
  return t;
}

} // namespace kiln_test

#define EXPECT_STATUS(call, expectedCode, substring)                                               \
  do {                                                                                             \
    kiln_test::Result r_ = kiln_test::take(call);                                                  \
    EXPECT_EQ(r_.code, expectedCode) << r_.message;                                                \
    EXPECT_NE(r_.message.find(substring), std::string::npos) << r_.message;                        \
  } while (0)

#endif // KILN_TEST_RUNTIME_TESTSUPPORT_H
