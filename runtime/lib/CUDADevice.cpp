//===- CUDADevice.cpp - the CUDA backend of the runtime -------------------===//
//
// A CUDA artifact's code is host code (shape arithmetic and launches) plus device modules,
// one per architecture (docs/design/targets.md). Loading one finds the driver (libcuda, or
// the emulated device: CUDAEmulator.h) and the device, picks the module the device can run
// (the emulated device runs the kernels' host twins), resolves every kernel, copies the
// weights to the device and binds the host code to the CUDA services of runtime/lib/abi.h:
// device memory, launches on the session's stream, reads of device memory.
//
// A session owns a stream (or uses the caller's) and a cache of device blocks. A run takes
// host tensors: inputs are copied to the device, the host code enqueues its kernels, the
// outputs come back once the stream is done, and the module's error record (an index out of
// range in a kernel) is read and cleared. Device-resident tensors, the static memory plan and
// CUDA graphs are not implemented yet.
//
//===----------------------------------------------------------------------===//

#include "runtime/lib/Device.h"

#include "artifact/ArtifactReader.h"
#include "runtime/lib/Abandon.h"
#include "runtime/lib/CUDADriver.h"
#include "runtime/lib/CUDAEmulator.h"
#include "runtime/lib/LoadedCode.h"
#include "runtime/lib/Options.h"
#include "runtime/lib/ScratchAllocator.h"
#include "runtime/lib/Status.h"
#include "runtime/lib/abi.h"

#include <cstring>
#include <map>
#include <unordered_map>
#include <utility>
#include <vector>

using namespace kiln;

namespace {

constexpr const char *kErrorRecord = "kiln_error";

/// A model loaded onto a CUDA device (real or emulated).
struct CUDAModelState {
  const CUDADriver *driver = nullptr;
  bool emulated = false;
  CUdevice device = 0;
  CUcontext context = nullptr;
  CUmodule module = nullptr;
  std::vector<CUfunction> functions;
  CUdeviceptr weights = 0, errorRecord = 0;
  std::string file;
  std::vector<std::string> sites;
  std::vector<TensorDecl> inputs, outputs;
  LoadedCode code;

  ~CUDAModelState() {
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

  /// "what: the driver's error" (and what the emulated device found).
  std::string describe(const char *what, CUresult r) const {
    std::string text = std::string(what) + " failed: " + driver->describe(r);
    if (driver->takeFailureDetail) {
      std::string detail = driver->takeFailureDetail();
      if (!detail.empty())
        text += ": " + detail;
    }
    return text;
  }
};

class CUDASession;
thread_local CUDASession *currentSession = nullptr;

class CUDASession final : public DeviceSession {
public:
  CUDASession(const CUDAModelState &model, CUstream stream, bool ownsStream)
      : model(model), stream(stream), ownsStream(ownsStream) {}

  ~CUDASession() override {
    const CUDADriver &d = *model.driver;
    d.ctxSetCurrent(model.context);
    d.streamSynchronize(stream);
    for (auto &[bytes, p] : freeBlocks)
      d.memFree(p);
    for (auto &[p, bytes] : liveBlocks)
      d.memFree(p);
    if (ownsStream)
      d.streamDestroy(stream);
  }

  void setScratchLimit(uint64_t bytes) { hostScratch.setLimit(bytes); }

  kiln_status *shapes(const char *fn, void **inputs, int64_t *dims) override {
    // The shapes function reads host data only, and its buffers are host memory.
    hostMode = true;
    enter([&] { model.code.module->shapes(inputs, dims); });
    hostMode = false;
    return takeFailure(fn);
  }

  kiln_status *run(const char *fn, void **arguments) override {
    const CUDADriver &d = *model.driver;
    if (CUresult r = d.ctxSetCurrent(model.context))
      return makeStatus(KILN_INTERNAL, "%s: '%s': %s", fn, model.file.c_str(),
                        model.describe("cuCtxSetCurrent", r).c_str());
    size_t numInputs = model.inputs.size(), total = numInputs + model.outputs.size();
    std::vector<std::vector<int64_t>> descriptors(total);
    std::vector<void *> pointers(total);
    std::vector<CUdeviceptr> buffers(total);
    std::vector<uint64_t> bytes(total);
    enter([&] {
      for (size_t i = 0; i < total; ++i) {
        const TensorDecl &decl = i < numInputs ? model.inputs[i] : model.outputs[i - numInputs];
        size_t rank = decl.dims.size();
        const int64_t *host = static_cast<const int64_t *>(arguments[i]);
        descriptors[i].assign(host, host + 3 + 2 * rank);
        bytes[i] = kiln_element_type_size(decl.elementType);
        for (size_t r = 0; r < rank; ++r)
          bytes[i] *= uint64_t(host[3 + r]);
        buffers[i] = allocateDevice(bytes[i]);
        descriptors[i][0] = descriptors[i][1] = int64_t(buffers[i]);
        descriptors[i][2] = 0;
        pointers[i] = descriptors[i].data();
        if (i < numInputs && bytes[i])
          check(d.memcpyHtoDAsync(buffers[i],
                                  reinterpret_cast<const char *>(intptr_t(host[1])) +
                                      host[2] * kiln_element_type_size(decl.elementType),
                                  bytes[i], stream),
                "copying an input to the device");
      }
      if (failure.empty())
        model.code.module->run(pointers.data());
    });
    if (failure.empty())
      check(d.streamSynchronize(stream), "the run on the device");
    if (failure.empty())
      readErrorRecord();
    for (size_t i = numInputs; i < total && failure.empty(); ++i) {
      const int64_t *host = static_cast<const int64_t *>(arguments[i]);
      if (bytes[i])
        check(d.memcpyDtoHAsync(reinterpret_cast<void *>(intptr_t(host[1])), buffers[i],
                                bytes[i], stream),
              "copying an output from the device");
    }
    if (failure.empty())
      check(d.streamSynchronize(stream), "copying the outputs");
    // The stream is idle now. Every block still live (the run's buffers, and those an
    // abandoned run's code held) goes back to the cache.
    for (auto &[p, size] : liveBlocks)
      freeBlocks.emplace(size, p);
    liveBlocks.clear();
    return takeFailure(fn);
  }

