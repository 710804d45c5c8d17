//===- CUDADevice.cpp - the CUDA backend of the runtime: models -----------===//
//
// A CUDA artifact's code is host code (shape arithmetic and launches) plus device modules,
// one per architecture (docs/design/targets.md). Loading one finds the driver (libcuda, or
// the emulated device: CUDAEmulator.h) and the device, picks the module the device can run
// (the emulated device runs the kernels' host twins), resolves every kernel, copies the
// weights to the device and binds the host code to the CUDA services of runtime/lib/abi.h
// (CUDASession.cpp, where runs are made). The model also serves the C API's device memory
// and checks that a tensor bound in device memory is device memory of its device.
//
//===----------------------------------------------------------------------===//

#include "runtime/lib/CUDAModel.h"

#include "runtime/lib/CUDAEmulator.h"
#include "runtime/lib/Options.h"
#include "runtime/lib/Status.h"

#include <cstring>

using namespace kiln;

namespace {

constexpr const char *kErrorRecord = "kiln_error";

class CUDAModel final : public DeviceModel {
public:
  kiln_status *createSession(const char *fn, const kiln_options *options,
                             std::unique_ptr<DeviceSession> &out) const override {
    return createCUDASession(fn, state, options, out);
  }

  kiln_status *allocate(const char *fn, uint64_t bytes, void **out) const override {
    const CUDADriver &d = *state.driver;
    CUdeviceptr p = 0;
    CUresult r = d.ctxSetCurrent(state.context);
    if (!r)
      r = d.memAlloc(&p, bytes);
    if (r)
      return makeStatus(KILN_RESOURCE_EXHAUSTED, "%s: '%s': %s", fn, state.file.c_str(),
                        state.describe("cuMemAlloc", r).c_str());
    *out = reinterpret_cast<void *>(uintptr_t(p));
    return nullptr;
  }

  kiln_status *release(const char *fn, void *memory) const override {
    const CUDADriver &d = *state.driver;
    CUresult r = d.ctxSetCurrent(state.context);
    if (!r)
      r = d.memFree(CUdeviceptr(reinterpret_cast<uintptr_t>(memory)));
    if (r)
      return makeStatus(KILN_INVALID_ARGUMENT, "%s: '%s': %p: %s", fn, state.file.c_str(), memory,
                        state.describe("cuMemFree", r).c_str());
    return nullptr;
  }

  kiln_status *copy(const char *fn, void *dst, const void *src, uint64_t bytes,
                    bool toDevice) const override {
    const CUDADriver &d = *state.driver;
    CUresult r = d.ctxSetCurrent(state.context);
    if (!r)
      r = toDevice ? d.memcpyHtoDAsync(CUdeviceptr(reinterpret_cast<uintptr_t>(dst)), src, bytes,
                                       nullptr)
                   : d.memcpyDtoHAsync(dst, CUdeviceptr(reinterpret_cast<uintptr_t>(src)), bytes,
                                       nullptr);
    if (!r)
      r = d.streamSynchronize(nullptr);
    if (r) {
      std::string message = state.describe(toDevice ? "cuMemcpyHtoD" : "cuMemcpyDtoH", r);
      if (isStickyCUDAError(r))
        state.poison(message);
      return makeStatus(KILN_INTERNAL, "%s: '%s': %s", fn, state.file.c_str(), message.c_str());
    }
    return nullptr;
  }

