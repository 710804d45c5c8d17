//===- Runtime.cpp - The Kiln runtime C API -------------------------------===//
//
// Implements kiln/runtime.h for CPU artifacts: load (map, validate, memfd + dlopen the code),
// query, sessions with their own threads, and runs on caller-owned buffers with every argument
// checked first. No exception or abort crosses the API: failures are statuses.
//
//===----------------------------------------------------------------------===//

#include "kiln/runtime.h"

#include "runtime/lib/Abandon.h"
#include "artifact/ArtifactReader.h"
#include "runtime/lib/Gemm.h"
#include "runtime/lib/ScratchAllocator.h"
#include "runtime/lib/ThreadPool.h"
#include "runtime/lib/abi.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <map>
#include <memory>
#include <new>
#include <sched.h>
#include <string>
#include <sys/mman.h>
#include <type_traits>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

using namespace kiln;

struct kiln_status {
  kiln_code code;
  std::string message;
};

struct kiln_options {
  kiln_device device = KILN_DEVICE_INVALID;
  int32_t ordinal = 0;
  int32_t threads = 0;
  bool verifyWeights = true;
  uint64_t maxScratchBytes = 0;
};

namespace {

kiln_status outOfMemory{KILN_RESOURCE_EXHAUSTED, "out of memory while reporting an error"};

kiln_status *makeStatus(kiln_code code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
kiln_status *makeStatus(kiln_code code, const char *fmt, ...) {
  char buf[1024];
  va_list args;
  va_start(args, fmt);
  vsnprintf(buf, sizeof buf, fmt, args);
  va_end(args);
  auto *s = new (std::nothrow) kiln_status;
  if (!s)
    return &outOfMemory;
  try {
    s->code = code;
    s->message = buf;
  } catch (...) {
    delete s;
    return &outOfMemory;
  }
  return s;
}

/// Runs `body`, turning a C++ exception (bad_alloc from a vector) into a status.
template <typename F> kiln_status *guarded(const char *function, F &&body) {
  try {
    return body();
  } catch (const std::bad_alloc &) {
    return makeStatus(KILN_RESOURCE_EXHAUSTED, "%s: out of memory", function);
  } catch (const std::exception &e) {
    return makeStatus(KILN_INTERNAL, "%s: %s", function, e.what());
  }
}

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
          pool->reportFailure(KILN_RESOURCE_EXHAUSTED,
                              "out of memory: cannot allocate an intermediate buffer of " +
                              std::to_string(bytes) + " bytes");
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

/// The loaded model's code: a private instance of the artifact's shared object.
struct LoadedCode {
  int fd = -1;
  void *handle = nullptr;
  ~LoadedCode() {
    if (handle)
      dlclose(handle);
    if (fd >= 0)
      close(fd);
  }
};

/// A read-only mapping of the whole artifact file.
struct FileMapping {
  void *data = nullptr;
  size_t size = 0;
  ~FileMapping() {
    if (data)
      munmap(data, size);
  }
};

/// Writes the code to an anonymous file and dlopens it. The fd stays open while the code is
/// loaded: glibc identifies loaded objects by path, and /proc/self/fd/N must not be reused.
std::string loadCode(const uint8_t *code, uint64_t size, const std::string &name,
                     LoadedCode &out) {
  std::string reasons;
  int fd = memfd_create(("kiln:" + name).c_str(), MFD_CLOEXEC);
  std::string path;
  if (fd >= 0) {
    path = "/proc/self/fd/" + std::to_string(fd);
  } else {
    reasons = std::string("memfd_create: ") + strerror(errno);
    const char *dir = getenv("KILN_TMPDIR");
    if (!dir)
      dir = getenv("TMPDIR");
    std::string templ = std::string(dir ? dir : "/tmp") + "/kiln-code-XXXXXX";
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back(0);
    fd = mkstemp(buf.data());
    if (fd < 0)
      return reasons + "; mkstemp: " + strerror(errno);
    path = buf.data();
  }
  for (uint64_t done = 0; done < size;) {
    ssize_t n = write(fd, code + done, size - done);
    if (n <= 0) {
      std::string err = std::string("write: ") + strerror(errno);
      close(fd);
      return err;
    }
    done += uint64_t(n);
  }
  out.fd = fd;
  out.handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (path.rfind("/proc/", 0) != 0)
    unlink(path.c_str());
  if (!out.handle) {
    const char *err = dlerror();
    return reasons + (reasons.empty() ? "" : "; ") + (err ? err : "dlopen failed");
  }
  return {};
}

} // namespace

struct kiln_model {
  std::atomic<int> references{1};
  std::string file;
  ArtifactContents contents;
  // The artifact's bytes: a private read-only mapping of the file, or borrowed memory. Declared
  // before `code`, so the code is unloaded before the bytes go.
  FileMapping mapping;
  std::vector<uint8_t> weightsCopy; // when borrowed memory is misaligned
  const void *weights = nullptr;
  LoadedCode code;
  const kiln_gen_module *module = nullptr;
  std::vector<kiln_tensor_info> inputInfo, outputInfo;
  std::vector<std::vector<const char *>> dimParamPointers;

