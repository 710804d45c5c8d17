//===- CUDADriverTest.cpp - libcuda loaded at run time --------------------===//
//
// Without the NVIDIA driver the CUDA backend answers KILN_UNAVAILABLE naming the library and
// the reason, never a failed dynamic link or a crash. (With a driver, loading succeeds and
// device queries are checked by the device check, test/gpu/.)
//
//===----------------------------------------------------------------------===//

#include "runtime/lib/CUDADriver.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace {

TEST(CUDADriver, MissingLibraryIsUnavailable) {
  kiln::CUDADriver driver;
  std::string error;
  EXPECT_EQ(kiln::loadCUDADriver("/nonexistent/libcuda.so.1", driver, error), KILN_UNAVAILABLE);
  EXPECT_EQ(driver.init, nullptr);
  EXPECT_NE(error.find("'/nonexistent/libcuda.so.1'"), std::string::npos) << error;
  EXPECT_NE(error.find("is the NVIDIA driver installed?"), std::string::npos) << error;
}

TEST(CUDADriver, LibraryWithoutTheDriverApiIsUnavailable) {
  // A shared object that is not libcuda (libc has no cuGetProcAddress_v2).
  kiln::CUDADriver driver;
  std::string error;
  EXPECT_EQ(kiln::loadCUDADriver("libc.so.6", driver, error), KILN_UNAVAILABLE);
  EXPECT_NE(error.find("has no cuGetProcAddress_v2"), std::string::npos) << error;
}

TEST(CUDADriver, NotAnObjectIsUnavailable) {
  std::string path = testing::TempDir() + "/not-libcuda.so";
  std::ofstream(path) << "not an ELF file";
  kiln::CUDADriver driver;
  std::string error;
  EXPECT_EQ(kiln::loadCUDADriver(path.c_str(), driver, error), KILN_UNAVAILABLE);
  EXPECT_NE(error.find("cannot load the NVIDIA driver library"), std::string::npos) << error;
  std::remove(path.c_str());
}

} // namespace
