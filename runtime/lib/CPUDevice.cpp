//===- CPUDevice.cpp - the CPU backend of the runtime ---------------------===//
//
// A CPU artifact's code is a shared object: it is written to an anonymous file and dlopened
// (a private instance per model), checked against the metadata and bound to the runtime's
// services (GEMM, parallel loops on the session's threads, scratch memory, error reports:
// runtime/lib/abi.h). A session owns its threads and its scratch cache; a run calls the code
// on the caller's buffers as an abandonable entry (Abandon.h), so an out-of-memory inside
// generated code fails the run instead of the process.
//
//===----------------------------------------------------------------------===//

#include "runtime/lib/Device.h"

#include "artifact/ArtifactReader.h"
#include "runtime/lib/Abandon.h"
#include "runtime/lib/Gemm.h"
#include "runtime/lib/LoadedCode.h"
#include "runtime/lib/Options.h"
#include "runtime/lib/ScratchAllocator.h"
#include "runtime/lib/Status.h"
#include "runtime/lib/ThreadPool.h"
#include "runtime/lib/abi.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <sched.h>
#include <sys/mman.h>
#include <system_error>
#include <type_traits>
#include <unistd.h>
#include <vector>

using namespace kiln;

namespace {

const kiln_rt_api runtimeApi = {
    KILN_GEN_ABI_VERSION,
    sizeof(kiln_rt_api),
    [](int64_t m, int64_t n, int64_t k, const float *a, int64_t aSm, int64_t aSk, const float *b,
       int64_t bSk, int64_t bSn, float *c, int64_t cSm, int64_t cSn) {
      gemmF32(m, n, k, a, aSm, aSk, b, bSk, bSn, c, cSm, cSn);
    },
    [](int64_t n, int64_t grain, void (*body)(void *, int64_t, int64_t), void *closure) {
      if (ThreadPool *pool = ThreadPool::current())
        pool->parallelFor(n, grain, body, closure);
      else
        body(closure, 0, n);
    },
    [](uint64_t bytes) {
      void *p = ScratchAllocator::allocate(bytes);
      if (!p && canAbandon()) {
        if (ThreadPool *pool = ThreadPool::current())
          pool->reportFailure(KILN_RESOURCE_EXHAUSTED, ScratchAllocator::failureReason(bytes));
        abandon();
      }
      return p;
    },
    [](void *ptr) { ScratchAllocator::release(ptr); },
    [](const char *site, int64_t index, int64_t size) {
      if (ThreadPool *pool = ThreadPool::current())
        pool->reportFailure(KILN_INVALID_ARGUMENT,
                            std::string(site, strnlen(site, 512)) + ": index " +
                            std::to_string(index) + " is out of range for a dim of size " +
                            std::to_string(size));
    },
};

int defaultThreads() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0)
    return std::max(1, CPU_COUNT(&set));
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? int(n) : 1;
}

/// Refuses code compiled for instructions this CPU lacks instead of dying on SIGILL.
kiln_status *checkCPUFeatures(const char *fn, const char *file, const ArtifactContents &c) {
#if defined(__x86_64__)
  // Refuse code compiled for instructions this CPU lacks instead of dying on SIGILL.
  struct Feature { const char *llvmName, *gccName; };
  static const Feature features[] = {{"+avx512f", "avx512f"}, {"+avx2", "avx2"},
                                     {"+fma", "fma"},         {"+avx", "avx"},
                                     {"+f16c", "f16c"},       {"+avx512bw", "avx512bw"},
                                     {"+avx512vl", "avx512vl"}, {"+avx512dq", "avx512dq"},
                                     {"+avx512bf16", "avx512bf16"}, {"+avx512fp16", "avx512fp16"}};
  __builtin_cpu_init();
  std::string missing;
  for (const Feature &f : features) {
    const std::string &list = c.cpuFeatures;
    size_t at = list.find(f.llvmName);
    bool listed = at != std::string::npos &&
                  (at + strlen(f.llvmName) == list.size() || list[at + strlen(f.llvmName)] == ',');
    bool have = true;
    if (!strcmp(f.gccName, "avx512f")) have = __builtin_cpu_supports("avx512f");
    else if (!strcmp(f.gccName, "avx2")) have = __builtin_cpu_supports("avx2");
    else if (!strcmp(f.gccName, "fma")) have = __builtin_cpu_supports("fma");
    else if (!strcmp(f.gccName, "avx")) have = __builtin_cpu_supports("avx");
    else if (!strcmp(f.gccName, "f16c")) have = __builtin_cpu_supports("f16c");
    else if (!strcmp(f.gccName, "avx512bw")) have = __builtin_cpu_supports("avx512bw");
    else if (!strcmp(f.gccName, "avx512vl")) have = __builtin_cpu_supports("avx512vl");
    else if (!strcmp(f.gccName, "avx512dq")) have = __builtin_cpu_supports("avx512dq");
    else if (!strcmp(f.gccName, "avx512bf16")) have = __builtin_cpu_supports("avx512bf16");
    else if (!strcmp(f.gccName, "avx512fp16")) have = __builtin_cpu_supports("avx512fp16");
    if (listed && !have)
      missing += std::string(missing.empty() ? "" : ",") + f.llvmName;
  }
  if (!missing.empty())
    return makeStatus(KILN_FAILED_PRECONDITION,
                      "%s: '%s': compiled for %s (cpu '%s'), which this CPU lacks; recompile "
                      "with --cpu=x86-64-v2 or for this machine",
                      fn, file, missing.c_str(), c.cpu.c_str());
#endif
  return nullptr;
}

