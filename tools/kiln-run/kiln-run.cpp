//===- kiln-run.cpp - run a compiled Kiln artifact ---------------------------===//
//
// A thin driver over the public runtime API (kiln/runtime.h), nothing else: it links neither
// LLVM nor MLIR, like any program embedding Kiln. Inputs come from .npy files or are random
// with the declared shapes; outputs are written as .npy files; --benchmark times repeated runs.
//
//===----------------------------------------------------------------------===//

#include "kiln/runtime.h"
#include "tools/DeviceOption.h"
#include "tools/kiln-run/Npy.h"

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <sys/stat.h>
#include <vector>

using namespace kiln;

namespace {

const char *usage =
    "usage: kiln-run ARTIFACT [options]\n"
    "\n"
    "Runs a model compiled by kiln-compile on this machine's CPU.\n"
    "\n"
    "  --input NAME=FILE.npy   an input's values (repeat per input); inputs without one get\n"
    "                          seeded random values of the declared shape\n"
    "  --dim NAME=VALUE        the value of a dynamic dim for random inputs (e.g. --dim batch=8)\n"
    "                          default 1 for each dim not given\n"
    "  --output-dir DIR        write every output to DIR/<output name>.npy\n"
    "  --benchmark[=N]         time N runs (default 100) after warm-up; print p50/p90/p99\n"
    "  --threads=N             threads per session (default: all CPUs of the process)\n"
    "  --device=cpu|cuda[:N]|cuda-emulator\n"
    "                          the device to load onto (default: the artifact's target);\n"
    "                          without the NVIDIA driver or device, cuda is UNAVAILABLE;\n"
    "                          cuda-emulator runs a CUDA artifact's kernels on the CPU\n"
    "  --io=host|device        where inputs and outputs live (default host): device binds\n"
    "                          them in device memory (CUDA models), copied in once, so that\n"
    "                          runs and --benchmark time the model alone\n"
    "  --cuda-graphs=on|off    capture repeated runs at the same shapes into CUDA graphs\n"
    "                          (default on)\n"
    "  --seed=N                seed of the random inputs (default 0)\n"
    "  --describe              print the model's inputs and outputs and exit\n"
    "  --no-verify-weights     skip the weights checksum at load (trusted storage)\n"
    "  --quiet                 print nothing but errors\n";

struct Options {
  std::string artifact, outputDir;
  std::map<std::string, std::string> inputs;
  std::map<std::string, int64_t> dims;
  int benchmark = 0, threads = 0;
  kiln_device device = KILN_DEVICE_INVALID;
  int32_t ordinal = 0;
  unsigned seed = 0;
  bool describe = false, verifyWeights = true, quiet = false;
  bool ioOnDevice = false, cudaGraphs = true;
};

// Released before exiting on an error, so that leak checkers see a clean exit.
kiln_options *gOptions = nullptr;
kiln_model *gModel = nullptr;
kiln_session *gSession = nullptr;
std::vector<void *> gDeviceMemory; // of gModel
struct Buffer;

void freeDeviceMemory() {
  for (void *p : gDeviceMemory)
    if (kiln_status *s = kiln_model_free_device_memory(gModel, p))
      kiln_status_release(s);
  gDeviceMemory.clear();
}
std::vector<std::unique_ptr<Buffer>> gBuffers;

[[noreturn]] void die(const std::string &message, int code = 1) {
  fprintf(stderr, "kiln-run: %s\n", message.c_str());
  kiln_session_release(gSession);
  freeDeviceMemory();
  kiln_model_release(gModel);
  kiln_options_release(gOptions);
  gBuffers.clear();
  exit(code);
}

void check(kiln_status *status) {
  if (!status)
    return;
  std::string message = kiln_status_message(status);
  kiln_status_release(status);
  die(message);
}

bool startsWith(const std::string &s, const char *prefix, std::string &rest) {
  size_t n = strlen(prefix);
  if (s.compare(0, n, prefix) != 0)
    return false;
  rest = s.substr(n);
  return true;
}

int64_t parseInt(const std::string &text, const std::string &what, int64_t lo, int64_t hi) {
  char *end = nullptr;
  errno = 0;
  long long v = strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end || errno || v < lo || v > hi)
    die(what + ": '" + text + "' is not an integer in [" + std::to_string(lo) + ", " +
            std::to_string(hi) + "]",
        2);
  return v;
}

