//===- CUDADriver.cpp - libcuda, loaded at run time -----------------------===//

#include "runtime/lib/CUDADriver.h"

#include <cstdlib>
#include <dlfcn.h>
#include <mutex>
#include <utility>

using namespace kiln;

namespace {

constexpr int kCudaVersion = 12000;             // entry points as of CUDA 12.0
constexpr int kAttrComputeCapabilityMajor = 75; // CU_DEVICE_ATTRIBUTE_*_MAJOR
constexpr int kAttrComputeCapabilityMinor = 76;

using GetProcAddress = CUresult (*)(const char *symbol, void **pfn, int cudaVersion,
                                    unsigned long long flags, int *symbolStatus);

template <typename F> bool resolve(GetProcAddress get, const char *name, F &out) {
  void *fn = nullptr;
  int found = 0;
  if (get(name, &fn, kCudaVersion, 0, &found) != 0 || !fn)
    return false;
  out = reinterpret_cast<F>(fn);
  return true;
}

} // namespace

bool kiln::isStickyCUDAError(CUresult error) {
  switch (error) {
  case 214: // CUDA_ERROR_ECC_UNCORRECTABLE
  case 700: // CUDA_ERROR_ILLEGAL_ADDRESS
  case 702: // CUDA_ERROR_LAUNCH_TIMEOUT
  case 710: // CUDA_ERROR_ASSERT
  case 714: // CUDA_ERROR_HARDWARE_STACK_ERROR
  case 715: // CUDA_ERROR_ILLEGAL_INSTRUCTION
  case 716: // CUDA_ERROR_MISALIGNED_ADDRESS
  case 717: // CUDA_ERROR_INVALID_ADDRESS_SPACE
  case 718: // CUDA_ERROR_INVALID_PC
  case 719: // CUDA_ERROR_LAUNCH_FAILED
    return true;
  default:
    return false;
  }
}

std::string CUDADriver::describe(CUresult error) const {
  const char *text = nullptr;
  if (getErrorString && getErrorString(error, &text) == 0 && text)
    return std::string(text) + " (CUresult " + std::to_string(error) + ")";
  return "CUresult " + std::to_string(error);
}

kiln_code kiln::loadCUDADriver(const char *library, CUDADriver &out, std::string &error) {
  void *handle = dlopen(library, RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char *why = dlerror();
    error = std::string("cannot load the NVIDIA driver library '") + library + "' (" +
            (why ? why : "dlopen failed") + "): is the NVIDIA driver installed?";
    return KILN_UNAVAILABLE;
  }
  auto fail = [&](std::string message) {
    out = CUDADriver();
    dlclose(handle);
    error = std::move(message);
    return KILN_UNAVAILABLE;
  };
  auto get = reinterpret_cast<GetProcAddress>(dlsym(handle, "cuGetProcAddress_v2"));
  if (!get)
    return fail(std::string("'") + library +
                "' has no cuGetProcAddress_v2: the NVIDIA "
                "driver is older than CUDA 12");
  if (!resolve(get, "cuInit", out.init) || !resolve(get, "cuDeviceGetCount", out.deviceGetCount) ||
      !resolve(get, "cuDeviceGet", out.deviceGet) ||
      !resolve(get, "cuDeviceGetAttribute", out.deviceGetAttribute) ||
      !resolve(get, "cuGetErrorString", out.getErrorString) ||
      !resolve(get, "cuDevicePrimaryCtxRetain", out.primaryCtxRetain) ||
      !resolve(get, "cuDevicePrimaryCtxRelease", out.primaryCtxRelease) ||
      !resolve(get, "cuCtxSetCurrent", out.ctxSetCurrent) ||
      !resolve(get, "cuModuleLoadData", out.moduleLoadData) ||
      !resolve(get, "cuModuleUnload", out.moduleUnload) ||
      !resolve(get, "cuModuleGetFunction", out.moduleGetFunction) ||
      !resolve(get, "cuModuleGetGlobal", out.moduleGetGlobal) ||
      !resolve(get, "cuMemAlloc", out.memAlloc) || !resolve(get, "cuMemFree", out.memFree) ||
      !resolve(get, "cuMemcpyHtoDAsync", out.memcpyHtoDAsync) ||
      !resolve(get, "cuMemcpyDtoHAsync", out.memcpyDtoHAsync) ||
      !resolve(get, "cuLaunchKernel", out.launchKernel) ||
      !resolve(get, "cuStreamCreate", out.streamCreate) ||
      !resolve(get, "cuStreamDestroy", out.streamDestroy) ||
      !resolve(get, "cuStreamSynchronize", out.streamSynchronize) ||
      !resolve(get, "cuEventCreate", out.eventCreate) ||
      !resolve(get, "cuEventRecord", out.eventRecord) ||
      !resolve(get, "cuEventQuery", out.eventQuery) ||
      !resolve(get, "cuEventSynchronize", out.eventSynchronize) ||
      !resolve(get, "cuEventDestroy", out.eventDestroy) ||
      !resolve(get, "cuStreamBeginCapture", out.streamBeginCapture) ||
      !resolve(get, "cuStreamEndCapture", out.streamEndCapture) ||
      !resolve(get, "cuGraphInstantiateWithFlags", out.graphInstantiate) ||
      !resolve(get, "cuGraphLaunch", out.graphLaunch) ||
      !resolve(get, "cuGraphExecDestroy", out.graphExecDestroy) ||
      !resolve(get, "cuGraphDestroy", out.graphDestroy) ||
      !resolve(get, "cuPointerGetAttribute", out.pointerGetAttribute))
    return fail(std::string("'") + library + "' lacks a driver entry point Kiln needs");
  if (CUresult r = out.init(0))
    return fail("cuInit failed: " + out.describe(r));
  return KILN_OK; // the handle stays open for the life of the process
}

const CUDADriver *kiln::processCUDADriver(kiln_code &code, std::string &error) {
  static CUDADriver driver;
  static kiln_code loadCode;
  static std::string loadError;
  static std::once_flag once;
  std::call_once(once, [] {
    const char *path = getenv("KILN_LIBCUDA");
    loadCode = loadCUDADriver(path && *path ? path : "libcuda.so.1", driver, loadError);
  });
  code = loadCode;
  error = loadError;
  return code == KILN_OK ? &driver : nullptr;
}

kiln_code kiln::openCUDADevice(const CUDADriver &driver, int ordinal, CUDADeviceInfo &out,
                               std::string &error) {
  int count = 0;
  if (CUresult r = driver.deviceGetCount(&count)) {
    error = "cuDeviceGetCount failed: " + driver.describe(r);
    return KILN_UNAVAILABLE;
  }
  if (ordinal < 0 || ordinal >= count) {
    error = "there is no CUDA device " + std::to_string(ordinal) + " (this machine has " +
            std::to_string(count) + ")";
    return KILN_UNAVAILABLE;
  }
  int major = 0, minor = 0;
  if (CUresult r = driver.deviceGet(&out.device, ordinal)) {
    error = "cuDeviceGet failed: " + driver.describe(r);
    return KILN_UNAVAILABLE;
  }
  if (driver.deviceGetAttribute(&major, kAttrComputeCapabilityMajor, out.device) ||
      driver.deviceGetAttribute(&minor, kAttrComputeCapabilityMinor, out.device)) {
    error = "cannot read the compute capability of CUDA device " + std::to_string(ordinal);
    return KILN_UNAVAILABLE;
  }
  out.computeCapability = major * 10 + minor;
  return KILN_OK;
}
