//===- CUDADriver.cpp - libcuda, loaded at run time -----------------------===//

#include "runtime/lib/CUDADriver.h"

#include <cstdlib>
#include <dlfcn.h>
#include <memory>
#include <mutex>

using namespace kiln;

namespace {

constexpr int kCudaVersion = 12000;                          // entry points as of CUDA 12.0
constexpr int kAttrComputeCapabilityMajor = 75;              // CU_DEVICE_ATTRIBUTE_*_MAJOR
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

kiln_code load(const char *library, CUDADriver &driver, std::string &error) {
  void *handle = dlopen(library, RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char *why = dlerror();
    error = std::string("cannot load the NVIDIA driver library '") + library + "' (" +
            (why ? why : "dlopen failed") + "): is the NVIDIA driver installed?";
    return KILN_UNAVAILABLE;
  }
  auto get = reinterpret_cast<GetProcAddress>(dlsym(handle, "cuGetProcAddress_v2"));
  if (!get) {
    error = std::string("'") + library + "' has no cuGetProcAddress_v2: the NVIDIA driver is "
            "older than CUDA 12";
    return KILN_UNAVAILABLE;
  }
  if (!resolve(get, "cuInit", driver.init) ||
      !resolve(get, "cuDeviceGetCount", driver.deviceGetCount) ||
      !resolve(get, "cuDeviceGet", driver.deviceGet) ||
      !resolve(get, "cuDeviceGetAttribute", driver.deviceGetAttribute) ||
      !resolve(get, "cuGetErrorString", driver.getErrorString)) {
    error = std::string("'") + library + "' lacks a driver entry point Kiln needs";
    return KILN_UNAVAILABLE;
  }
  if (CUresult r = driver.init(0)) {
    error = "cuInit failed: " + driver.describe(r);
    return KILN_UNAVAILABLE;
  }
  return KILN_OK; // the handle stays open for the life of the process
}

} // namespace

std::string CUDADriver::describe(CUresult error) const {
  const char *text = nullptr;
  if (getErrorString && getErrorString(error, &text) == 0 && text)
    return std::string(text) + " (CUresult " + std::to_string(error) + ")";
  return "CUresult " + std::to_string(error);
}

kiln_code kiln::loadCUDADriver(const char *library, const CUDADriver **out, std::string &error) {
  if (library) {
    static std::mutex mutex;
    std::lock_guard<std::mutex> lock(mutex);
    static std::unique_ptr<CUDADriver> explicitDriver;
    auto driver = std::make_unique<CUDADriver>();
    kiln_code code = load(library, *driver, error);
    if (code == KILN_OK) {
      explicitDriver = std::move(driver);
      *out = explicitDriver.get();
    }
    return code;
  }
  static CUDADriver driver;
  static kiln_code code;
  static std::string loadError;
  static std::once_flag once;
  std::call_once(once, [] {
    const char *path = getenv("KILN_LIBCUDA");
    code = load(path && *path ? path : "libcuda.so.1", driver, loadError);
  });
  error = loadError;
  if (code == KILN_OK)
    *out = &driver;
  return code;
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
