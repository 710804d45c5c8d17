//===- CUDASession.cpp - runs of a model on a CUDA device -----------------===//
//
// A session owns a stream (or borrows the caller's), an event recorded at the end of each
// run, a cache of device blocks and up to kMaxGraphs CUDA graphs. A run:
//   1. binds each argument to device memory: the caller's, for a tensor bound in device
//      memory, or one of the session's blocks (the blocks a graph was captured with when it
//      replays), and queues the copies of host inputs;
//   2. runs the host code (shape arithmetic and launches on the session's stream); or, at
//      the second run at the same key (the dims, and the addresses of device-resident
//      tensors) when the first read no device memory on the host, captures it into a CUDA
//      graph; or replays that graph;
//   3. queues the copies of host outputs and records the event. With any host output it
//      waits and reads the module's error record (an index a kernel found out of range);
//      otherwise it returns at once, and kiln_session_synchronize does both.
// Blocks go back to the cache when a run ends: later work on the same stream cannot overtake
// the work queued before it, and nothing is freed before the session is released.
//
//===----------------------------------------------------------------------===//

#include "runtime/lib/CUDAModel.h"

#include "runtime/lib/Abandon.h"
#include "runtime/lib/Options.h"
#include "runtime/lib/ScratchAllocator.h"
#include "runtime/lib/Status.h"
#include "runtime/lib/abi.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <unordered_map>
#include <utility>
#include <vector>

using namespace kiln;

namespace {

constexpr size_t kMaxGraphs = 8;

/// A run's arguments on the device: the descriptors the host code reads.
struct DeviceArguments {
  std::vector<std::vector<int64_t>> descriptors;
  std::vector<void *> pointers;
  std::vector<CUdeviceptr> buffers;
  std::vector<uint64_t> bytes;
};

/// The CUDA graph of the runs at one key.
struct GraphEntry {
  std::vector<int64_t> key;
  unsigned eagerRuns = 0;
  bool capturable = true; // no eager run read device memory on the host or failed
  CUgraphExec exec = nullptr;
  std::vector<CUdeviceptr> buffers; // each argument's device memory, as captured
  uint64_t lastUse = 0;
};

class CUDASession;
thread_local CUDASession *currentSession = nullptr;

class CUDASession final : public DeviceSession {
public:
  CUDASession(const CUDAModelState &model, CUstream stream, bool ownsStream, bool graphs,
              CUevent done)
      : model(model), stream(stream), ownsStream(ownsStream), graphsEnabled(graphs && stream),
        done(done) {}