Options parseArgs(int argc, char **argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i], v;
    auto value = [&](const char *flag) -> std::string {
      if (a.size() > strlen(flag) && a[strlen(flag)] == '=')
        return a.substr(strlen(flag) + 1);
      if (i + 1 >= argc)
        die(std::string(flag) + " needs a value", 2);
      return argv[++i];
    };
    auto pair = [&](const std::string &text, const char *flag) {
      size_t eq = text.find('=');
      if (eq == std::string::npos || eq == 0)
        die(std::string(flag) + " expects NAME=VALUE, got '" + text + "'", 2);
      return std::pair{text.substr(0, eq), text.substr(eq + 1)};
    };
    if (a == "-h" || a == "--help") {
      fputs(usage, stdout);
      exit(0);
    } else if (a == "--input" || startsWith(a, "--input=", v)) {
      auto [name, file] = pair(value("--input"), "--input");
      o.inputs[name] = file;
    } else if (a == "--dim" || startsWith(a, "--dim=", v)) {
      auto [name, text] = pair(value("--dim"), "--dim");
      o.dims[name] = parseInt(text, "--dim " + name, 0, int64_t(1) << 31);
    } else if (a == "--output-dir" || startsWith(a, "--output-dir=", v)) {
      o.outputDir = value("--output-dir");
    } else if (a == "--benchmark") {
      o.benchmark = 100;
    } else if (startsWith(a, "--benchmark=", v)) {
      o.benchmark = int(parseInt(v, "--benchmark", 1, 1000000));
    } else if (a == "--threads" || startsWith(a, "--threads=", v)) {
      o.threads = int(parseInt(value("--threads"), "--threads", 0, 1024));
    } else if (a == "--device" || startsWith(a, "--device=", v)) {
      std::string error = parseDeviceOption(value("--device"), o.device, o.ordinal);
      if (!error.empty())
        die(error, 2);
    } else if (a == "--io" || startsWith(a, "--io=", v)) {
      std::string where = value("--io");
      if (where != "host" && where != "device")
        die("unknown --io '" + where + "' (expected host or device)", 2);
      o.ioOnDevice = where == "device";
    } else if (a == "--cuda-graphs" || startsWith(a, "--cuda-graphs=", v)) {
      std::string on = value("--cuda-graphs");
      if (on != "on" && on != "off")
        die("unknown --cuda-graphs '" + on + "' (expected on or off)", 2);
      o.cudaGraphs = on == "on";
    } else if (a == "--seed" || startsWith(a, "--seed=", v)) {
      o.seed = unsigned(parseInt(value("--seed"), "--seed", 0, 0xffffffffll));
    } else if (a == "--describe") {
      o.describe = true;
    } else if (a == "--no-verify-weights") {
      o.verifyWeights = false;
    } else if (a == "--quiet") {
      o.quiet = true;
    } else if (!a.empty() && a[0] == '-') {
      die("unknown option '" + a + "' (see --help)", 2);
    } else if (o.artifact.empty()) {
      o.artifact = a;
    } else {
      die("more than one artifact given ('" + o.artifact + "', '" + a + "')", 2);
    }
  }
  if (o.artifact.empty()) {
    fputs(usage, stderr);
    exit(2);
  }
  return o;
}

std::string shapeString(const int64_t *dims, int32_t rank, const char *const *params) {
  std::string s = "[";
  for (int32_t d = 0; d < rank; ++d) {
    if (d)
      s += ", ";
    s += dims[d] >= 0 || !params ? std::to_string(dims[d]) : std::string(params[d]);
  }
  return s + "]";
}

/// 64-byte aligned storage.
struct Buffer {
  explicit Buffer(size_t bytes) : bytes(bytes) {
    data = std::aligned_alloc(64, std::max<size_t>(64, (bytes + 63) / 64 * 64));
    if (!data)
      die("out of memory allocating " + std::to_string(bytes) + " bytes");
  }
  ~Buffer() { std::free(data); }
  Buffer(const Buffer &) = delete;
  void *data;
  size_t bytes;
};

