//===- DeviceOption.h - the --device option of the runtime's tools -*- C++ -*-===//
//
// kiln-run and kiln-generate take the same --device values: cpu, cuda, cuda:N, cuda-emulator.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_TOOLS_DEVICEOPTION_H
#define KILN_TOOLS_DEVICEOPTION_H

#include "kiln/runtime.h"

#include <cerrno>
#include <cstdlib>
#include <string>

namespace kiln {

/// Parses a --device value into `device` and `ordinal`; returns "" or what is wrong with it.
inline std::string parseDeviceOption(const std::string &text, kiln_device &device,
                                     int32_t &ordinal) {
  if (text == "cpu") {
    device = KILN_DEVICE_CPU;
  } else if (text == "cuda-emulator") {
    device = KILN_DEVICE_CUDA_EMULATOR;
  } else if (text == "cuda") {
    device = KILN_DEVICE_CUDA;
  } else if (text.rfind("cuda:", 0) == 0) {
    std::string number = text.substr(5);
    char *end = nullptr;
    errno = 0;
    long v = strtol(number.c_str(), &end, 10);
    if (number.empty() || *end || errno || v < 0 || v > 1023)
      return "--device cuda:N: '" + number + "' is not an integer in [0, 1023]";
    device = KILN_DEVICE_CUDA;
    ordinal = int32_t(v);
  } else {
    return "unknown --device '" + text + "' (expected cpu, cuda, cuda:N or cuda-emulator)";
  }
  return "";
}

} // namespace kiln

#endif // KILN_TOOLS_DEVICEOPTION_H