  kiln_status *synchronize(const char *fn) override {
    const CUDADriver &d = *model.driver;
    d.ctxSetCurrent(model.context);
    check(d.streamSynchronize(stream), "cuStreamSynchronize");
    return takeFailure(fn);
  }

  // The services of runtime/lib/abi.h, for the session whose run is in progress.
  static CUDASession &current() { return *currentSession; }

  void *allocate(uint64_t size) {
    if (hostMode) {
      void *p = ScratchAllocator::allocate(size);
      if (!p)
        fail(KILN_RESOURCE_EXHAUSTED, ScratchAllocator::failureReason(size)), abandon();
      return p;
    }
    return reinterpret_cast<void *>(uintptr_t(allocateDevice(size)));
  }

  void release(void *p) {
    if (hostMode)
      return ScratchAllocator::release(p);
    release(CUdeviceptr(reinterpret_cast<uintptr_t>(p)));
  }

  void launch(int64_t kernel, const int64_t *grid, const int64_t *block, int64_t shared,
              const int64_t *params, int64_t count) {
    if (!failure.empty())
      return; // a failed launch poisons the rest of the run
    if (kernel < 0 || size_t(kernel) >= model.functions.size() || count < 0)
      return fail(KILN_INTERNAL, "the model's code launched an unknown kernel " +
                                     std::to_string(kernel));
    // CUDA's limits: grid x < 2^31, grid y and z < 2^16, at most 1024 threads a block.
    for (int i = 0; i < 3; ++i)
      if (grid[i] < 1 || grid[i] > (i ? 65535 : 0x7fffffff) || block[i] < 1 ||
          block[0] * block[1] * block[2] > 1024)
        return fail(KILN_INVALID_ARGUMENT,
                    "kernel " + std::to_string(kernel) + " launched with an invalid grid (" +
                        std::to_string(grid[0]) + "," + std::to_string(grid[1]) + "," +
                        std::to_string(grid[2]) + "): the shapes exceed what one launch covers");
    std::vector<void *> slots(static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i)
      slots[size_t(i)] = const_cast<int64_t *>(params + i);
    check(model.driver->launchKernel(model.functions[size_t(kernel)], unsigned(grid[0]),
                                     unsigned(grid[1]), unsigned(grid[2]), unsigned(block[0]),
                                     unsigned(block[1]), unsigned(block[2]), unsigned(shared),
                                     stream, slots.data(), nullptr),
          "launching kernel " + std::to_string(kernel));
  }

  /// A report from host code (a check on a value read to the host).
  void reportIndexError(const std::string &site, int64_t index, int64_t size) {
    fail(KILN_INVALID_ARGUMENT, site + ": index " + std::to_string(index) +
                                    " is out of range for a dim of size " + std::to_string(size));
  }

  void deviceRead(void *dst, const void *src, int64_t bytes) {
    if (!failure.empty() || bytes <= 0) {
      std::memset(dst, 0, size_t(std::max<int64_t>(bytes, 0)));
      return;
    }
    const CUDADriver &d = *model.driver;
    check(d.memcpyDtoHAsync(dst, CUdeviceptr(reinterpret_cast<uintptr_t>(src)), size_t(bytes),
                            stream),
          "reading device memory");
    check(d.streamSynchronize(stream), "reading device memory");
  }

private:
  template <typename F> void enter(F &&call) {
    CUDASession *outer = currentSession;
    currentSession = this;
    ScratchAllocator::Scope scratchScope(&hostScratch);
    auto trampoline = [](void *f, int64_t, int64_t) {
      (*static_cast<std::remove_reference_t<F> *>(f))();
    };
    if (!callAbandonable(trampoline, &call, 0, 0))
      hostScratch.reclaimInUse();
    currentSession = outer;
  }