  kiln_status *checkDeviceMemory(const char *fn, const std::string &what, const void *data,
                                 uint64_t bytes) const override {
    const CUDADriver &d = *state.driver;
    d.ctxSetCurrent(state.context);
    CUdeviceptr p = CUdeviceptr(reinterpret_cast<uintptr_t>(data)), start = 0;
    unsigned type = 0, managed = 0;
    int ordinal = -1;
    size_t size = 0;
    auto refuse = [&](const std::string &why) {
      return makeStatus(KILN_INVALID_ARGUMENT, "%s: '%s': %s: %p is %s", fn, state.file.c_str(),
                        what.c_str(), data, why.c_str());
    };
    if (CUresult r = d.pointerGetAttribute(&type, kPointerAttributeMemoryType, p)) {
      if (state.driver->takeFailureDetail)
        state.driver->takeFailureDetail();
      return refuse("not memory the CUDA driver knows (" + d.describe(r) +
                    "): bind host memory as KILN_DEVICE_CPU");
    }
    d.pointerGetAttribute(&managed, kPointerAttributeIsManaged, p);
    if (type != kMemoryTypeDevice && type != kMemoryTypeUnified && !managed)
      return refuse("host memory registered with CUDA, not device memory: bind it as "
                    "KILN_DEVICE_CPU");
    if (!d.pointerGetAttribute(&ordinal, kPointerAttributeOrdinal, p) && ordinal != state.ordinal)
      return refuse("memory of CUDA device " + std::to_string(ordinal) +
                    ", and the model is on "
                    "device " +
                    std::to_string(state.ordinal));
    if (!d.pointerGetAttribute(&start, kPointerAttributeRangeStart, p) &&
        !d.pointerGetAttribute(&size, kPointerAttributeRangeSize, p) && p + bytes > start + size)
      return refuse("inside an allocation of " + std::to_string(size) + " bytes that ends " +
                    std::to_string(p + bytes - (start + size)) + " bytes before the tensor's " +
                    std::to_string(bytes) + " do");
    return nullptr;
  }

  CUDAModelState state;
};

} // namespace

CUDAModelState::~CUDAModelState() {
  if (!driver)
    return;
  if (context)
    driver->ctxSetCurrent(context);
  if (weights)
    driver->memFree(weights);
  if (module)
    driver->moduleUnload(module);
  if (context)
    driver->primaryCtxRelease(device);
}

std::string CUDAModelState::describe(const char *what, CUresult r) const {
  std::string text = std::string(what) + " failed: " + driver->describe(r);
  if (driver->takeFailureDetail) {
    std::string detail = driver->takeFailureDetail();
    if (!detail.empty())
      text += ": " + detail;
  }
  return text;
}

void CUDAModelState::poison(const std::string &message) const {
  std::lock_guard<std::mutex> lock(faultMutex);
  if (fault.empty())
    fault = message;
}

kiln_status *CUDAModelState::checkUsable(const char *fn) const {
  std::lock_guard<std::mutex> lock(faultMutex);
  if (fault.empty())
    return nullptr;
  return makeStatus(KILN_FAILED_PRECONDITION,
                    "%s: '%s': an earlier run faulted on the device, which leaves the CUDA "
                    "context unusable (%s): release the model's sessions and the model, and load "
                    "it again",
                    fn, file.c_str(), fault.c_str());
}

namespace {

/// The device module of `c` that device capability `capability` runs best: the newest
/// architecture not newer than the device.
const CudaModuleDecl *pickModule(const ArtifactContents &c, int capability) {
  const CudaModuleDecl *best = nullptr;
  for (const CudaModuleDecl &m : c.cudaModules)
    if (int(m.sm) <= capability && (!best || m.sm > best->sm))
      best = &m;
  return best;
}

} // namespace

kiln_status *kiln::checkCUDADevice(const char *fn, const char *file, int ordinal,
                                   int *computeCapability) {
  kiln_code code = KILN_OK;
  std::string error;
  const CUDADriver *driver = processCUDADriver(code, error);
  if (!driver)
    return makeStatus(code, "%s: '%s': CUDA is unavailable: %s", fn, file, error.c_str());
  CUDADeviceInfo device;
  if ((code = openCUDADevice(*driver, ordinal, device, error)))
    return makeStatus(code, "%s: '%s': CUDA is unavailable: %s", fn, file, error.c_str());
  if (computeCapability)
    *computeCapability = device.computeCapability;
  return nullptr;
}