  ~CUDASession() override {
    const CUDADriver &d = *model.driver;
    d.ctxSetCurrent(model.context);
    if (recorded)
      d.eventSynchronize(done);
    for (GraphEntry &g : graphs)
      if (g.exec)
        d.graphExecDestroy(g.exec);
    for (auto &[bytes, p] : freeBlocks)
      d.memFree(p);
    for (auto &[p, bytes] : liveBlocks)
      d.memFree(p);
    d.eventDestroy(done);
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

  kiln_status *run(const char *fn, void **arguments, const bool *onDevice) override {
    if (kiln_status *s = model.checkUsable(fn))
      return s;
    const CUDADriver &d = *model.driver;
    if (CUresult r = d.ctxSetCurrent(model.context))
      return makeStatus(KILN_INTERNAL, "%s: '%s': %s", fn, model.file.c_str(),
                        model.describe("cuCtxSetCurrent", r).c_str());
    GraphEntry *graph = graphsEnabled ? findGraph(arguments, onDevice) : nullptr;
    bool replay = graph && graph->exec;
    DeviceArguments args;
    enter([&] { bind(arguments, onDevice, replay ? &graph->buffers : nullptr, args); });
    if (failure.empty()) {
      if (replay)
        check(d.graphLaunch(graph->exec, stream), "launching the run's CUDA graph");
      else if (graph && graph->eagerRuns && graph->capturable)
        capture(*graph, args);
      else
        runEagerly(graph, args);
    }
    bool hostOutputs = false;
    for (size_t i = model.inputs.size(); i < args.bytes.size() && failure.empty(); ++i) {
      if (onDevice[i] || !args.bytes[i])
        continue;
      hostOutputs = true;
      const int64_t *host = static_cast<const int64_t *>(arguments[i]);
      check(d.memcpyDtoHAsync(reinterpret_cast<void *>(intptr_t(host[1])), args.buffers[i],
                              args.bytes[i], stream),
            "copying an output from the device");
    }
    // Recorded even after a failure: the work queued before it must end before the session
    // reuses or frees its blocks.
    if (!d.eventRecord(done, stream))
      recorded = true;
    unchecked = recorded;
    if (failure.empty() && hostOutputs)
      finish();
    for (auto &[p, size] : liveBlocks)
      freeBlocks.emplace(size, p);
    liveBlocks.clear();
    return takeFailure(fn);
  }

  kiln_status *synchronize(const char *fn) override {
    if (kiln_status *s = model.checkUsable(fn))
      return s;
    model.driver->ctxSetCurrent(model.context);
    if (unchecked) // a run that returned without waiting
      finish();
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
    auto it = liveBlocks.find(CUdeviceptr(reinterpret_cast<uintptr_t>(p)));
    if (it == liveBlocks.end())
      return;
    freeBlocks.emplace(it->second, it->first);
    liveBlocks.erase(it);
  }

  void launch(int64_t kernel, const int64_t *grid, const int64_t *block, int64_t shared,
              const int64_t *params, int64_t count) {
    if (!failure.empty())
      return; // a failed launch poisons the rest of the run
    if (kernel < 0 || size_t(kernel) >= model.functions.size() || count < 0)
      return fail(KILN_INTERNAL,
                  "the model's code launched an unknown kernel " + std::to_string(kernel));
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
    ++deviceReads;
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

  /// Device memory for every argument (`captured`: a replayed graph's), and the copies of
  /// the host inputs into it.
  void bind(void **arguments, const bool *onDevice, const std::vector<CUdeviceptr> *captured,
            DeviceArguments &args) {
    size_t numInputs = model.inputs.size(), total = numInputs + model.outputs.size();
    args.descriptors.resize(total);
    args.pointers.resize(total);
    args.buffers.resize(total);
    args.bytes.resize(total);
    for (size_t i = 0; i < total; ++i) {
      const TensorDecl &decl = i < numInputs ? model.inputs[i] : model.outputs[i - numInputs];
      size_t rank = decl.dims.size(), elementSize = kiln_element_type_size(decl.elementType);
      const int64_t *host = static_cast<const int64_t *>(arguments[i]);
      args.descriptors[i].assign(host, host + 3 + 2 * rank);
      args.bytes[i] = elementSize;
      for (size_t r = 0; r < rank; ++r)
        args.bytes[i] *= uint64_t(host[3 + r]);
      CUdeviceptr data = CUdeviceptr(host[1] + host[2] * int64_t(elementSize));
      args.buffers[i] = onDevice[i] ? data
                        : captured  ? (*captured)[i]
                                    : allocateDevice(args.bytes[i]);
      args.descriptors[i][0] = args.descriptors[i][1] = int64_t(args.buffers[i]);
      args.descriptors[i][2] = 0;
      args.pointers[i] = args.descriptors[i].data();
      if (i < numInputs && !onDevice[i] && args.bytes[i])
        check(model.driver->memcpyHtoDAsync(args.buffers[i],
                                            reinterpret_cast<const void *>(uintptr_t(data)),
                                            args.bytes[i], stream),
              "copying an input to the device");
    }
  }

  /// The graph entry of this run's key (dims, and where device-resident tensors are), made
  /// if new; the least recently used one is dropped to make room.
  GraphEntry *findGraph(void **arguments, const bool *onDevice) {
    std::vector<int64_t> key;
    size_t numInputs = model.inputs.size(), total = numInputs + model.outputs.size();
    for (size_t i = 0; i < total; ++i) {
      size_t rank = (i < numInputs ? model.inputs[i] : model.outputs[i - numInputs]).dims.size();
      const int64_t *host = static_cast<const int64_t *>(arguments[i]);
      key.insert(key.end(), host + 3, host + 3 + rank);
      key.push_back(onDevice[i] ? host[1] + host[2] : -1);
    }
    ++clock;
    for (GraphEntry &g : graphs)
      if (g.key == key)
        return g.lastUse = clock, &g;
    if (graphs.size() == kMaxGraphs) {
      auto oldest = std::min_element(graphs.begin(), graphs.end(),
                                     [](auto &a, auto &b) { return a.lastUse < b.lastUse; });
      if (oldest->exec) // freed by the driver once any replay in flight is done
        model.driver->graphExecDestroy(oldest->exec);
      graphs.erase(oldest);
    }
    graphs.push_back(GraphEntry{std::move(key), 0, true, nullptr, {}, clock});
    return &graphs.back();
  }

  void runEagerly(GraphEntry *graph, DeviceArguments &args) {
    uint64_t reads = deviceReads;
    enter([&] { model.code.module->run(args.pointers.data()); });
    if (!graph)
      return;
    ++graph->eagerRuns;
    if (reads != deviceReads || !failure.empty())
      graph->capturable = false;
  }

  /// Captures the host code's launches into `graph` and launches it; when the capture fails
  /// (nothing ran), the run is made eagerly and the key is not captured again.
  void capture(GraphEntry &graph, DeviceArguments &args) {
    const CUDADriver &d = *model.driver;
    if (d.streamBeginCapture(stream, kStreamCaptureModeRelaxed)) {
      discardFailureDetail();
      graph.capturable = false;
      return runEagerly(&graph, args);
    }
    uint64_t reads = deviceReads;
    enter([&] { model.code.module->run(args.pointers.data()); });
    CUgraph captured = nullptr;
    CUgraphExec exec = nullptr;
    bool ok = !d.streamEndCapture(stream, &captured) && captured && failure.empty() &&
              reads == deviceReads && !d.graphInstantiate(&exec, captured, 0);
    if (captured)
      d.graphDestroy(captured);
    if (!ok) {
      if (exec)
        d.graphExecDestroy(exec);
      discardFailureDetail();
      failure.clear();
      failureCode = KILN_OK;
      graph.capturable = false;
      return runEagerly(&graph, args);
    }
    graph.exec = exec;
    graph.buffers = args.buffers;
    check(d.graphLaunch(exec, stream), "launching the run's CUDA graph");
  }

  void discardFailureDetail() {
    if (model.driver->takeFailureDetail)
      model.driver->takeFailureDetail();
  }

  /// Waits for the session's work, then reports the first index error a kernel recorded.
  void finish() {
    unchecked = false;
    if (recorded)
      check(model.driver->eventSynchronize(done), "the run on the device");
    if (failure.empty())
      readErrorRecord();
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

  /// The first index error a kernel reported, as the run's failure; the record is cleared.
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
    if (!r)
      return;
    std::string message = model.describe(what.c_str(), r);
    if (isStickyCUDAError(r))
      model.poison(message);
    fail(KILN_INTERNAL, std::move(message));
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
  bool ownsStream, graphsEnabled;
  CUevent done;
  bool recorded = false;  // `done` has been recorded
  bool unchecked = false; // work queued since the last wait and error-record read
  bool hostMode = false;
  uint64_t deviceReads = 0, clock = 0;
  ScratchAllocator hostScratch;
  std::multimap<uint64_t, CUdeviceptr> freeBlocks;
  std::unordered_map<CUdeviceptr, uint64_t> liveBlocks;
  std::vector<GraphEntry> graphs;
  kiln_code failureCode = KILN_OK;
  std::string failure;
};

} // namespace

namespace kiln {

const kiln_rt_api &cudaRuntimeApi() {
  static const kiln_rt_api api = [] {
    kiln_rt_api a{};
    a.abi_version = KILN_GEN_ABI_VERSION;
    a.size = sizeof(kiln_rt_api);
    a.alloc = [](uint64_t bytes) { return CUDASession::current().allocate(bytes); };
    a.free = [](void *p) { CUDASession::current().release(p); };
    a.index_error = [](const char *site, int64_t index, int64_t size) {
      CUDASession::current().reportIndexError(std::string(site, strnlen(site, 512)), index, size);
    };
    a.launch = [](int64_t kernel, int64_t gx, int64_t gy, int64_t gz, int64_t bx, int64_t by,
                  int64_t bz, int64_t shared, const int64_t *params, int64_t count) {
      const int64_t grid[3] = {gx, gy, gz}, block[3] = {bx, by, bz};
      CUDASession::current().launch(kernel, grid, block, shared, params, count);
    };
    a.device_read = [](void *dst, const void *src, int64_t bytes) {
      CUDASession::current().deviceRead(dst, src, bytes);
    };
    return a;
  }();
  return api;
}

kiln_status *createCUDASession(const char *fn, const CUDAModelState &model,
                               const kiln_options *options, std::unique_ptr<DeviceSession> &out) {
  if (kiln_status *s = model.checkUsable(fn))
    return s;
  const CUDADriver &d = *model.driver;
  auto driverError = [&](const char *what, CUresult r) {
    return makeStatus(isStickyCUDAError(r) ? KILN_INTERNAL : KILN_RESOURCE_EXHAUSTED,
                      "%s: '%s': %s", fn, model.file.c_str(), model.describe(what, r).c_str());
  };
  if (CUresult r = d.ctxSetCurrent(model.context))
    return driverError("cuCtxSetCurrent", r);
  bool borrowed = options && options->cudaStreamSet;
  CUstream stream = borrowed ? static_cast<CUstream>(options->cudaStream) : nullptr;
  if (!borrowed)
    if (CUresult r = d.streamCreate(&stream, kStreamNonBlocking))
      return driverError("cuStreamCreate", r);
  CUevent done = nullptr;
  if (CUresult r = d.eventCreate(&done, kEventDisableTiming)) {
    if (!borrowed)
      d.streamDestroy(stream);
    return driverError("cuEventCreate", r);
  }
  auto session = std::make_unique<CUDASession>(model, stream, !borrowed,
                                               options ? options->cudaGraphs : true, done);
  if (options)
    session->setScratchLimit(options->maxScratchBytes);
  out = std::move(session);
  return nullptr;
}

} // namespace kiln