  CUdeviceptr allocateDevice(uint64_t size) {
    uint64_t bytes = 256;
    while (bytes < size)
      bytes *= 2;
    auto it = freeBlocks.find(bytes);
    CUdeviceptr p = 0;
    if (it != freeBlocks.end()) {
      p = it->second;
      freeBlocks.erase(it);
    } else if (CUresult r = model.driver->memAlloc(&p, bytes)) {
      fail(KILN_RESOURCE_EXHAUSTED, "cannot allocate " + std::to_string(bytes) +
                                        " bytes of device memory: " + model.driver->describe(r));
      abandon();
    }
    liveBlocks[p] = bytes;
    return p;
  }

  void release(CUdeviceptr p) {
    auto it = liveBlocks.find(p);
    if (it == liveBlocks.end())
      return;
    freeBlocks.emplace(it->second, p);
    liveBlocks.erase(it);
  }

  /// The first index error a kernel reported in this run, as the run's failure; the record
  /// is cleared for the next run.
  void readErrorRecord() {
    if (!model.errorRecord)
      return;
    const CUDADriver &d = *model.driver;
    int64_t record[4] = {};
    check(d.memcpyDtoHAsync(record, model.errorRecord, sizeof record, stream),
          "reading the error record");
    check(d.streamSynchronize(stream), "reading the error record");
    if (!failure.empty() || record[0] == 0)
      return;
    const int64_t zeros[4] = {};
    check(d.memcpyHtoDAsync(model.errorRecord, zeros, sizeof zeros, stream),
          "clearing the error record");
    std::string site = record[0] > 0 && size_t(record[0]) <= model.sites.size()
                           ? model.sites[size_t(record[0] - 1)]
                           : "site " + std::to_string(record[0]);
    reportIndexError(site, record[1], record[2]);
  }

  void check(CUresult r, const std::string &what) {
    if (r)
      fail(KILN_INTERNAL, model.describe(what.c_str(), r));
  }

  void fail(kiln_code code, std::string message) {
    if (failure.empty()) {
      failureCode = code;
      failure = std::move(message);
    }
  }

  kiln_status *takeFailure(const char *fn) {
    if (failure.empty())
      return nullptr;
    std::string message = std::exchange(failure, std::string());
    return makeStatus(failureCode, "%s: '%s': %s", fn, model.file.c_str(), message.c_str());
  }

  const CUDAModelState &model;
  CUstream stream;
  bool ownsStream;
  bool hostMode = false;
  ScratchAllocator hostScratch;
  std::multimap<uint64_t, CUdeviceptr> freeBlocks;
  std::unordered_map<CUdeviceptr, uint64_t> liveBlocks;
  kiln_code failureCode = KILN_OK;
  std::string failure;
};

const kiln_rt_api cudaApi = [] {
  kiln_rt_api api{};
  api.abi_version = KILN_GEN_ABI_VERSION;
  api.size = sizeof(kiln_rt_api);
  api.alloc = [](uint64_t bytes) { return CUDASession::current().allocate(bytes); };
  api.free = [](void *p) { CUDASession::current().release(p); };
  api.index_error = [](const char *site, int64_t index, int64_t size) {
    CUDASession::current().reportIndexError(std::string(site, strnlen(site, 512)), index, size);
  };
  api.launch = [](int64_t kernel, int64_t gx, int64_t gy, int64_t gz, int64_t bx, int64_t by,
                  int64_t bz, int64_t shared, const int64_t *params, int64_t count) {
    const int64_t grid[3] = {gx, gy, gz}, block[3] = {bx, by, bz};
    CUDASession::current().launch(kernel, grid, block, shared, params, count);
  };
  api.device_read = [](void *dst, const void *src, int64_t bytes) {
    CUDASession::current().deviceRead(dst, src, bytes);
  };
  return api;
}();

class CUDAModel final : public DeviceModel {
public:
  kiln_status *createSession(const char *fn, const kiln_options *options,
                             std::unique_ptr<DeviceSession> &out) const override {
    const CUDADriver &d = *state.driver;
    if (CUresult r = d.ctxSetCurrent(state.context))
      return makeStatus(KILN_INTERNAL, "%s: '%s': %s", fn, state.file.c_str(),
                        state.describe("cuCtxSetCurrent", r).c_str());
    CUstream stream = options ? static_cast<CUstream>(options->cudaStream) : nullptr;
    bool owns = !stream;
    if (owns)
      if (CUresult r = d.streamCreate(&stream, 0))
        return makeStatus(KILN_RESOURCE_EXHAUSTED, "%s: '%s': %s", fn, state.file.c_str(),
                          state.describe("cuStreamCreate", r).c_str());
    auto session = std::make_unique<CUDASession>(state, stream, owns);
    if (options)
      session->setScratchLimit(options->maxScratchBytes);
    out = std::move(session);
    return nullptr;
  }

  CUDAModelState state;
};

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
                        "%s: '%s': the artifact has no kernels for the emulated device", fn,
                        file);
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
        return makeStatus(KILN_DATA_LOSS, "%s: '%s': the device module has no error record",
                          fn, file);
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
  s.code.module->bind(&cudaApi, reinterpret_cast<const void *>(uintptr_t(s.weights)));
  out = std::move(model);
  return nullptr;
}