class CPUSession final : public DeviceSession {
public:
  CPUSession(const kiln_gen_module *module, std::string file, std::unique_ptr<ThreadPool> pool)
      : module(module), file(std::move(file)), pool(std::move(pool)) {}

  kiln_status *shapes(const char *fn, void **inputs, int64_t *dims) override {
    enter([&] { module->shapes(inputs, dims); });
    return takeFailure(fn);
  }

  kiln_status *run(const char *fn, void **arguments, const bool *) override {
    enter([&] { module->run(arguments); });
    return takeFailure(fn);
  }

  kiln_status *synchronize(const char *) override { return nullptr; }

  void setScratchLimit(uint64_t bytes) { scratch.setLimit(bytes); }

private:
  /// Calls generated code through `call` (a lambda) with the session's threads and scratch
  /// memory current, as an abandonable entry; when it was abandoned, takes back the scratch
  /// blocks it held. Its failure, if any, is the pool's (takeFailure).
  template <typename F> void enter(F &&call) {
    ThreadPool::Scope poolScope(pool.get());
    ScratchAllocator::Scope scratchScope(&scratch);
    auto trampoline = [](void *f, int64_t, int64_t) {
      (*static_cast<std::remove_reference_t<F> *>(f))();
    };
    if (!callAbandonable(trampoline, &call, 0, 0))
      scratch.reclaimInUse();
  }

  /// The failure generated code reported during the call that just returned, as a status.
  kiln_status *takeFailure(const char *fn) {
    int code = KILN_OK;
    std::string failure = pool->takeFailure(code);
    if (failure.empty())
      return nullptr;
    return makeStatus(kiln_code(code), "%s: '%s': %s", fn, file.c_str(), failure.c_str());
  }

  const kiln_gen_module *module;
  std::string file;
  std::unique_ptr<ThreadPool> pool;
  ScratchAllocator scratch;
};

class CPUModel final : public DeviceModel {
public:
  explicit CPUModel(std::string file) : file(std::move(file)) {}

  kiln_status *createSession(const char *fn, const kiln_options *options,
                             std::unique_ptr<DeviceSession> &out) const override {
    int threads = options && options->threads ? options->threads : defaultThreads();
    std::unique_ptr<ThreadPool> pool;
    try {
      pool = std::make_unique<ThreadPool>(threads);
    } catch (const std::system_error &e) {
      return makeStatus(KILN_RESOURCE_EXHAUSTED, "%s: cannot start %d threads: %s", fn, threads,
                        e.what());
    }
    auto session = std::make_unique<CPUSession>(module, file, std::move(pool));
    if (options)
      session->setScratchLimit(options->maxScratchBytes);
    out = std::move(session);
    return nullptr;
  }

  std::string file;
  LoadedCode code;
  const kiln_gen_module *module = nullptr;
};

} // namespace

kiln_status *kiln::loadCPUModel(const DeviceLoad &load, std::unique_ptr<DeviceModel> &out) {
  const char *fn = load.fn, *file = load.file;
  const ArtifactContents &c = load.contents;
  if (kiln_status *s = checkCPUFeatures(fn, file, c))
    return s;
  auto code = std::make_unique<CPUModel>(file);
  if (kiln_status *s = loadModelCode(fn, file, c, code->code))
    return s;
  code->module = code->code.module;
  const kiln_gen_module &m = *code->module;
  m.bind(&runtimeApi, load.weights);
  out = std::move(code);
  return nullptr;
}
