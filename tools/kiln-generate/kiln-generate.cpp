//===- kiln-generate.cpp - text generation with a compiled decoder ----------===//
//
// Prefill, then one token at a time, with a decoder compiled by kiln-compile whose KV cache is
// in its signature (docs/generation.md): inputs input_ids [batch, seq] (int64), optionally
// attention_mask [batch, past + seq] and position_ids [batch, seq], and one input per cache
// tensor whose name starts with "past" ([batch, heads, past, head dim]); outputs logits
// [batch, seq, vocab] and, per cache input, the output named with "present" for "past"
// (present_key_0 for past_key_0, present.0.key for past_key_values.0.key). Each step's
// present tensors are the next step's past. Like kiln-run, it links the runtime only.
//
//===----------------------------------------------------------------------===//

#include "kiln/runtime.h"
#include "tools/DeviceOption.h"
#include "tools/kiln-generate/Sampling.h"
#include "tools/kiln-run/Npy.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <vector>

using namespace kiln;

namespace {

const char *usage =
    "usage: kiln-generate ARTIFACT --prompt-ids=ID,ID,... [options]\n"
    "\n"
    "Generates tokens with a decoder compiled with its KV cache as inputs and outputs\n"
    "(input_ids, past_* -> logits, present_*): the prompt in one run (prefill), then one\n"
    "token a run, each run's present tensors fed back as the next one's past.\n"
    "\n"
    "  --prompt-ids=IDS        the prompt's token ids, comma-separated (required)\n"
    "  --max-new-tokens=N      tokens to generate (default 32)\n"
    "  --temperature=T         0 (default): greedy; above 0: sample from softmax(logits / T)\n"
    "  --top-k=K               sample among the K most likely tokens (default 0: all)\n"
    "  --top-p=P               sample among the most likely tokens whose probabilities\n"
    "                          reach P (default 1: all)\n"
    "  --seed=N                the sampler's seed (default 0)\n"
    "  --stop-ids=IDS          stop after generating one of these ids\n"
    "  --device=cpu|cuda[:N]|cuda-emulator   the device (default: the artifact's target)\n"
    "  --threads=N             threads per session (default: all CPUs of the process)\n"
    "  --dump-logits=DIR       write each step's last logits row to DIR/step_<i>.npy\n"
    "  --quiet                 print the generated ids only\n";

struct Options {
  std::string artifact, dumpDir;
  std::vector<int64_t> prompt;
  std::set<int64_t> stop;
  int64_t maxNewTokens = 32;
  SamplingOptions sampling;
  kiln_device device = KILN_DEVICE_INVALID;
  int32_t ordinal = 0, threads = 0;
  bool quiet = false;
};

kiln_options *gOptions = nullptr;
kiln_model *gModel = nullptr;
kiln_session *gSession = nullptr;

[[noreturn]] void die(const std::string &message, int code = 1) {
  fprintf(stderr, "kiln-generate: %s\n", message.c_str());
  kiln_session_release(gSession);
  kiln_model_release(gModel);
  kiln_options_release(gOptions);
  exit(code);
}

void check(kiln_status *status) {
  if (!status)
    return;
  std::string message = kiln_status_message(status);
  kiln_status_release(status);
  die(message);
}

double parseNumber(const std::string &text, const std::string &what, double lo, double hi) {
  char *end = nullptr;
  errno = 0;
  double v = strtod(text.c_str(), &end);
  if (text.empty() || *end || errno || !(v >= lo && v <= hi))
    die(what + ": '" + text + "' is not a number in [" + std::to_string(lo) + ", " +
            std::to_string(hi) + "]",
        2);
  return v;
}

int64_t parseInt(const std::string &text, const std::string &what, int64_t lo, int64_t hi) {
  double v = parseNumber(text, what, double(lo), double(hi));
  if (v != double(int64_t(v)))
    die(what + ": '" + text + "' is not an integer", 2);
  return int64_t(v);
}

std::vector<int64_t> parseIds(const std::string &text, const std::string &what) {
  std::vector<int64_t> ids;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? comma : comma - start);
    ids.push_back(parseInt(item, what, 0, (int64_t(1) << 40)));
    if (comma == std::string::npos)
      break;
    start = comma + 1;
  }
  return ids;
}