kiln_status *kiln::loadCUDAModel(const DeviceLoad &load, bool emulated,
                                 std::unique_ptr<DeviceModel> &out) {
  const char *fn = load.fn, *file = load.file;
  const ArtifactContents &c = load.contents;
  int ordinal = load.options ? load.options->ordinal : 0;
  auto model = std::make_unique<CUDAModel>();
  CUDAModelState &s = model->state;
  s.file = file;
  s.sites = c.sites;
  s.inputs = c.inputs;
  s.outputs = c.outputs;
  s.emulated = emulated;
  s.ordinal = ordinal;
  int capability = 0;
  if (emulated) {
    s.driver = &emulatedCUDADriver();
  } else {
    if (kiln_status *st = checkCUDADevice(fn, file, ordinal, &capability))
      return st;
    kiln_code code;
    std::string error;
    s.driver = processCUDADriver(code, error);
  }
  const CUDADriver &d = *s.driver;
  auto driverError = [&](kiln_code code, const char *what, CUresult r) {
    return makeStatus(code, "%s: '%s': %s", fn, file, s.describe(what, r).c_str());
  };
  if (CUresult r = d.deviceGet(&s.device, ordinal))
    return driverError(KILN_UNAVAILABLE, "cuDeviceGet", r);
  const void *image = nullptr;
  if (!emulated && !c.kernels.empty()) {
    const CudaModuleDecl *m = pickModule(c, capability);
    if (!m) {
      std::string archs;
      for (const CudaModuleDecl &mod : c.cudaModules)
        archs += (archs.empty() ? "sm_" : ", sm_") + std::to_string(mod.sm);
      return makeStatus(KILN_UNAVAILABLE,
                        "%s: '%s': CUDA is unavailable: the artifact has kernels for %s, and "
                        "device %d is sm_%d (recompile with --gpu-arch=sm_%d)",
                        fn, file, archs.c_str(), ordinal, capability, capability);
    }
    image = m->image;
  }
  if (kiln_status *st = loadModelCode(fn, file, c, s.code))
    return st;
  if (emulated && !c.kernels.empty()) {
    image = s.code.module->emulation;
    if (!image)
      return makeStatus(KILN_FAILED_PRECONDITION,
                        "%s: '%s': the artifact has no kernels for the emulated device", fn, file);
  }
  if (CUresult r = d.primaryCtxRetain(&s.context, s.device))
    return driverError(KILN_UNAVAILABLE, "cuDevicePrimaryCtxRetain", r);
  if (CUresult r = d.ctxSetCurrent(s.context))
    return driverError(KILN_INTERNAL, "cuCtxSetCurrent", r);
  if (image) {
    if (CUresult r = d.moduleLoadData(&s.module, image))
      return driverError(KILN_DATA_LOSS, "loading the kernels (cuModuleLoadData)", r);
    for (const std::string &name : c.kernels) {
      CUfunction f = nullptr;
      if (CUresult r = d.moduleGetFunction(&f, s.module, name.c_str()))
        return makeStatus(KILN_DATA_LOSS, "%s: '%s': kernel '%s' is not in the device module: %s",
                          fn, file, name.c_str(), d.describe(r).c_str());
      s.functions.push_back(f);
    }
    if (!c.sites.empty()) {
      size_t bytes = 0;
      if (d.moduleGetGlobal(&s.errorRecord, &bytes, s.module, kErrorRecord) || bytes < 32)
        return makeStatus(KILN_DATA_LOSS, "%s: '%s': the device module has no error record", fn,
                          file);
    }
  }
  if (c.weightsSize) {
    if (CUresult r = d.memAlloc(&s.weights, c.weightsSize))
      return driverError(KILN_RESOURCE_EXHAUSTED, "allocating the weights on the device", r);
    if (CUresult r = d.memcpyHtoDAsync(s.weights, load.weights, c.weightsSize, nullptr))
      return driverError(KILN_INTERNAL, "copying the weights to the device", r);
    if (CUresult r = d.streamSynchronize(nullptr))
      return driverError(KILN_INTERNAL, "copying the weights to the device", r);
  }
  s.code.module->bind(&cudaRuntimeApi(), reinterpret_cast<const void *>(uintptr_t(s.weights)));
  out = std::move(model);
  return nullptr;
}