void fillRandom(void *data, kiln_element_type type, uint64_t n, std::mt19937 &rng) {
  std::uniform_real_distribution<float> real(-1.0f, 1.0f);
  std::uniform_int_distribution<int> bit(0, 1);
  for (uint64_t i = 0; i < n; ++i) {
    switch (type) {
    case KILN_ELEMENT_TYPE_FLOAT32:
      static_cast<float *>(data)[i] = real(rng);
      break;
    case KILN_ELEMENT_TYPE_FLOAT64:
      static_cast<double *>(data)[i] = real(rng);
      break;
    case KILN_ELEMENT_TYPE_INT64:
      static_cast<int64_t *>(data)[i] = bit(rng);
      break;
    case KILN_ELEMENT_TYPE_INT32:
      static_cast<int32_t *>(data)[i] = bit(rng);
      break;
    default: {
      // Integer-like types of 1-2 bytes and the 16-bit floats: small non-negative values.
      size_t size = kiln_element_type_size(type);
      memset(static_cast<char *>(data) + i * size, 0, size);
      if (type != KILN_ELEMENT_TYPE_FLOAT16 && type != KILN_ELEMENT_TYPE_BFLOAT16)
        static_cast<unsigned char *>(data)[i * size] = uint8_t(bit(rng));
    }
    }
  }
}

/// `array` (f32) rounded to bf16, to nearest even (NaN stays NaN), in place.
void narrowToBFloat16(NpyArray &array) {
  size_t n = array.data.size() / 4;
  std::vector<unsigned char> out(n * 2);
  for (size_t i = 0; i < n; ++i) {
    uint32_t bits;
    std::memcpy(&bits, array.data.data() + 4 * i, 4);
    uint16_t half = (bits & 0x7fffffffu) > 0x7f800000u
                        ? uint16_t((bits >> 16) | 0x40) // a quiet NaN
                        : uint16_t((bits + 0x7fffu + ((bits >> 16) & 1)) >> 16);
    std::memcpy(out.data() + 2 * i, &half, 2);
  }
  array.data = std::move(out);
  array.elementType = KILN_ELEMENT_TYPE_BFLOAT16;
}

/// Moves `tensors` into device memory of the model (copying their values in when `copyIn`);
/// a shape-determining input stays on the host.
void bindOnDevice(kiln_model *model, std::vector<kiln_tensor> &tensors, bool inputs,
                  int32_t ordinal) {
  for (size_t i = 0; i < tensors.size(); ++i) {
    const kiln_tensor_info *info;
    check(inputs ? kiln_model_input_info(model, i, &info)
                 : kiln_model_output_info(model, i, &info));
    if (info->flags & KILN_TENSOR_HOST_VALUE)
      continue;
    kiln_tensor &t = tensors[i];
    void *memory = nullptr;
    check(kiln_model_alloc_device_memory(model, std::max<uint64_t>(t.byte_size, 1), &memory));
    gDeviceMemory.push_back(memory);
    if (inputs)
      check(kiln_model_copy_to_device(model, memory, t.data, t.byte_size));
    t.device = kiln_model_device(model);
    t.device_ordinal = ordinal;
    t.data = memory;
  }
}

} // namespace