  void retain() { references.fetch_add(1); }
  void release() {
    if (references.fetch_sub(1) == 1)
      delete this;
  }
};

struct kiln_session {
  kiln_model *model;
  std::unique_ptr<ThreadPool> pool;
  ScratchAllocator scratch;
  std::atomic<bool> busy{false};
  bool haveShapes = false;
  std::vector<std::vector<int64_t>> outputShapes;
};

//===----------------------------------------------------------------------===//
// Versions, status, element types, options
//===----------------------------------------------------------------------===//

const char *kiln_version(void) { return "0.1.0"; }
uint32_t kiln_artifact_format_version(void) { return KILN_ARTIFACT_FORMAT_VERSION; }

kiln_code kiln_status_code(const kiln_status *status) { return status ? status->code : KILN_OK; }
const char *kiln_status_message(const kiln_status *status) {
  return status ? status->message.c_str() : "ok";
}
void kiln_status_release(kiln_status *status) {
  if (status != &outOfMemory)
    delete status;
}

const char *kiln_code_name(kiln_code code) {
  switch (code) {
  case KILN_OK: return "OK";
  case KILN_INVALID_ARGUMENT: return "INVALID_ARGUMENT";
  case KILN_NOT_FOUND: return "NOT_FOUND";
  case KILN_PERMISSION_DENIED: return "PERMISSION_DENIED";
  case KILN_RESOURCE_EXHAUSTED: return "RESOURCE_EXHAUSTED";
  case KILN_FAILED_PRECONDITION: return "FAILED_PRECONDITION";
  case KILN_UNIMPLEMENTED: return "UNIMPLEMENTED";
  case KILN_INTERNAL: return "INTERNAL";
  case KILN_UNAVAILABLE: return "UNAVAILABLE";
  case KILN_DATA_LOSS: return "DATA_LOSS";
  default: return "UNKNOWN";
  }
}

size_t kiln_element_type_size(kiln_element_type type) {
  switch (type) {
  case KILN_ELEMENT_TYPE_UINT8: case KILN_ELEMENT_TYPE_INT8: case KILN_ELEMENT_TYPE_BOOL: return 1;
  case KILN_ELEMENT_TYPE_UINT16: case KILN_ELEMENT_TYPE_INT16: case KILN_ELEMENT_TYPE_FLOAT16:
  case KILN_ELEMENT_TYPE_BFLOAT16: return 2;
  case KILN_ELEMENT_TYPE_FLOAT32: case KILN_ELEMENT_TYPE_INT32: case KILN_ELEMENT_TYPE_UINT32: return 4;
  case KILN_ELEMENT_TYPE_INT64: case KILN_ELEMENT_TYPE_FLOAT64: case KILN_ELEMENT_TYPE_UINT64: return 8;
  default: return 0;
  }
}

const char *kiln_element_type_name(kiln_element_type type) {
  switch (type) {
  case KILN_ELEMENT_TYPE_FLOAT32: return "float32";
  case KILN_ELEMENT_TYPE_UINT8: return "uint8";
  case KILN_ELEMENT_TYPE_INT8: return "int8";
  case KILN_ELEMENT_TYPE_UINT16: return "uint16";
  case KILN_ELEMENT_TYPE_INT16: return "int16";
  case KILN_ELEMENT_TYPE_INT32: return "int32";
  case KILN_ELEMENT_TYPE_INT64: return "int64";
  case KILN_ELEMENT_TYPE_BOOL: return "bool";
  case KILN_ELEMENT_TYPE_FLOAT16: return "float16";
  case KILN_ELEMENT_TYPE_FLOAT64: return "float64";
  case KILN_ELEMENT_TYPE_UINT32: return "uint32";
  case KILN_ELEMENT_TYPE_UINT64: return "uint64";
  case KILN_ELEMENT_TYPE_BFLOAT16: return "bfloat16";
  default: return "unknown";
  }
}

kiln_status *kiln_options_create(kiln_options **out_options) {
  if (!out_options)
    return makeStatus(KILN_INVALID_ARGUMENT, "kiln_options_create: out_options is NULL");
  auto *o = new (std::nothrow) kiln_options;
  if (!o)
    return makeStatus(KILN_RESOURCE_EXHAUSTED, "kiln_options_create: out of memory");
  *out_options = o;
  return nullptr;
}

void kiln_options_release(kiln_options *options) { delete options; }

kiln_status *kiln_options_set_device(kiln_options *options, kiln_device device, int32_t ordinal) {
  if (!options)
    return makeStatus(KILN_INVALID_ARGUMENT, "kiln_options_set_device: options is NULL");
  if (device != KILN_DEVICE_CPU && device != KILN_DEVICE_CUDA)
    return makeStatus(KILN_INVALID_ARGUMENT, "kiln_options_set_device: unknown device %d",
                      int(device));
  if (ordinal < 0 || (device == KILN_DEVICE_CPU && ordinal != 0))
    return makeStatus(KILN_INVALID_ARGUMENT, "kiln_options_set_device: invalid ordinal %d",
                      ordinal);
  options->device = device;
  options->ordinal = ordinal;
  return nullptr;
}

kiln_status *kiln_options_set_threads(kiln_options *options, int32_t threads) {
  if (!options)
    return makeStatus(KILN_INVALID_ARGUMENT, "kiln_options_set_threads: options is NULL");
  if (threads < 0 || threads > 1024)
    return makeStatus(KILN_INVALID_ARGUMENT,
                      "kiln_options_set_threads: %d threads is outside [0, 1024]", threads);
  options->threads = threads;
  return nullptr;
}

kiln_status *kiln_options_set_verify_weights(kiln_options *options, int verify) {
  if (!options)
    return makeStatus(KILN_INVALID_ARGUMENT, "kiln_options_set_verify_weights: options is NULL");
  options->verifyWeights = verify != 0;
  return nullptr;
}

kiln_status *kiln_options_set_max_scratch_bytes(kiln_options *options, uint64_t bytes) {
  if (!options)
    return makeStatus(KILN_INVALID_ARGUMENT, "kiln_options_set_max_scratch_bytes: options is NULL");
  options->maxScratchBytes = bytes;
  return nullptr;
}

kiln_status *kiln_options_set_cuda_stream(kiln_options *options, void *) {
  if (!options)
    return makeStatus(KILN_INVALID_ARGUMENT, "kiln_options_set_cuda_stream: options is NULL");
  return nullptr;
}

//===----------------------------------------------------------------------===//
// Models
//===----------------------------------------------------------------------===//

namespace {

const char *baseName(const std::string &path) {
  size_t slash = path.rfind('/');
  return path.c_str() + (slash == std::string::npos ? 0 : slash + 1);
}

/// Validates the artifact's bytes, loads its code and fills the signature.
kiln_status *finishLoad(const char *fn, kiln_model *model, const uint8_t *bytes, uint64_t size,
                        const kiln_options *options) {
  const char *file = model->file.c_str();
  bool verifyWeights = options ? options->verifyWeights : true;
  if (ArtifactError e = readArtifact(
          bytes, size, verifyWeights ? Checksums::All : Checksums::AllButWeights, model->contents))
    return makeStatus(e.code, "%s: '%s': %s", fn, file, e.message.c_str());
  ArtifactContents &c = model->contents;
  if (options && options->device != KILN_DEVICE_INVALID && options->device != kiln_device(c.target))
    return makeStatus(KILN_INVALID_ARGUMENT, "%s: '%s': the artifact targets %s, options ask for %s",
                      fn, file, c.target == 1 ? "cpu" : "cuda",
                      options->device == KILN_DEVICE_CPU ? "cpu" : "cuda");
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
  if (c.weightsSize) {
    const uint8_t *w = bytes + c.weightsOffset;
    if (reinterpret_cast<uintptr_t>(w) % 64) {
      model->weightsCopy.assign(w, w + c.weightsSize);
      w = model->weightsCopy.data();
    }
    model->weights = w;
  }
  std::string error = loadCode(c.code, c.codeSize, c.modelName, model->code);
  if (!error.empty())
    return makeStatus(KILN_UNAVAILABLE, "%s: '%s': cannot load the model's code: %s", fn, file,
                      error.c_str());
  model->module = static_cast<const kiln_gen_module *>(dlsym(model->code.handle, "kiln_module"));
  if (!model->module)
    return makeStatus(KILN_DATA_LOSS, "%s: '%s': the model's code does not export kiln_module", fn,
                      file);
  const kiln_gen_module &m = *model->module;
  if (m.abi_version != KILN_GEN_ABI_VERSION)
    return makeStatus(KILN_UNIMPLEMENTED, "%s: '%s': code ABI version %u, this runtime speaks %u",
                      fn, file, m.abi_version, KILN_GEN_ABI_VERSION);
  uint32_t dynamicOutputDims = 0;
  for (const TensorDecl &t : c.outputs)
    dynamicOutputDims += uint32_t(std::count(t.dims.begin(), t.dims.end(), -1));
  if (m.num_inputs != c.inputs.size() || m.num_outputs != c.outputs.size() ||
      m.num_output_dims != dynamicOutputDims || !m.run || !m.bind ||
      (dynamicOutputDims && !m.shapes))
    return makeStatus(KILN_DATA_LOSS, "%s: '%s': the code's signature (%u inputs, %u outputs) "
                      "disagrees with the metadata (%zu inputs, %zu outputs)",
                      fn, file, m.num_inputs, m.num_outputs, c.inputs.size(), c.outputs.size());
  m.bind(&runtimeApi, model->weights);
  for (auto [decls, infos] : {std::pair{&c.inputs, &model->inputInfo},
                              std::pair{&c.outputs, &model->outputInfo}}) {
    for (const TensorDecl &t : *decls) {
      model->dimParamPointers.emplace_back();
      for (const std::string &p : t.dimParams)
        model->dimParamPointers.back().push_back(p.c_str());
      kiln_tensor_info info{};
      info.name = t.name.c_str();
      info.element_type = t.elementType;
      info.rank = int32_t(t.dims.size());
      info.dims = t.dims.empty() ? nullptr : t.dims.data();
      info.dim_params = model->dimParamPointers.back().data();
      info.flags = t.flags;
      infos->push_back(info);
    }
  }
  if (c.modelName.empty())
    c.modelName = baseName(model->file);
  return nullptr;
}

} // namespace

kiln_status *kiln_model_load(const char *path, const kiln_options *options,
                             kiln_model **out_model) {
  const char *fn = "kiln_model_load";
  if (!path || !out_model)
    return makeStatus(KILN_INVALID_ARGUMENT, "%s: %s is NULL", fn, path ? "out_model" : "path");
  return guarded(fn, [&]() -> kiln_status * {
    std::unique_ptr<kiln_model> model(new kiln_model);
    model->file = path;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      return makeStatus(errno == ENOENT ? KILN_NOT_FOUND
                        : errno == EACCES ? KILN_PERMISSION_DENIED
                                          : KILN_UNAVAILABLE,
                        "%s: '%s': cannot open: %s", fn, path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      close(fd);
      return makeStatus(KILN_INVALID_ARGUMENT, "%s: '%s': not a regular file", fn, path);
    }
    if (st.st_size > 0) {
      void *map = mmap(nullptr, size_t(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
      if (map == MAP_FAILED) {
        close(fd);
        return makeStatus(KILN_UNAVAILABLE, "%s: '%s': cannot map: %s", fn, path, strerror(errno));
      }
      model->mapping.data = map;
      model->mapping.size = size_t(st.st_size);
    }
    close(fd);
    static const uint8_t empty[1] = {0};
    const uint8_t *bytes =
        model->mapping.data ? static_cast<uint8_t *>(model->mapping.data) : empty;
    if (kiln_status *s = finishLoad(fn, model.get(), bytes, uint64_t(st.st_size), options))
      return s;
    *out_model = model.release();
    return nullptr;
  });
}

kiln_status *kiln_model_load_from_memory(const void *data, size_t size,
                                         const kiln_options *options, kiln_model **out_model) {
  const char *fn = "kiln_model_load_from_memory";
  if ((!data && size) || !out_model)
    return makeStatus(KILN_INVALID_ARGUMENT, "%s: %s is NULL", fn, out_model ? "data" : "out_model");
  return guarded(fn, [&]() -> kiln_status * {
    std::unique_ptr<kiln_model> model(new kiln_model);
    model->file = "<memory>";
    static const uint8_t empty[1] = {0};
    const uint8_t *bytes = data ? static_cast<const uint8_t *>(data) : empty;
    if (kiln_status *s = finishLoad(fn, model.get(), bytes, size, options))
      return s;
    *out_model = model.release();
    return nullptr;
  });
}

void kiln_model_release(kiln_model *model) {
  if (model)
    model->release();
}

kiln_device kiln_model_device(const kiln_model *model) {
  return model ? kiln_device(model->contents.target) : KILN_DEVICE_INVALID;
}
const char *kiln_model_name(const kiln_model *model) {
  return model ? model->contents.modelName.c_str() : "";
}
size_t kiln_model_input_count(const kiln_model *model) { return model ? model->inputInfo.size() : 0; }
size_t kiln_model_output_count(const kiln_model *model) {
  return model ? model->outputInfo.size() : 0;
}

namespace {

kiln_status *tensorInfo(const char *fn, const kiln_model *model, size_t index, bool input,
                        const kiln_tensor_info **out) {
  if (!model || !out)
    return makeStatus(KILN_INVALID_ARGUMENT, "%s: %s is NULL", fn, model ? "out_info" : "model");
  const std::vector<kiln_tensor_info> &infos = input ? model->inputInfo : model->outputInfo;
  const char *what = input ? "input" : "output";
  if (index >= infos.size())
    return makeStatus(KILN_INVALID_ARGUMENT, "%s: '%s': %s index %zu out of range (%zu %ss)", fn,
                      model->file.c_str(), what, index, infos.size(), what);
  *out = &infos[index];
  return nullptr;
}

std::string nameList(const std::vector<kiln_tensor_info> &infos) {
  std::string names;
  for (const kiln_tensor_info &i : infos)
    names += std::string(names.empty() ? "'" : ", '") + i.name + "'";
  return names;
}

kiln_status *findTensor(const char *fn, const kiln_model *model, const char *name, bool input,
                        size_t *out) {
  if (!model || !name || !out)
    return makeStatus(KILN_INVALID_ARGUMENT, "%s: %s is NULL", fn,
                      !model ? "model" : !name ? "name" : "out_index");
  const std::vector<kiln_tensor_info> &infos = input ? model->inputInfo : model->outputInfo;
  const char *what = input ? "input" : "output";
  for (size_t i = 0; i < infos.size(); ++i)
    if (strcmp(infos[i].name, name) == 0) {
      *out = i;
      return nullptr;
    }
  return guarded(fn, [&] {
    return makeStatus(KILN_NOT_FOUND, "%s: '%s': no %s named '%s'; %ss are %s", fn,
                      model->file.c_str(), what, name, what, nameList(infos).c_str());
  });
}

} // namespace

kiln_status *kiln_model_input_info(const kiln_model *model, size_t index,
                                   const kiln_tensor_info **out_info) {
  return tensorInfo("kiln_model_input_info", model, index, true, out_info);
}
kiln_status *kiln_model_output_info(const kiln_model *model, size_t index,
                                    const kiln_tensor_info **out_info) {
  return tensorInfo("kiln_model_output_info", model, index, false, out_info);
}
kiln_status *kiln_model_find_input(const kiln_model *model, const char *name, size_t *out_index) {
  return findTensor("kiln_model_find_input", model, name, true, out_index);
}
kiln_status *kiln_model_find_output(const kiln_model *model, const char *name,
                                    size_t *out_index) {
  return findTensor("kiln_model_find_output", model, name, false, out_index);
}

//===----------------------------------------------------------------------===//
// Sessions
//===----------------------------------------------------------------------===//

kiln_status *kiln_session_create(kiln_model *model, const kiln_options *options,
                                 kiln_session **out_session) {
  const char *fn = "kiln_session_create";
  if (!model || !out_session)
    return makeStatus(KILN_INVALID_ARGUMENT, "%s: %s is NULL", fn, model ? "out_session" : "model");
  return guarded(fn, [&]() -> kiln_status * {
    int threads = options && options->threads ? options->threads : defaultThreads();
    auto *session = new kiln_session;
    session->model = model;
    try {
      session->pool = std::make_unique<ThreadPool>(threads);
    } catch (const std::system_error &e) {
      delete session;
      return makeStatus(KILN_RESOURCE_EXHAUSTED, "%s: cannot start %d threads: %s", fn, threads,
                        e.what());
    }
    model->retain();
    *out_session = session;
    return nullptr;
  });
}

void kiln_session_release(kiln_session *session) {
  if (!session)
    return;
  kiln_model *model = session->model;
  delete session;
  model->release();
}

namespace {

/// Marks a session busy for one call; a concurrent second call fails instead of racing.
class BusyGuard {
public:
  explicit BusyGuard(kiln_session *s) : session(s), acquired(!s->busy.exchange(true)) {}
  ~BusyGuard() {
    if (acquired)
      session->busy = false;
  }
  bool ok() const { return acquired; }

private:
  kiln_session *session;
  bool acquired;
};

/// Checks the views of one role (inputs or outputs) and orders them by declaration index.
kiln_status *bindTensors(const char *fn, const kiln_model *model, const kiln_tensor *views,
                         size_t count, const std::vector<kiln_tensor_info> &infos,
                         const char *what, bool requireData,
                         std::vector<const kiln_tensor *> &bound) {
  const char *file = model->file.c_str();
  if (count && !views)
    return makeStatus(KILN_INVALID_ARGUMENT, "%s: '%s': %ss is NULL but the count is %zu", fn,
                      file, what, count);
  bound.assign(infos.size(), nullptr);
  for (size_t v = 0; v < count; ++v) {
    const kiln_tensor &t = views[v];
    size_t index;
    if (t.name) {
      index = infos.size();
      for (size_t i = 0; i < infos.size(); ++i)
        if (strcmp(infos[i].name, t.name) == 0)
          index = i;
      if (index == infos.size())
        return makeStatus(KILN_INVALID_ARGUMENT, "%s: '%s': no %s named '%s'; %ss are %s", fn,
                          file, what, t.name, what, nameList(infos).c_str());
    } else {
      if (t.index < 0 || size_t(t.index) >= infos.size())
        return makeStatus(KILN_INVALID_ARGUMENT, "%s: '%s': %s index %d out of range (%zu %ss)",
                          fn, file, what, t.index, infos.size(), what);
      index = size_t(t.index);
    }
    const kiln_tensor_info &info = infos[index];
    if (bound[index])
      return makeStatus(KILN_INVALID_ARGUMENT, "%s: '%s': %s '%s' is bound twice", fn, file, what,
                        info.name);
    bound[index] = &t;
    if (t.element_type != info.element_type)
      return makeStatus(KILN_INVALID_ARGUMENT, "%s: '%s': %s '%s': element type %s, expected %s",
                        fn, file, what, info.name, kiln_element_type_name(t.element_type),
                        kiln_element_type_name(info.element_type));
    if (t.device != KILN_DEVICE_CPU || t.device_ordinal != 0)
      return makeStatus(KILN_INVALID_ARGUMENT,
                        "%s: '%s': %s '%s': device %d ordinal %d, expected cpu (1) ordinal 0", fn,
                        file, what, info.name, int(t.device), t.device_ordinal);
    if (t.rank != info.rank)
      return makeStatus(KILN_INVALID_ARGUMENT, "%s: '%s': %s '%s': rank %d, expected %d", fn, file,
                        what, info.name, t.rank, info.rank);
    if (t.rank && !t.dims)
      return makeStatus(KILN_INVALID_ARGUMENT, "%s: '%s': %s '%s': dims is NULL for rank %d", fn,
                        file, what, info.name, t.rank);
    uint64_t elements = 1;
    bool overflow = false;
    for (int32_t d = 0; d < t.rank; ++d) {
      if (t.dims[d] < 0)
        return makeStatus(KILN_INVALID_ARGUMENT, "%s: '%s': %s '%s': dim %d is negative (%" PRId64
                          ")",
                          fn, file, what, info.name, d, t.dims[d]);
      if (info.dims[d] >= 0 && t.dims[d] != info.dims[d])
        return makeStatus(KILN_INVALID_ARGUMENT,
                          "%s: '%s': %s '%s': dim %d is %" PRId64 ", expected %" PRId64, fn, file,
                          what, info.name, d, t.dims[d], info.dims[d]);
      overflow |= __builtin_mul_overflow(elements, uint64_t(t.dims[d]), &elements);
    }
    size_t elementSize = kiln_element_type_size(info.element_type);
    uint64_t bytes;
    overflow |= __builtin_mul_overflow(elements, uint64_t(elementSize), &bytes);
    if (overflow || bytes > (uint64_t(1) << 48))
      return makeStatus(KILN_INVALID_ARGUMENT, "%s: '%s': %s '%s': the element count overflows",
                        fn, file, what, info.name);
    if (t.byte_size < bytes)
      return makeStatus(KILN_INVALID_ARGUMENT,
                        "%s: '%s': %s '%s': byte_size %" PRIu64 " is less than the %" PRIu64
                        " bytes of its shape",
                        fn, file, what, info.name, t.byte_size, bytes);
    bool needData = requireData || (info.flags & KILN_TENSOR_HOST_VALUE);
    if (!t.data && bytes && needData)
      return makeStatus(KILN_INVALID_ARGUMENT, "%s: '%s': %s '%s': data is NULL", fn, file, what,
                        info.name);
    if (reinterpret_cast<uintptr_t>(t.data) % elementSize)
      return makeStatus(KILN_INVALID_ARGUMENT,
                        "%s: '%s': %s '%s': data %p is not aligned to its %zu-byte elements", fn,
                        file, what, info.name, t.data, elementSize);
  }
  for (size_t i = 0; i < infos.size(); ++i)
    if (!bound[i])
      return makeStatus(KILN_INVALID_ARGUMENT, "%s: '%s': expected %zu %ss, got %zu: '%s' is not "
                        "bound",
                        fn, file, infos.size(), what, count, infos[i].name);
  return nullptr;
}

/// Dims with the same dim_param must agree across all inputs.
kiln_status *checkSymbols(const char *fn, const kiln_model *model,
                          const std::vector<const kiln_tensor *> &inputs) {
  std::map<std::string, std::pair<int64_t, const char *>> values;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const kiln_tensor_info &info = model->inputInfo[i];
    for (int32_t d = 0; d < info.rank; ++d) {
      const char *param = info.dim_params[d];
      if (info.dims[d] >= 0 || !*param)
        continue;
      auto [it, inserted] = values.emplace(param, std::pair{inputs[i]->dims[d], info.name});
      if (!inserted && it->second.first != inputs[i]->dims[d])
        return makeStatus(KILN_INVALID_ARGUMENT,
                          "%s: '%s': input '%s': dim %d ('%s') is %" PRId64 ", but input '%s' set "
                          "'%s' to %" PRId64,
                          fn, model->file.c_str(), info.name, d, param, inputs[i]->dims[d],
                          it->second.second, param, it->second.first);
    }
  }
  return nullptr;
}

/// Ranked memref descriptors (allocated, aligned, offset, sizes, strides) of dense row-major
/// views, in the order the generated code takes them.
class Descriptors {
public:
  void add(const std::vector<const kiln_tensor *> &views) {
    for (const kiln_tensor *t : views) {
      std::vector<int64_t> d(3 + 2 * size_t(t->rank));
      d[0] = d[1] = int64_t(reinterpret_cast<intptr_t>(t->data));
      int64_t stride = 1;
      for (int32_t i = t->rank - 1; i >= 0; --i) {
        d[3 + i] = t->dims[i];
        d[3 + t->rank + i] = stride;
        stride *= std::max<int64_t>(t->dims[i], 1);
      }
      storage.push_back(std::move(d));
    }
  }
  std::vector<void *> pointers() {
    std::vector<void *> p;
    for (std::vector<int64_t> &d : storage)
      p.push_back(d.data());
    return p;
  }

private:
  std::vector<std::vector<int64_t>> storage;
};

/// The session's threads and scratch memory, current while generated code runs.
struct SessionScope {
  explicit SessionScope(kiln_session *session)
      : pool(session->pool.get()), scratch(&session->scratch) {}
  ThreadPool::Scope pool;
  ScratchAllocator::Scope scratch;
};

/// Calls generated code through `call` (a lambda) as an abandonable entry (runtime/lib/Abandon.h);
/// when it was abandoned, takes back the scratch blocks it held. Its failure, if any, is the
/// pool's (takeFailure).
template <typename F> void enterGenerated(kiln_session *session, F &&call) {
  auto trampoline = [](void *f, int64_t, int64_t) {
    (*static_cast<std::remove_reference_t<F> *>(f))();
  };
  if (!callAbandonable(trampoline, &call, 0, 0))
    session->scratch.reclaimInUse();
}

/// The failure generated code reported during the call that just returned, as a status.
kiln_status *takeFailure(const char *fn, kiln_session *session) {
  int code = KILN_OK;
  std::string failure = session->pool->takeFailure(code);
  if (failure.empty())
    return nullptr;
  return makeStatus(kiln_code(code), "%s: '%s': %s", fn, session->model->file.c_str(),
                    failure.c_str());
}

/// The bytes a validated view covers.
uint64_t viewBytes(const kiln_tensor &t) {
  uint64_t bytes = kiln_element_type_size(t.element_type);
  for (int32_t d = 0; d < t.rank; ++d)
    bytes *= uint64_t(t.dims[d]);
  return bytes;
}

/// Validates the inputs and computes the output shapes into the session.
kiln_status *inferShapes(const char *fn, kiln_session *session, const kiln_tensor *inputs,
                         size_t numInputs, bool requireData,
                         std::vector<const kiln_tensor *> &boundInputs) {
  const kiln_model *model = session->model;
  if (kiln_status *s = bindTensors(fn, model, inputs, numInputs, model->inputInfo, "input",
                                   requireData, boundInputs))
    return s;
  if (kiln_status *s = checkSymbols(fn, model, boundInputs))
    return s;
  std::vector<int64_t> dynamicDims(model->module->num_output_dims);
  if (!dynamicDims.empty()) {
    Descriptors descriptors;
    descriptors.add(boundInputs);
    std::vector<void *> pointers = descriptors.pointers();
    SessionScope scope(session);
    enterGenerated(session, [&] { model->module->shapes(pointers.data(), dynamicDims.data()); });
    if (kiln_status *s = takeFailure(fn, session))
      return s;
  }
  session->outputShapes.clear();
  size_t next = 0;
  for (const kiln_tensor_info &info : model->outputInfo) {
    std::vector<int64_t> dims(info.dims, info.dims + info.rank);
    for (int64_t &d : dims)
      if (d < 0) {
        d = dynamicDims[next++];
        if (d < 0)
          return makeStatus(KILN_INVALID_ARGUMENT,
                            "%s: '%s': output '%s' would have a negative dim (%" PRId64
                            ") for these input shapes",
                            fn, model->file.c_str(), info.name, d);
      }
    session->outputShapes.push_back(std::move(dims));
  }
  session->haveShapes = true;
  return nullptr;
}

struct Interval {
  uintptr_t begin, end;
  const char *name;
};

/// Runs `body` as the session's one call in progress: a concurrent second call on the same
/// session gets FAILED_PRECONDITION instead of racing.
template <typename F> kiln_status *exclusive(const char *fn, kiln_session *session, F &&body) {
  if (!session)
    return makeStatus(KILN_INVALID_ARGUMENT, "%s: session is NULL", fn);
  BusyGuard busy(session);
  if (!busy.ok())
    return makeStatus(KILN_FAILED_PRECONDITION, "%s: the session is running on another thread",
                      fn);
  return guarded(fn, body);
}

} // namespace

kiln_status *kiln_session_infer_shapes(kiln_session *session, const kiln_tensor *inputs,
                                       size_t num_inputs) {
  const char *fn = "kiln_session_infer_shapes";
  return exclusive(fn, session, [&] {
    std::vector<const kiln_tensor *> bound;
    session->haveShapes = false;
    return inferShapes(fn, session, inputs, num_inputs, false, bound);
  });
}

kiln_status *kiln_session_output_shape(const kiln_session *session, size_t index,
                                       int32_t *out_rank, const int64_t **out_dims) {
  const char *fn = "kiln_session_output_shape";
  if (!session || !out_rank || !out_dims)
    return makeStatus(KILN_INVALID_ARGUMENT, "%s: %s is NULL", fn,
                      !session ? "session" : !out_rank ? "out_rank" : "out_dims");
  if (!session->haveShapes)
    return makeStatus(KILN_FAILED_PRECONDITION,
                      "%s: no shapes yet; call kiln_session_infer_shapes or kiln_session_run first",
                      fn);
  if (index >= session->outputShapes.size())
    return makeStatus(KILN_INVALID_ARGUMENT, "%s: output index %zu out of range (%zu outputs)", fn,
                      index, session->outputShapes.size());
  const std::vector<int64_t> &dims = session->outputShapes[index];
  *out_rank = int32_t(dims.size());
  *out_dims = dims.empty() ? nullptr : dims.data();
  return nullptr;
}

kiln_status *kiln_session_run(kiln_session *session, const kiln_tensor *inputs,
                              size_t num_inputs, const kiln_tensor *outputs,
                              size_t num_outputs) {
  const char *fn = "kiln_session_run";
  return exclusive(fn, session, [&]() -> kiln_status * {
    const kiln_model *model = session->model;
    const char *file = model->file.c_str();
    std::vector<const kiln_tensor *> boundInputs, boundOutputs;
    session->haveShapes = false;
    if (kiln_status *s = inferShapes(fn, session, inputs, num_inputs, true, boundInputs))
      return s;
    if (kiln_status *s = bindTensors(fn, model, outputs, num_outputs, model->outputInfo,
                                     "output", true, boundOutputs))
      return s;
    std::vector<Interval> intervals;
    for (size_t i = 0; i < boundOutputs.size(); ++i) {
      const kiln_tensor &t = *boundOutputs[i];
      const std::vector<int64_t> &expected = session->outputShapes[i];
      for (int32_t d = 0; d < t.rank; ++d)
        if (t.dims[d] != expected[d])
          return makeStatus(KILN_INVALID_ARGUMENT,
                            "%s: '%s': output '%s': dim %d is %" PRId64 ", the inputs give %" PRId64,
                            fn, file, model->outputInfo[i].name, d, t.dims[d], expected[d]);
      if (uint64_t bytes = viewBytes(t))
        intervals.push_back({uintptr_t(t.data), uintptr_t(t.data) + bytes,
                             model->outputInfo[i].name});
    }
    // Outputs must not overlap each other or any input.
    std::vector<Interval> all = intervals;
    for (size_t i = 0; i < boundInputs.size(); ++i) {
      const kiln_tensor &t = *boundInputs[i];
      if (uint64_t bytes = viewBytes(t))
        all.push_back({uintptr_t(t.data), uintptr_t(t.data) + bytes, model->inputInfo[i].name});
    }
    for (size_t i = 0; i < intervals.size(); ++i)
      for (size_t j = 0; j < all.size(); ++j)
        if (i != j && intervals[i].begin < all[j].end && all[j].begin < intervals[i].end)
          return makeStatus(KILN_INVALID_ARGUMENT, "%s: '%s': output '%s' overlaps %s '%s'", fn,
                            file, intervals[i].name, j < intervals.size() ? "output" : "input",
                            all[j].name);
    Descriptors descriptors;
    descriptors.add(boundInputs);
    descriptors.add(boundOutputs);
    std::vector<void *> pointers = descriptors.pointers();
    SessionScope scope(session);
    enterGenerated(session, [&] { model->module->run(pointers.data()); });
    return takeFailure(fn, session);
  });
}

kiln_status *kiln_session_synchronize(kiln_session *session) {
  if (!session)
    return makeStatus(KILN_INVALID_ARGUMENT, "kiln_session_synchronize: session is NULL");
  return nullptr;
}
