//===- CUDADriver.h - libcuda, loaded at run time ---------------*- C++ -*-===//
//
// The runtime never links libcuda: one runtime serves CPU-only and GPU machines. The driver
// library is dlopened on first use and its entry points are resolved through
// cuGetProcAddress (CUDA 12+), so a machine without the NVIDIA driver gets a status naming
// what is missing, never a failed dynamic link. Only the types the runtime passes are
// declared here (no CUDA headers are needed to build Kiln).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_CUDADRIVER_H
#define KILN_RUNTIME_CUDADRIVER_H

#include "kiln/runtime.h"

#include <string>

namespace kiln {

using CUresult = int;
using CUdevice = int;
using CUcontext = void *;
using CUmodule = void *;
using CUfunction = void *;
using CUstream = void *;
using CUdeviceptr = unsigned long long;
using CUevent = void *;
using CUgraph = void *;
using CUgraphExec = void *;

// The driver's values for what the runtime passes or reads.
constexpr unsigned kStreamNonBlocking = 1;      // CU_STREAM_NON_BLOCKING
constexpr unsigned kEventDisableTiming = 2;     // CU_EVENT_DISABLE_TIMING
constexpr int kStreamCaptureModeRelaxed = 2;    // CU_STREAM_CAPTURE_MODE_RELAXED
constexpr int kPointerAttributeMemoryType = 2;  // CU_POINTER_ATTRIBUTE_MEMORY_TYPE
constexpr int kPointerAttributeIsManaged = 8;   // CU_POINTER_ATTRIBUTE_IS_MANAGED
constexpr int kPointerAttributeOrdinal = 9;     // CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL
constexpr int kPointerAttributeRangeStart = 11; // CU_POINTER_ATTRIBUTE_RANGE_START_ADDR
constexpr int kPointerAttributeRangeSize = 12;  // CU_POINTER_ATTRIBUTE_RANGE_SIZE
constexpr unsigned kMemoryTypeDevice = 2;       // CU_MEMORYTYPE_DEVICE
constexpr unsigned kMemoryTypeUnified = 4;      // CU_MEMORYTYPE_UNIFIED
constexpr CUresult kErrorNotReady = 600;        // CUDA_ERROR_NOT_READY
constexpr CUresult kErrorIllegalAddress = 700;  // CUDA_ERROR_ILLEGAL_ADDRESS

/// Whether `error` leaves the context unusable (a kernel faulted): every later call on it
/// fails, so the model must be loaded again.
bool isStickyCUDAError(CUresult error);

/// The driver's entry points the runtime uses, as CUDA 12's cuGetProcAddress gives them (the
/// _v2 variants where there are several). The emulated device (CUDAEmulator.h) fills the
/// same table with its own functions. Null members were not found.
struct CUDADriver {
  CUresult (*init)(unsigned flags) = nullptr;
  CUresult (*deviceGetCount)(int *count) = nullptr;
  CUresult (*deviceGet)(CUdevice *device, int ordinal) = nullptr;
  CUresult (*deviceGetAttribute)(int *value, int attribute, CUdevice device) = nullptr;
  CUresult (*getErrorString)(CUresult error, const char **text) = nullptr;
  CUresult (*primaryCtxRetain)(CUcontext *context, CUdevice device) = nullptr;
  CUresult (*primaryCtxRelease)(CUdevice device) = nullptr;
  CUresult (*ctxSetCurrent)(CUcontext context) = nullptr;
  CUresult (*moduleLoadData)(CUmodule *module, const void *image) = nullptr;
  CUresult (*moduleUnload)(CUmodule module) = nullptr;
  CUresult (*moduleGetFunction)(CUfunction *function, CUmodule module, const char *name) = nullptr;
  CUresult (*moduleGetGlobal)(CUdeviceptr *address, size_t *bytes, CUmodule module,
                              const char *name) = nullptr;
  CUresult (*memAlloc)(CUdeviceptr *address, size_t bytes) = nullptr;
  CUresult (*memFree)(CUdeviceptr address) = nullptr;
  CUresult (*memcpyHtoDAsync)(CUdeviceptr dst, const void *src, size_t bytes,
                              CUstream stream) = nullptr;
  CUresult (*memcpyDtoHAsync)(void *dst, CUdeviceptr src, size_t bytes, CUstream stream) = nullptr;
  CUresult (*launchKernel)(CUfunction function, unsigned gridX, unsigned gridY, unsigned gridZ,
                           unsigned blockX, unsigned blockY, unsigned blockZ, unsigned sharedBytes,
                           CUstream stream, void **params, void **extra) = nullptr;
  CUresult (*streamCreate)(CUstream *stream, unsigned flags) = nullptr;
  CUresult (*streamDestroy)(CUstream stream) = nullptr;
  CUresult (*streamSynchronize)(CUstream stream) = nullptr;
  CUresult (*eventCreate)(CUevent *event, unsigned flags) = nullptr;
  CUresult (*eventRecord)(CUevent event, CUstream stream) = nullptr;
  CUresult (*eventQuery)(CUevent event) = nullptr;
  CUresult (*eventSynchronize)(CUevent event) = nullptr;
  CUresult (*eventDestroy)(CUevent event) = nullptr;
  CUresult (*streamBeginCapture)(CUstream stream, int mode) = nullptr;
  CUresult (*streamEndCapture)(CUstream stream, CUgraph *graph) = nullptr;
  CUresult (*graphInstantiate)(CUgraphExec *exec, CUgraph graph,
                               unsigned long long flags) = nullptr;
  CUresult (*graphLaunch)(CUgraphExec exec, CUstream stream) = nullptr;
  CUresult (*graphExecDestroy)(CUgraphExec exec) = nullptr;
  CUresult (*graphDestroy)(CUgraph graph) = nullptr;
  CUresult (*pointerGetAttribute)(void *data, int attribute, CUdeviceptr pointer) = nullptr;
  /// The emulated device only: what its last failed call found (a kernel's out-of-bounds
  /// access, a barrier not reached by every thread), for the status message.
  std::string (*takeFailureDetail)() = nullptr;

  /// The driver's name for `error` ("CUDA_ERROR_NO_DEVICE: no CUDA-capable device ...").
  std::string describe(CUresult error) const;
};

/// A device's compute capability (8.0 -> 80).
struct CUDADeviceInfo {
  CUdevice device = 0;
  int computeCapability = 0;
};

/// Loads the driver library at `library`, resolves its entry points into `out` and
/// initialises it; KILN_UNAVAILABLE naming the library and the reason when it cannot. The
/// library stays loaded for the life of the process.
kiln_code loadCUDADriver(const char *library, CUDADriver &out, std::string &error);

/// The process's driver, loaded once from KILN_LIBCUDA (else "libcuda.so.1"); null with the
/// reason in `error` (and the status code in `code`) when it cannot be loaded.
const CUDADriver *processCUDADriver(kiln_code &code, std::string &error);

/// Device `ordinal` of the loaded driver; KILN_UNAVAILABLE when there is no such device.
kiln_code openCUDADevice(const CUDADriver &driver, int ordinal, CUDADeviceInfo &out,
                         std::string &error);

} // namespace kiln

#endif // KILN_RUNTIME_CUDADRIVER_H