Options parseArgs(int argc, char **argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    size_t eq = a.find('=');
    std::string flag = a.substr(0, eq), v = eq == std::string::npos ? "" : a.substr(eq + 1);
    auto value = [&]() -> std::string {
      if (eq != std::string::npos)
        return v;
      if (i + 1 >= argc)
        die(flag + " needs a value", 2);
      return argv[++i];
    };
    if (a == "-h" || a == "--help") {
      fputs(usage, stdout);
      exit(0);
    } else if (flag == "--prompt-ids") {
      o.prompt = parseIds(value(), "--prompt-ids");
    } else if (flag == "--stop-ids") {
      for (int64_t id : parseIds(value(), "--stop-ids"))
        o.stop.insert(id);
    } else if (flag == "--max-new-tokens") {
      o.maxNewTokens = parseInt(value(), "--max-new-tokens", 1, 1 << 20);
    } else if (flag == "--temperature") {
      o.sampling.temperature = parseNumber(value(), "--temperature", 0, 1e6);
    } else if (flag == "--top-k") {
      o.sampling.topK = parseInt(value(), "--top-k", 0, int64_t(1) << 31);
    } else if (flag == "--top-p") {
      o.sampling.topP = parseNumber(value(), "--top-p", 1e-9, 1);
    } else if (flag == "--seed") {
      o.sampling.seed = uint64_t(parseInt(value(), "--seed", 0, int64_t(1) << 53));
    } else if (flag == "--threads") {
      o.threads = int32_t(parseInt(value(), "--threads", 0, 1024));
    } else if (flag == "--dump-logits") {
      o.dumpDir = value();
    } else if (flag == "--device") {
      std::string error = parseDeviceOption(value(), o.device, o.ordinal);
      if (!error.empty())
        die(error, 2);
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
  if (o.prompt.empty())
    die("--prompt-ids is required (the prompt's token ids, comma-separated)", 2);
  return o;
}

const kiln_tensor_info *inputInfo(size_t i) {
  const kiln_tensor_info *info;
  check(kiln_model_input_info(gModel, i, &info));
  return info;
}

const kiln_tensor_info *outputInfo(size_t i) {
  const kiln_tensor_info *info;
  check(kiln_model_output_info(gModel, i, &info));
  return info;
}

/// A host tensor the generator owns.
struct Tensor {
  kiln_element_type type = KILN_ELEMENT_TYPE_INVALID;
  std::vector<int64_t> dims;
  std::vector<unsigned char> bytes;

  void resize(std::vector<int64_t> shape) {
    dims = std::move(shape);
    uint64_t n = 1;
    for (int64_t d : dims)
      n *= uint64_t(d);
    bytes.assign(n * kiln_element_type_size(type) + 64, 0);
  }
  /// The elements, 64-byte aligned within `bytes`.
  void *data() {
    uintptr_t p = reinterpret_cast<uintptr_t>(bytes.data());
    return bytes.data() + ((64 - p % 64) % 64);
  }
  kiln_tensor view(const char *name) {
    kiln_tensor t{};
    t.name = name;
    t.element_type = type;
    t.device = KILN_DEVICE_CPU;
    t.rank = int32_t(dims.size());
    t.dims = dims.data();
    t.data = data();
    t.byte_size = bytes.size() - 64;
    return t;
  }
};

/// The decoder's inputs and outputs by role.
struct Decoder {
  static constexpr size_t kNone = ~size_t(0);
  size_t ids = kNone, mask = kNone, positions = kNone, logits = kNone;
  struct Cache {
    size_t input, output;
    int32_t lengthDim; // the past length's dim
    Tensor past;
  };
  std::vector<Cache> cache;

  static Decoder of(kiln_model *model);
};

std::string presentName(std::string past) {
  if (past.rfind("past_key_values", 0) == 0)
    return "present" + past.substr(strlen("past_key_values"));
  return "present" + past.substr(strlen("past"));
}

Decoder Decoder::of(kiln_model *model) {
  Decoder d;
  auto findOutput = [&](const std::string &name) {
    size_t index;
    if (kiln_status *s = kiln_model_find_output(model, name.c_str(), &index)) {
      kiln_status_release(s);
      return kNone;
    }
    return index;
  };
  for (size_t i = 0; i < kiln_model_input_count(model); ++i) {
    const kiln_tensor_info *info = inputInfo(i);
    std::string name = info->name;
    if (name == "input_ids" || name == "attention_mask" || name == "position_ids") {
      if (info->element_type != KILN_ELEMENT_TYPE_INT64 || info->rank != 2)
        die("input '" + name + "' must be int64 [batch, seq]", 2);
      (name == "input_ids" ? d.ids : name == "attention_mask" ? d.mask : d.positions) = i;
    } else if (name.rfind("past", 0) == 0) {
      size_t out = findOutput(presentName(name));
      if (out == kNone)
        die("cache input '" + name + "' has no output '" + presentName(name) + "'", 2);
      // The past length: the dynamic dim that is not the batch (dim 0).
      int32_t length = -1;
      for (int32_t k = 1; k < info->rank; ++k)
        if (info->dims[k] < 0)
          length = k;
      if (length < 0)
        die("cache input '" + name + "' has no dynamic past length", 2);
      Cache c{i, out, length, {}};
      c.past.type = info->element_type;
      d.cache.push_back(c);
    } else {
      die("input '" + name +
              "' is neither input_ids, attention_mask, position_ids nor a "
              "cache tensor (past*): kiln-generate cannot feed it",
          2);
    }
  }
  d.logits = findOutput("logits");
  if (d.ids == kNone || d.logits == kNone)
    die("the model has no input 'input_ids' or no output 'logits': kiln-generate runs "
        "decoders exported with input_ids -> logits (and their KV cache)",
        2);
  if (d.cache.empty())
    die("the model has no cache inputs (past*): export it with its KV cache", 2);
  const kiln_tensor_info *logits = outputInfo(d.logits);
  if (logits->rank != 3 || (logits->element_type != KILN_ELEMENT_TYPE_FLOAT32 &&
                            logits->element_type != KILN_ELEMENT_TYPE_FLOAT16 &&
                            logits->element_type != KILN_ELEMENT_TYPE_BFLOAT16))
    die("output 'logits' must be a float [batch, seq, vocab]", 2);
  return d;
}

/// Runs one step on `tokens` at positions past .. past + n - 1; returns the last logits row.
std::vector<float> step(Decoder &d, const std::vector<int64_t> &tokens, int64_t past) {
  int64_t n = int64_t(tokens.size());
  Tensor ids, mask, positions;
  ids.type = mask.type = positions.type = KILN_ELEMENT_TYPE_INT64;
  ids.resize({1, n});
  std::memcpy(ids.data(), tokens.data(), size_t(n) * 8);
  mask.resize({1, past + n});
  positions.resize({1, n});
  auto *ones = static_cast<int64_t *>(mask.data());
  std::fill(ones, ones + past + n, int64_t(1));
  auto *at = static_cast<int64_t *>(positions.data());
  for (int64_t i = 0; i < n; ++i)
    at[i] = past + i;
  std::vector<kiln_tensor> inputs = {ids.view("input_ids")};
  if (d.mask != Decoder::kNone)
    inputs.push_back(mask.view("attention_mask"));
  if (d.positions != Decoder::kNone)
    inputs.push_back(positions.view("position_ids"));
  for (Decoder::Cache &c : d.cache)
    inputs.push_back(c.past.view(inputInfo(c.input)->name));
  check(kiln_session_infer_shapes(gSession, inputs.data(), inputs.size()));

  size_t numOutputs = kiln_model_output_count(gModel);
  std::vector<Tensor> out(numOutputs);
  std::vector<kiln_tensor> outputs;
  for (size_t i = 0; i < numOutputs; ++i) {
    int32_t rank;
    const int64_t *dims;
    check(kiln_session_output_shape(gSession, i, &rank, &dims));
    out[i].type = outputInfo(i)->element_type;
    out[i].resize(std::vector<int64_t>(dims, dims + rank));
    outputs.push_back(out[i].view(outputInfo(i)->name));
  }
  check(kiln_session_run(gSession, inputs.data(), inputs.size(), outputs.data(), outputs.size()));
  for (Decoder::Cache &c : d.cache)
    c.past = std::move(out[c.output]);
  Tensor &logits = out[d.logits];
  int64_t vocab = logits.dims[2];
  const unsigned char *last = static_cast<const unsigned char *>(logits.data()) +
                              size_t((n - 1) * vocab) * kiln_element_type_size(logits.type);
  return toFloats(last, logits.type, size_t(vocab));
}

double msSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

} // namespace