int main(int argc, char **argv) {
  Options opts = parseArgs(argc, argv);
  kiln_options *&options = gOptions;
  check(kiln_options_create(&options));
  check(kiln_options_set_threads(options, opts.threads));
  check(kiln_options_set_verify_weights(options, opts.verifyWeights));
  check(kiln_options_set_cuda_graphs(options, opts.cudaGraphs));
  if (opts.device != KILN_DEVICE_INVALID)
    check(kiln_options_set_device(options, opts.device, opts.ordinal));
  auto loadStart = std::chrono::steady_clock::now();
  kiln_model *&model = gModel;
  check(kiln_model_load(opts.artifact.c_str(), options, &model));
  double loadMs =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - loadStart)
          .count();
  size_t numInputs = kiln_model_input_count(model), numOutputs = kiln_model_output_count(model);

  if (opts.describe || !opts.quiet) {
    printf("model '%s': %zu inputs, %zu outputs (loaded in %.1f ms)\n", kiln_model_name(model),
           numInputs, numOutputs, loadMs);
    for (size_t i = 0; i < numInputs + numOutputs; ++i) {
      const kiln_tensor_info *info;
      if (i < numInputs)
        check(kiln_model_input_info(model, i, &info));
      else
        check(kiln_model_output_info(model, i - numInputs, &info));
      printf("  %-6s %s: %s %s%s\n", i < numInputs ? "input" : "output", info->name,
             kiln_element_type_name(info->element_type),
             shapeString(info->dims, info->rank, info->dim_params).c_str(),
             info->flags & KILN_TENSOR_HOST_VALUE ? " (shape-determining values)" : "");
    }
  }
  if (opts.describe) {
    kiln_model_release(model);
    kiln_options_release(options);
    return 0;
  }

  for (auto &[name, file] : opts.inputs) {
    size_t index;
    check(kiln_model_find_input(model, name.c_str(), &index));
  }
  kiln_session *&session = gSession;
  check(kiln_session_create(model, options, &session));
  kiln_options_release(options);
  options = nullptr;

  // Inputs: from .npy files, else random with dynamic dims from --dim.
  std::mt19937 rng(opts.seed);
  std::vector<std::unique_ptr<Buffer>> &inputData = gBuffers;
  std::vector<std::vector<int64_t>> inputDims(numInputs);
  std::vector<kiln_tensor> inputs(numInputs);
  for (size_t i = 0; i < numInputs; ++i) {
    const kiln_tensor_info *info;
    check(kiln_model_input_info(model, i, &info));
    kiln_tensor &t = inputs[i];
    t.name = info->name;
    t.device = KILN_DEVICE_CPU;
    auto file = opts.inputs.find(info->name);
    if (file != opts.inputs.end()) {
      NpyArray array;
      std::string error;
      if (!readNpy(file->second, array, error))
        die("input '" + std::string(info->name) + "': " + error);
      inputDims[i] = array.dims;
      if (info->element_type == KILN_ELEMENT_TYPE_BFLOAT16 &&
          array.elementType == KILN_ELEMENT_TYPE_FLOAT32)
        narrowToBFloat16(array); // NumPy has no bfloat16: f32 values are rounded to it
      t.element_type = array.elementType;
      inputData.push_back(std::make_unique<Buffer>(array.data.size()));
      if (!array.data.empty())
        memcpy(inputData.back()->data, array.data.data(), array.data.size());
    } else {
      uint64_t n = 1;
      for (int32_t d = 0; d < info->rank; ++d) {
        int64_t dim = info->dims[d];
        if (dim < 0) {
          auto given = opts.dims.find(info->dim_params[d]);
          dim = given == opts.dims.end() ? 1 : given->second;
        }
        inputDims[i].push_back(dim);
        n *= uint64_t(dim);
      }
      t.element_type = info->element_type;
      inputData.push_back(std::make_unique<Buffer>(n * kiln_element_type_size(info->element_type)));
      fillRandom(inputData.back()->data, info->element_type, n, rng);
    }
    t.rank = int32_t(inputDims[i].size());
    t.dims = inputDims[i].data();
    t.data = inputData.back()->data;
    t.byte_size = inputData.back()->bytes;
  }

  check(kiln_session_infer_shapes(session, inputs.data(), numInputs));
  std::vector<Buffer *> outputData;
  std::vector<std::vector<int64_t>> outputDims(numOutputs);
  std::vector<kiln_tensor> outputs(numOutputs);
  for (size_t i = 0; i < numOutputs; ++i) {
    const kiln_tensor_info *info;
    check(kiln_model_output_info(model, i, &info));
    int32_t rank;
    const int64_t *dims;
    check(kiln_session_output_shape(session, i, &rank, &dims));
    outputDims[i].assign(dims, dims + rank);
    uint64_t n = 1;
    for (int64_t d : outputDims[i])
      n *= uint64_t(d);
    gBuffers.push_back(std::make_unique<Buffer>(n * kiln_element_type_size(info->element_type)));
    outputData.push_back(gBuffers.back().get());
    kiln_tensor &t = outputs[i];
    t.index = int32_t(i);
    t.element_type = info->element_type;
    t.device = KILN_DEVICE_CPU;
    t.rank = rank;
    t.dims = outputDims[i].data();
    t.data = outputData.back()->data;
    t.byte_size = outputData.back()->bytes;
  }

  if (opts.ioOnDevice) {
    if (kiln_model_device(model) == KILN_DEVICE_CPU)
      die("--io=device needs a CUDA model on --device=cuda or cuda-emulator", 2);
    int32_t ordinal = kiln_model_device(model) == KILN_DEVICE_CUDA ? opts.ordinal : 0;
    bindOnDevice(model, inputs, true, ordinal);
    bindOnDevice(model, outputs, false, ordinal);
  }
  auto run = [&] {
    auto start = std::chrono::steady_clock::now();
    check(kiln_session_run(session, inputs.data(), numInputs, outputs.data(), numOutputs));
    check(kiln_session_synchronize(session));
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
        .count();
  };
  double firstMs = run();
  for (size_t i = 0; i < numOutputs; ++i)
    if (outputs[i].device != KILN_DEVICE_CPU)
      check(kiln_model_copy_from_device(model, outputData[i]->data, outputs[i].data,
                                        outputData[i]->bytes));
  if (!opts.quiet) {
    printf("ran once in %.3f ms\n", firstMs);
    for (size_t i = 0; i < numOutputs; ++i) {
      const kiln_tensor_info *info;
      check(kiln_model_output_info(model, i, &info));
      printf("  output %s: %s %s", info->name, kiln_element_type_name(info->element_type),
             shapeString(outputDims[i].data(), int32_t(outputDims[i].size()), nullptr).c_str());
      // The first values of f32 and i64 outputs (logits, token ids).
      auto preview = [&](auto *v, size_t n, auto print) {
        printf(" =");
        for (size_t j = 0; j < std::min<size_t>(n, 6); ++j)
          print(v[j]);
        if (n > 6)
          printf(" ...");
      };
      if (info->element_type == KILN_ELEMENT_TYPE_FLOAT32)
        preview(static_cast<const float *>(outputData[i]->data),
                outputData[i]->bytes / sizeof(float), [](float x) { printf(" %.5g", x); });
      if (info->element_type == KILN_ELEMENT_TYPE_INT64)
        preview(static_cast<const int64_t *>(outputData[i]->data),
                outputData[i]->bytes / sizeof(int64_t),
                [](int64_t x) { printf(" %lld", (long long)x); });
      printf("\n");
    }
  }

  if (!opts.outputDir.empty()) {
    mkdir(opts.outputDir.c_str(), 0777);
    for (size_t i = 0; i < numOutputs; ++i) {
      const kiln_tensor_info *info;
      check(kiln_model_output_info(model, i, &info));
      std::string name = info->name;
      std::replace(name.begin(), name.end(), '/', '_');
      std::string path = opts.outputDir + "/" + name + ".npy", error;
      if (!writeNpy(path, info->element_type, outputDims[i], outputData[i]->data,
                    outputData[i]->bytes, error))
        die(error);
      if (!opts.quiet)
        printf("  wrote %s\n", path.c_str());
    }
  }

  if (opts.benchmark) {
    int warmup = std::max(3, opts.benchmark / 10);
    for (int i = 0; i < warmup; ++i)
      run();
    std::vector<double> times;
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < opts.benchmark; ++i)
      times.push_back(run());
    double totalS = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::sort(times.begin(), times.end());
    auto pct = [&](double p) {
      size_t idx = std::min(times.size() - 1, size_t(p / 100.0 * double(times.size())));
      return times[idx];
    };
    double mean = 0;
    for (double t : times)
      mean += t;
    mean /= double(times.size());
    printf("benchmark: %d runs after %d warm-up: p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, "
           "mean %.3f ms, %.1f runs/s\n",
           opts.benchmark, warmup, pct(50), pct(90), pct(99), mean,
           double(opts.benchmark) / totalS);
  }
  kiln_session_release(session);
  session = nullptr;
  freeDeviceMemory();
  kiln_model_release(model);
  return 0;
}
