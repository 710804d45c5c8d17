//===- Options.h - kiln_options ---------------------------------*- C++ -*-===//

#ifndef KILN_RUNTIME_OPTIONS_H
#define KILN_RUNTIME_OPTIONS_H

#include "kiln/runtime.h"

#include <cstdint>

struct kiln_options {
  kiln_device device = KILN_DEVICE_INVALID;
  int32_t ordinal = 0;
  int32_t threads = 0;
  bool verifyWeights = true;
  uint64_t maxScratchBytes = 0;
  /// The caller's CUstream for CUDA sessions, when cudaStreamSet (null: the legacy default
  /// stream); otherwise the session makes its own.
  void *cudaStream = nullptr;
  bool cudaStreamSet = false;
  /// CUDA sessions capture repeated runs at the same shapes into CUDA graphs.
  bool cudaGraphs = true;
};

#endif // KILN_RUNTIME_OPTIONS_H
