//===- CUDAModel.h - a model loaded onto a CUDA device -----------*- C++ -*-===//
//
// What the CUDA backend's model (CUDADevice.cpp) and its sessions (CUDASession.cpp) share:
// the driver (libcuda or the emulated device), the context, the kernels, the weights on the
// device and the fault that poisons the model.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_CUDAMODEL_H
#define KILN_RUNTIME_CUDAMODEL_H

#include "artifact/ArtifactReader.h"
#include "runtime/lib/CUDADriver.h"
#include "runtime/lib/Device.h"
#include "runtime/lib/LoadedCode.h"
#include "runtime/lib/abi.h"

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace kiln {

struct CUDAModelState {
  const CUDADriver *driver = nullptr;
  bool emulated = false;
  CUdevice device = 0;
  int ordinal = 0;
  CUcontext context = nullptr;
  CUmodule module = nullptr;
  std::vector<CUfunction> functions;
  CUdeviceptr weights = 0, errorRecord = 0;
  std::string file;
  std::vector<std::string> sites;
  std::vector<TensorDecl> inputs, outputs;
  LoadedCode code;

  ~CUDAModelState();

  /// "what failed: the driver's error" (and what the emulated device found).
  std::string describe(const char *what, CUresult r) const;

  /// Records a fault that left the context unusable (isStickyCUDAError); later runs of every
  /// session fail with KILN_FAILED_PRECONDITION.
  void poison(const std::string &message) const;
  /// KILN_FAILED_PRECONDITION when the model was poisoned, else null.
  kiln_status *checkUsable(const char *fn) const;

private:
  mutable std::mutex faultMutex;
  mutable std::string fault;
};

/// The services of runtime/lib/abi.h that CUDA models' host code is bound to.
const kiln_rt_api &cudaRuntimeApi();

/// A session of `model` with `options`' stream, graphs and scratch limit (null: defaults).
kiln_status *createCUDASession(const char *fn, const CUDAModelState &model,
                               const kiln_options *options, std::unique_ptr<DeviceSession> &out);

} // namespace kiln

#endif // KILN_RUNTIME_CUDAMODEL_H