int main(int argc, char **argv) {
  Options opts = parseArgs(argc, argv);
  check(kiln_options_create(&gOptions));
  check(kiln_options_set_threads(gOptions, opts.threads));
  if (opts.device != KILN_DEVICE_INVALID)
    check(kiln_options_set_device(gOptions, opts.device, opts.ordinal));
  check(kiln_model_load(opts.artifact.c_str(), gOptions, &gModel));
  Decoder decoder = Decoder::of(gModel);
  check(kiln_session_create(gModel, gOptions, &gSession));
  // The empty cache: the past length 0, the other dims from the declaration (dynamic ones
  // other than the batch cannot be known before the first run).
  for (Decoder::Cache &c : decoder.cache) {
    const kiln_tensor_info *info = inputInfo(c.input);
    std::vector<int64_t> dims(info->dims, info->dims + info->rank);
    dims[0] = 1;
    dims[size_t(c.lengthDim)] = 0;
    for (int64_t dim : dims)
      if (dim < 0)
        die("cache input '" + std::string(info->name) +
                "' has a dynamic dim besides the "
                "batch and the past length",
            2);
    c.past.resize(dims);
  }

  Sampler sampler(opts.sampling);
  std::vector<int64_t> generated;
  auto emit = [&](const std::vector<float> &logits) {
    if (!opts.dumpDir.empty()) {
      std::string error, path = opts.dumpDir + "/step_" + std::to_string(generated.size()) + ".npy";
      if (!writeNpy(path, KILN_ELEMENT_TYPE_FLOAT32, {int64_t(logits.size())}, logits.data(),
                    logits.size() * sizeof(float), error))
        die(error);
    }
    generated.push_back(sampler.next(logits));
    return !opts.stop.count(generated.back()) && int64_t(generated.size()) < opts.maxNewTokens;
  };
  auto start = std::chrono::steady_clock::now();
  bool more = emit(step(decoder, opts.prompt, 0));
  double prefillMs = msSince(start);
  start = std::chrono::steady_clock::now();
  int64_t past = int64_t(opts.prompt.size()), decodeSteps = 0;
  while (more) {
    more = emit(step(decoder, {generated.back()}, past++));
    ++decodeSteps;
  }
  double decodeMs = msSince(start);

  for (size_t i = 0; i < generated.size(); ++i)
    printf("%s%lld", i ? " " : "", static_cast<long long>(generated[i]));
  printf("\n");
  if (!opts.quiet)
    printf("prefill: %zu tokens in %.2f ms (%.1f tokens/s); decode: %lld tokens in %.2f ms "
           "(%.1f tokens/s)\n",
           opts.prompt.size(), prefillMs, double(opts.prompt.size()) / prefillMs * 1e3,
           static_cast<long long>(decodeSteps), decodeMs,
           decodeSteps ? double(decodeSteps) / decodeMs * 1e3 : 0.0);
  kiln_session_release(gSession);
  kiln_model_release(gModel);
  kiln_options_release(gOptions);
  return 0;
}
