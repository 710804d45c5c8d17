//===- CUDAEmulator.cpp - the emulated CUDA device ------------------------===//
//
// The driver half of the emulated device: memory, streams, events, graphs and the sticky
// error a faulting kernel leaves, behind the same CUDADriver table as libcuda. Work is
// asynchronous as on a GPU: launches and copies to the device are queued and run when
// something waits (a stream or event synchronisation, a copy to host memory), so a runtime
// that reads results without waiting reads stale memory here too. The queue is one FIFO for
// all streams, a legal order for any program that does not rely on two streams running
// concurrently. Kernels run in CUDAEmulatorGrid.cpp.
//
//===----------------------------------------------------------------------===//

#include "runtime/lib/CUDAEmulator.h"

#include "runtime/lib/CUDAEmulatorGrid.h"
#include "runtime/lib/abi.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

using namespace kiln;

namespace {

// The CUresult values the emulator returns (the driver's numbering).
constexpr CUresult kSuccess = 0, kInvalidValue = 1, kOutOfMemory = 2, kInvalidImage = 200,
                   kInvalidHandle = 400, kIllegalState = 401, kNotFound = 500,
                   kNotReady = kErrorNotReady, kIllegalAddress = kErrorIllegalAddress,
                   kLaunchFailed = 719, kCaptureUnsupported = 900, kCaptureInvalidated = 901;
constexpr int kEmulatedCapability = 90;

/// A queued operation; false, with what went wrong, when it faults.
using Operation = std::function<bool(std::string &failure)>;

struct Graph {
  std::vector<Operation> operations;
  size_t kernels = 0;
};

struct Stream {
  std::unique_ptr<Graph> capture; // while the stream is being captured
  bool invalidated = false;       // an operation the capture cannot hold was attempted
};

struct Event {
  bool recorded = false;
  uint64_t position = 0; // the operations queued before it was recorded
};

/// The emulated device's state: one context, one queue.
struct Device {
  std::mutex mutex;
  int contextRefs = 0;
  CUresult sticky = kSuccess; // a kernel faulted: every later call fails
  std::string stickyDetail;
  std::string lastDetail; // what the last failed call found, for takeFailureDetail
  std::deque<Operation> queue;
  uint64_t queued = 0, executed = 0;
  Stream legacy;                           // the NULL stream, which cannot be captured
  std::map<uintptr_t, size_t> allocations; // base -> bytes, for cuPointerGetAttribute
  bool trace = [] {
    const char *s = getenv("KILN_EMULATOR_TRACE");
    return s && *s && *s != '0';
  }();

  Stream &stream(CUstream s) { return s ? *static_cast<Stream *>(s) : legacy; }

  /// Runs queued operations until `position` of them have run; a fault makes the context
  /// sticky and drops the rest.
  CUresult drain(uint64_t position) {
    while (executed < position && !queue.empty()) {
      Operation op = std::move(queue.front());
      queue.pop_front();
      ++executed;
      std::string failure;
      if (!op(failure)) {
        sticky = kIllegalAddress;
        stickyDetail = std::move(failure);
        executed += queue.size();
        queue.clear();
      }
    }
    return status();
  }
  CUresult drainAll() { return drain(queued); }

  /// The sticky error, if any, with its detail for takeFailureDetail.
  CUresult status() {
    if (sticky)
      lastDetail = stickyDetail;
    return sticky;
  }

  /// Queues `op` on `s`, or adds it to the graph `s` is capturing.
  CUresult enqueue(Stream &s, Operation op, bool kernel) {
    if (s.capture) {
      if (s.invalidated)
        return kCaptureInvalidated;
      s.capture->operations.push_back(std::move(op));
      s.capture->kernels += kernel;
      return kSuccess;
    }
    queue.push_back(std::move(op));
    ++queued;
    return kSuccess;
  }

  /// An operation a capture cannot hold: it invalidates the capture.
  CUresult refuseInCapture(Stream &s) {
    s.invalidated = true;
    lastDetail = "the operation cannot be captured into a CUDA graph";
    return kCaptureUnsupported;
  }

