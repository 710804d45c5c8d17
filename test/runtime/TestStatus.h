//===- TestStatus.h - statuses in the runtime's GoogleTest suites -*- C++ -*-===//

#ifndef KILN_TEST_RUNTIME_TESTSTATUS_H
#define KILN_TEST_RUNTIME_TESTSTATUS_H

#include "kiln/runtime.h"

#include <gtest/gtest.h>

#include <string>

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

} // namespace kiln_test

#define EXPECT_STATUS(call, expectedCode, substring)                                               \
  do {                                                                                             \
    kiln_test::Result r_ = kiln_test::take(call);                                                  \
    EXPECT_EQ(r_.code, expectedCode) << r_.message;                                                \
    EXPECT_NE(r_.message.find(substring), std::string::npos) << r_.message;                        \
  } while (0)

#endif // KILN_TEST_RUNTIME_TESTSTATUS_H
