//===- Device.h - what a device backend provides to the core ----*- C++ -*-===//
//
// The runtime is a device-neutral core (statuses, options, models, sessions, the checks of
// every tensor a caller binds: Model.cpp, Session.cpp) over one backend per device kind
// (CPUDevice.cpp; CUDADevice.cpp). A backend loads an artifact's code for its device and runs
// it; by the time it is called, every argument has been validated.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_DEVICE_H
#define KILN_RUNTIME_DEVICE_H

#include "kiln/runtime.h"

#include <cstdint>
#include <memory>
#include <string>

namespace kiln {

struct ArtifactContents;

/// The device half of a session.
class DeviceSession {
public:
  virtual ~DeviceSession() = default;
  /// The dynamic dims of the outputs, in declaration order, for the inputs given as memref
  /// descriptors (the generated code's calling convention, runtime/lib/abi.h).
  virtual kiln_status *shapes(const char *fn, void **inputs, int64_t *dims) = 0;
  /// Runs the model on the descriptors of the inputs, then the outputs; `onDevice[i]` says
  /// that argument i lives in the model's device memory (always false on the CPU).
  virtual kiln_status *run(const char *fn, void **arguments, const bool *onDevice) = 0;
  /// Waits for the work the session has queued (nothing to wait for on the CPU).
  virtual kiln_status *synchronize(const char *fn) = 0;
};

/// The device half of a loaded model: its code, loaded for the device.
class DeviceModel {
public:
  virtual ~DeviceModel() = default;
  virtual kiln_status *createSession(const char *fn, const kiln_options *options,
                                     std::unique_ptr<DeviceSession> &out) const = 0;

  // The model's device memory (runtime/include/kiln/runtime.h, "Device memory"). The
  // defaults, for models that run on the CPU, fail with KILN_FAILED_PRECONDITION.
  virtual kiln_status *allocate(const char *fn, uint64_t bytes, void **out) const;
  virtual kiln_status *release(const char *fn, void *memory) const;
  /// Copies to device memory (`toDevice`) or from it, and waits for the copy.
  virtual kiln_status *copy(const char *fn, void *dst, const void *src, uint64_t bytes,
                            bool toDevice) const;
  /// Null when `bytes` bytes at `data` are device memory of the model's device; otherwise
  /// KILN_INVALID_ARGUMENT naming `what` ("input 'x'").
  virtual kiln_status *checkDeviceMemory(const char *fn, const std::string &what,
                                         const void *data, uint64_t bytes) const;
};

/// What a backend loads from: the validated artifact, its weights (64-byte aligned, or null)
/// and the caller's options (or null). `file` names the artifact in messages.
struct DeviceLoad {
  const char *fn;
  const char *file;
  const ArtifactContents &contents;
  const void *weights;
  const kiln_options *options;
};

/// KILN_UNAVAILABLE naming what is missing (the driver library, its entry points, the device)
/// when CUDA device `ordinal` cannot be used here; fills its compute capability (80 for sm_80).
kiln_status *checkCUDADevice(const char *fn, const char *file, int ordinal,
                             int *computeCapability);

kiln_status *loadCPUModel(const DeviceLoad &load, std::unique_ptr<DeviceModel> &out);
/// `emulated`: on the emulated CUDA device (CUDAEmulator.h) instead of libcuda's.
kiln_status *loadCUDAModel(const DeviceLoad &load, bool emulated,
                           std::unique_ptr<DeviceModel> &out);

} // namespace kiln

#endif // KILN_RUNTIME_DEVICE_H