  /// The streams being captured in a mode that forbids unsafe calls (cuMemAlloc).
  std::vector<Stream *> strictCaptures;
  void endStrictCapture(Stream *s) {
    strictCaptures.erase(std::remove(strictCaptures.begin(), strictCaptures.end(), s),
                         strictCaptures.end());
  }

  /// Prints the line `text()` makes when tracing (it is not built otherwise).
  template <typename F> void log(F &&text) {
    if (trace)
      fprintf(stderr, "kiln-emulator: %s\n", std::string(text()).c_str());
  }
};

Device &device() {
  static Device *d = new Device; // never destroyed: sessions may outlive static destructors
  return *d;
}

/// Locks the device and fails with the sticky error, if any.
#define LOCK_DEVICE()                                                                              \
  Device &dev = device();                                                                          \
  std::lock_guard<std::mutex> lock(dev.mutex);                                                     \
  if (CUresult sticky = dev.status())                                                              \
  return sticky

std::string takeFailureDetail() {
  Device &dev = device();
  std::lock_guard<std::mutex> lock(dev.mutex);
  return std::exchange(dev.lastDetail, std::string());
}

CUresult launchKernel(CUfunction function, unsigned gx, unsigned gy, unsigned gz, unsigned bx,
                      unsigned by, unsigned bz, unsigned, CUstream stream, void **params,
                      void **extra) {
  LOCK_DEVICE();
  auto *kernel = static_cast<const kiln_emu_kernel *>(function);
  uint64_t threads = uint64_t(bx) * by * bz;
  if (!kernel || !threads || threads > 1024 || !gx || !gy || !gz || extra ||
      (kernel->num_params && !params))
    return kInvalidValue;
  // The parameters are copied at the launch, as cuLaunchKernel does: the runtime passes each
  // in an 8-byte slot (codegen/CUDA/LaunchToRuntime.cpp).
  std::vector<int64_t> values(kernel->num_params);
  for (uint32_t i = 0; i < kernel->num_params; ++i)
    std::memcpy(&values[i], params[i], sizeof(int64_t));
  std::array<unsigned, 3> grid = {gx, gy, gz}, block = {bx, by, bz};
  dev.log([&] {
    return "launch '" + std::string(kernel->name) + "'" +
           (dev.stream(stream).capture ? " (captured)" : "");
  });
  Operation op = [kernel, values, grid, block](std::string &failure) mutable {
    std::vector<void *> slots(values.size());
    for (size_t i = 0; i < values.size(); ++i)
      slots[i] = &values[i];
    return runGrid(*kernel, grid.data(), block.data(), slots.data(), failure);
  };
  return dev.enqueue(dev.stream(stream), std::move(op), /*kernel=*/true);
}

CUresult memAlloc(CUdeviceptr *out, size_t bytes) {
  LOCK_DEVICE();
  for (Stream *s : dev.strictCaptures)
    if (s->capture)
      return dev.refuseInCapture(*s);
  size_t rounded = (std::max<size_t>(bytes, 1) + 255) / 256 * 256;
  void *p = aligned_alloc(256, rounded);
  if (!p)
    return kOutOfMemory;
  // Poisoned: all-ones bytes are NaN in every float type, so an output element that no kernel
  // writes, or a scratch buffer read before it is written, shows up in the results.
  std::memset(p, 0xFF, rounded);
  dev.allocations[reinterpret_cast<uintptr_t>(p)] = bytes;
  dev.log([&] { return "alloc " + std::to_string(bytes) + " bytes"; });
  *out = CUdeviceptr(reinterpret_cast<uintptr_t>(p));
  return kSuccess;
}

CUresult memFree(CUdeviceptr p) {
  Device &dev = device();
  std::lock_guard<std::mutex> lock(dev.mutex);
  // Memory is freed once the work queued before it has run, as cuMemFree synchronises.
  dev.drainAll();
  auto it = dev.allocations.find(uintptr_t(p));
  if (it == dev.allocations.end())
    return p ? kInvalidValue : kSuccess;
  dev.allocations.erase(it);
  free(reinterpret_cast<void *>(uintptr_t(p)));
  return kSuccess;
}

CUresult memcpyHtoDAsync(CUdeviceptr dst, const void *src, size_t bytes, CUstream stream) {
  LOCK_DEVICE();
  Stream &s = dev.stream(stream);
  if (s.capture)
    return dev.refuseInCapture(s); // from pageable host memory
  // From pageable memory the source is staged at the call, so the caller may reuse it.
  auto staged = std::make_shared<std::vector<char>>(static_cast<const char *>(src),
                                                    static_cast<const char *>(src) + bytes);
  return dev.enqueue(
      s,
      [dst, staged](std::string &) {
        std::memcpy(reinterpret_cast<void *>(uintptr_t(dst)), staged->data(), staged->size());
        return true;
      },
      false);
}

CUresult memcpyDtoHAsync(void *dst, CUdeviceptr src, size_t bytes, CUstream stream) {
  LOCK_DEVICE();
  Stream &s = dev.stream(stream);
  if (s.capture)
    return dev.refuseInCapture(s);
  // To pageable memory the copy is complete when the call returns: everything queued before
  // it runs first.
  if (CUresult r = dev.drainAll())
    return r;
  std::memcpy(dst, reinterpret_cast<const void *>(uintptr_t(src)), bytes);
  return kSuccess;
}

CUresult streamCreate(CUstream *out, unsigned) {
  LOCK_DEVICE();
  *out = new Stream;
  return kSuccess;
}

CUresult streamDestroy(CUstream stream) {
  if (!stream)
    return kInvalidHandle;
  Device &dev = device();
  std::lock_guard<std::mutex> lock(dev.mutex);
  auto *s = static_cast<Stream *>(stream);
  dev.endStrictCapture(s);
  delete s; // its queued work still runs, as with cuStreamDestroy
  return kSuccess;
}

CUresult streamSynchronize(CUstream stream) {
  LOCK_DEVICE();
  Stream &s = dev.stream(stream);
  if (s.capture)
    return dev.refuseInCapture(s);
  return dev.drainAll();
}

CUresult eventCreate(CUevent *out, unsigned) {
  LOCK_DEVICE();
  *out = new Event;
  return kSuccess;
}

CUresult eventRecord(CUevent event, CUstream stream) {
  LOCK_DEVICE();
  if (!event)
    return kInvalidHandle;
  Stream &s = dev.stream(stream);
  if (s.capture)
    return dev.refuseInCapture(s);
  auto *e = static_cast<Event *>(event);
  e->recorded = true;
  e->position = dev.queued;
  return kSuccess;
}

CUresult eventQuery(CUevent event) {
  LOCK_DEVICE();
  auto *e = static_cast<Event *>(event);
  if (!e)
    return kInvalidHandle;
  return !e->recorded || dev.executed >= e->position ? kSuccess : kNotReady;
}

CUresult eventSynchronize(CUevent event) {
  LOCK_DEVICE();
  auto *e = static_cast<Event *>(event);
  if (!e)
    return kInvalidHandle;
  return e->recorded ? dev.drain(e->position) : kSuccess;
}

CUresult eventDestroy(CUevent event) {
  delete static_cast<Event *>(event);
  return kSuccess;
}

CUresult streamBeginCapture(CUstream stream, int mode) {
  LOCK_DEVICE();
  if (!stream)
    return kCaptureUnsupported; // the legacy stream cannot be captured
  Stream &s = dev.stream(stream);
  if (s.capture)
    return kIllegalState;
  s.capture = std::make_unique<Graph>();
  s.invalidated = false;
  if (mode != kStreamCaptureModeRelaxed)
    dev.strictCaptures.push_back(&s);
  dev.log([] { return "capture begins"; });
  return kSuccess;
}

CUresult streamEndCapture(CUstream stream, CUgraph *out) {
  LOCK_DEVICE();
  Stream &s = dev.stream(stream);
  if (!s.capture)
    return kIllegalState;
  dev.endStrictCapture(&s);
  std::unique_ptr<Graph> graph = std::move(s.capture);
  *out = nullptr;
  if (s.invalidated)
    return kCaptureInvalidated;
  dev.log([&] { return "capture ends: " + std::to_string(graph->kernels) + " kernels"; });
  *out = graph.release();
  return kSuccess;
}

CUresult graphInstantiate(CUgraphExec *out, CUgraph graph, unsigned long long) {
  LOCK_DEVICE();
  if (!graph)
    return kInvalidHandle;
  *out = new Graph(*static_cast<Graph *>(graph));
  return kSuccess;
}

CUresult graphLaunch(CUgraphExec exec, CUstream stream) {
  LOCK_DEVICE();
  auto *g = static_cast<Graph *>(exec);
  if (!g)
    return kInvalidHandle;
  Stream &s = dev.stream(stream);
  if (s.capture)
    return dev.refuseInCapture(s);
  dev.log([&] { return "graph launch: " + std::to_string(g->kernels) + " kernels"; });
  for (const Operation &op : g->operations)
    dev.enqueue(s, op, true);
  return kSuccess;
}

CUresult graphDestroy(CUgraph graph) {
  delete static_cast<Graph *>(graph);
  return kSuccess;
}

CUresult pointerGetAttribute(void *data, int attribute, CUdeviceptr pointer) {
  LOCK_DEVICE();
  auto it = dev.allocations.upper_bound(uintptr_t(pointer));
  if (it == dev.allocations.begin())
    return kInvalidValue; // not device memory (host memory unknown to the driver)
  --it;
  if (uintptr_t(pointer) >= it->first + std::max<size_t>(it->second, 1))
    return kInvalidValue;
  switch (attribute) {
  case kPointerAttributeMemoryType:
    *static_cast<unsigned *>(data) = kMemoryTypeDevice;
    return kSuccess;
  case kPointerAttributeIsManaged:
    *static_cast<unsigned *>(data) = 0;
    return kSuccess;
  case kPointerAttributeOrdinal:
    *static_cast<int *>(data) = 0;
    return kSuccess;
  case kPointerAttributeRangeStart:
    *static_cast<CUdeviceptr *>(data) = CUdeviceptr(it->first);
    return kSuccess;
  case kPointerAttributeRangeSize:
    *static_cast<size_t *>(data) = it->second;
    return kSuccess;
  default:
    return kInvalidValue;
  }
}

CUresult primaryCtxRetain(CUcontext *out, CUdevice) {
  static int context;
  Device &dev = device();
  std::lock_guard<std::mutex> lock(dev.mutex);
  ++dev.contextRefs;
  *out = &context;
  return kSuccess;
}

/// The last release resets the context, as cuDevicePrimaryCtxRelease does: a fault's sticky
/// error ends with it.
CUresult primaryCtxRelease(CUdevice) {
  Device &dev = device();
  std::lock_guard<std::mutex> lock(dev.mutex);
  if (dev.contextRefs > 0 && --dev.contextRefs == 0) {
    dev.drainAll();
    dev.sticky = kSuccess;
    dev.stickyDetail.clear();
  }
  return kSuccess;
}

CUresult moduleGetFunction(CUfunction *out, CUmodule module, const char *name) {
  auto *image = static_cast<const kiln_emu_image *>(module);
  for (uint32_t i = 0; image && i < image->num_kernels; ++i)
    if (!strcmp(image->kernels[i].name, name)) {
      *out = const_cast<kiln_emu_kernel *>(&image->kernels[i]);
      return kSuccess;
    }
  return kNotFound;
}

CUresult moduleGetGlobal(CUdeviceptr *address, size_t *bytes, CUmodule module, const char *name) {
  auto *image = static_cast<const kiln_emu_image *>(module);
  for (uint32_t i = 0; image && i < image->num_globals; ++i)
    if (!strcmp(image->globals[i].name, name)) {
      if (address)
        *address = CUdeviceptr(reinterpret_cast<uintptr_t>(image->globals[i].address));
      if (bytes)
        *bytes = image->globals[i].bytes;
      return kSuccess;
    }
  return kNotFound;
}

CUresult errorString(CUresult error, const char **text) {
  switch (error) {
  case kSuccess:
    *text = "CUDA_SUCCESS (emulated device)";
    return kSuccess;
  case kInvalidValue:
    *text = "CUDA_ERROR_INVALID_VALUE (emulated device)";
    return kSuccess;
  case kOutOfMemory:
    *text = "CUDA_ERROR_OUT_OF_MEMORY (emulated device)";
    return kSuccess;
  case kInvalidImage:
    *text = "CUDA_ERROR_INVALID_IMAGE: not an emulation image";
    return kSuccess;
  case kInvalidHandle:
    *text = "CUDA_ERROR_INVALID_HANDLE (emulated device)";
    return kSuccess;
  case kIllegalState:
    *text = "CUDA_ERROR_ILLEGAL_STATE (emulated device)";
    return kSuccess;
  case kNotFound:
    *text = "CUDA_ERROR_NOT_FOUND (emulated device)";
    return kSuccess;
  case kNotReady:
    *text = "CUDA_ERROR_NOT_READY (emulated device)";
    return kSuccess;
  case kIllegalAddress:
    *text = "CUDA_ERROR_ILLEGAL_ADDRESS (emulated device)";
    return kSuccess;
  case kLaunchFailed:
    *text = "CUDA_ERROR_LAUNCH_FAILED (emulated device)";
    return kSuccess;
  case kCaptureUnsupported:
    *text = "CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED (emulated device)";
    return kSuccess;
  case kCaptureInvalidated:
    *text = "CUDA_ERROR_STREAM_CAPTURE_INVALIDATED (emulated device)";
    return kSuccess;
  default:
    return kInvalidValue;
  }
}

CUDADriver makeDriver() {
  CUDADriver d;
  d.init = [](unsigned) { return kSuccess; };
  d.deviceGetCount = [](int *count) { return *count = 1, kSuccess; };
  d.deviceGet = [](CUdevice *device, int ordinal) {
    return ordinal == 0 ? (*device = 0, kSuccess) : kInvalidValue;
  };
  d.deviceGetAttribute = [](int *value, int attribute, CUdevice) {
    *value = attribute == 75 ? kEmulatedCapability / 10 : 0;
    return kSuccess;
  };
  d.getErrorString = errorString;
  d.primaryCtxRetain = primaryCtxRetain;
  d.primaryCtxRelease = primaryCtxRelease;
  d.ctxSetCurrent = [](CUcontext) { return kSuccess; };
  d.moduleLoadData = [](CUmodule *out, const void *image) {
    auto *emu = static_cast<const kiln_emu_image *>(image);
    if (!emu || emu->magic != KILN_EMU_MAGIC)
      return kInvalidImage;
    *out = const_cast<kiln_emu_image *>(emu);
    return kSuccess;
  };
  d.moduleUnload = [](CUmodule) {
    // The queued launches of the module's kernels run before its code goes.
    Device &dev = device();
    std::lock_guard<std::mutex> lock(dev.mutex);
    dev.drainAll();
    return kSuccess;
  };
  d.moduleGetFunction = moduleGetFunction;
  d.moduleGetGlobal = moduleGetGlobal;
  d.memAlloc = memAlloc;
  d.memFree = memFree;
  d.memcpyHtoDAsync = memcpyHtoDAsync;
  d.memcpyDtoHAsync = memcpyDtoHAsync;
  d.launchKernel = launchKernel;
  d.streamCreate = streamCreate;
  d.streamDestroy = streamDestroy;
  d.streamSynchronize = streamSynchronize;
  d.eventCreate = eventCreate;
  d.eventRecord = eventRecord;
  d.eventQuery = eventQuery;
  d.eventSynchronize = eventSynchronize;
  d.eventDestroy = eventDestroy;
  d.streamBeginCapture = streamBeginCapture;
  d.streamEndCapture = streamEndCapture;
  d.graphInstantiate = graphInstantiate;
  d.graphLaunch = graphLaunch;
  d.graphExecDestroy = graphDestroy;
  d.graphDestroy = graphDestroy;
  d.pointerGetAttribute = pointerGetAttribute;
  d.takeFailureDetail = takeFailureDetail;
  return d;
}

} // namespace

const CUDADriver &kiln::emulatedCUDADriver() {
  static const CUDADriver driver = makeDriver();
  return driver;
}
