//===- RuntimeTest.cpp - GoogleTest suite of the runtime C API -------------===//
//
// Needs one compiled artifact of test/models/bert_tiny.onnx (two int64 inputs [batch, seq], one
// float output [batch, seq, 32]) in KILN_TEST_ARTIFACT; the lit test test/Runtime/gtest.test
// compiles it and runs this binary. Every failure path checks the code and the message.
//
//===----------------------------------------------------------------------===//

#include "kiln/runtime.h"
#include "TestSupport.h"
#include "artifact/ArtifactFormat.h"
#include "artifact/CodeImports.h"
#include "artifact/XXHash.h"

#include <gtest/gtest.h>

#include <dlfcn.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

namespace {

using kiln_test::Result;
using kiln_test::take;
using kiln_test::tensor;

std::string artifactPath() {
  const char *p = std::getenv("KILN_TEST_ARTIFACT");
  return p ? p : "";
}

std::vector<uint8_t> readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

/// (kind, offset, size) of the three sections of a test artifact's section table.
std::vector<std::tuple<uint32_t, uint64_t, uint64_t>>
sectionTable(const std::vector<uint8_t> &file) {
  std::vector<std::tuple<uint32_t, uint64_t, uint64_t>> table;
  for (uint32_t i = 0; i < 3; ++i) {
    const uint8_t *entry = file.data() + 64 + 40 * i;
    uint32_t kind;
    uint64_t offset, size;
    std::memcpy(&kind, entry, 4);
    std::memcpy(&offset, entry + 8, 8);
    std::memcpy(&size, entry + 16, 8);
    table.emplace_back(kind, offset, size);
  }
  return table;
}

class Loaded : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_FALSE(artifactPath().empty()) << "set KILN_TEST_ARTIFACT";
    ASSERT_EQ(take(kiln_model_load(artifactPath().c_str(), nullptr, &model)).code, KILN_OK);
    ASSERT_EQ(take(kiln_session_create(model, nullptr, &session)).code, KILN_OK);
    setShape(2, 5);
  }
  void TearDown() override {
    kiln_session_release(session);
    kiln_model_release(model);
  }

  void setShape(int64_t batch, int64_t seq) {
    inDims = {batch, seq};
    outDims = {batch, seq, 32};
    ids.assign(size_t(batch * seq), 1);
    mask.assign(size_t(batch * seq), 1);
    out.assign(size_t(batch * seq * 32), 0.0f);
    inputs[0] = tensor("input_ids", KILN_ELEMENT_TYPE_INT64, inDims, ids.data(), ids.size() * 8);
    inputs[1] =
        tensor("attention_mask", KILN_ELEMENT_TYPE_INT64, inDims, mask.data(), mask.size() * 8);
    outputs[0] = tensor(nullptr, KILN_ELEMENT_TYPE_FLOAT32, outDims, out.data(), out.size() * 4);
  }

  kiln_status *run() { return kiln_session_run(session, inputs, 2, outputs, 1); }

  kiln_model *model = nullptr;
  kiln_session *session = nullptr;
  std::vector<int64_t> inDims, outDims, ids, mask;
  std::vector<float> out;
  kiln_tensor inputs[2], outputs[1];
};

} // namespace

TEST(XXHash, ReferenceVectors) {
  EXPECT_EQ(kiln::XXH64::hash("", 0), 0xef46db3751d8e999ull);
  EXPECT_EQ(kiln::XXH64::hash("abc", 3), 0x44bc2cf5ad770999ull);
  // Incremental updates across the 32-byte stripe boundary give the one-shot digest.
  std::string text(1000, 'x');
  for (size_t i = 0; i < text.size(); ++i)
    text[i] = char(i * 7);
  kiln::XXH64 h;
  for (size_t at = 0; at < text.size(); at += 13)
    h.update(text.data() + at, std::min<size_t>(13, text.size() - at));
  EXPECT_EQ(h.digest(), kiln::XXH64::hash(text.data(), text.size()));
}

TEST(Api, NamesAndNullArguments) {
  EXPECT_STREQ(kiln_code_name(KILN_DATA_LOSS), "DATA_LOSS");
  EXPECT_STREQ(kiln_code_name(kiln_code(99)), "UNKNOWN");
  EXPECT_EQ(kiln_element_type_size(KILN_ELEMENT_TYPE_BFLOAT16), 2u);
  EXPECT_STREQ(kiln_element_type_name(KILN_ELEMENT_TYPE_INVALID), "unknown");
  EXPECT_STREQ(kiln_status_message(nullptr), "ok");
  EXPECT_EQ(kiln_artifact_format_version(), uint32_t(KILN_ARTIFACT_FORMAT_VERSION));
  kiln_model *model = nullptr;
  EXPECT_STATUS(kiln_model_load(nullptr, nullptr, &model), KILN_INVALID_ARGUMENT, "path is NULL");
  EXPECT_STATUS(kiln_model_load("/nonexistent.kiln", nullptr, &model), KILN_NOT_FOUND,
                "cannot open");
  EXPECT_STATUS(kiln_session_run(nullptr, nullptr, 0, nullptr, 0), KILN_INVALID_ARGUMENT,
                "session is NULL");
  kiln_options *options;
  ASSERT_EQ(take(kiln_options_create(&options)).code, KILN_OK);
  EXPECT_STATUS(kiln_options_set_threads(options, 5000), KILN_INVALID_ARGUMENT, "[0, 1024]");
  EXPECT_STATUS(kiln_options_set_device(options, KILN_DEVICE_CPU, 3), KILN_INVALID_ARGUMENT,
                "ordinal");
  kiln_options_release(options);
  kiln_model_release(nullptr);
  kiln_session_release(nullptr);
  kiln_status_release(nullptr);
}

TEST(ArtifactReader, RejectsDamagedFiles) {
  std::vector<uint8_t> good = readFile(artifactPath());
  ASSERT_GT(good.size(), 4096u);
  kiln_model *model = nullptr;
  auto load = [&](const std::vector<uint8_t> &bytes, int verifyWeights = 1) {
    kiln_options *options;
    kiln_options_create(&options);
    kiln_options_set_verify_weights(options, verifyWeights);
    Result r = take(kiln_model_load_from_memory(bytes.data(), bytes.size(), options, &model));
    kiln_options_release(options);
    if (r.code == KILN_OK)
      kiln_model_release(model);
    return r;
  };
  EXPECT_EQ(load(good).code, KILN_OK);

  // Every truncation is DATA_LOSS: the header's file size disagrees or the header is short.
  for (size_t cut : {size_t(0), size_t(10), size_t(63), size_t(64), size_t(200), good.size() / 2,
                     good.size() - 1}) {
    Result r = load(std::vector<uint8_t>(good.begin(), good.begin() + long(cut)));
    EXPECT_EQ(r.code, KILN_DATA_LOSS) << cut << ": " << r.message;
    EXPECT_NE(r.message.find("truncated"), std::string::npos) << r.message;
  }
  std::vector<uint8_t> longer = good;
  longer.push_back(0);
  EXPECT_EQ(load(longer).code, KILN_DATA_LOSS);

  std::vector<uint8_t> onnx = good;
  onnx[0] = 0x08;
  Result r = load(onnx);
  EXPECT_EQ(r.code, KILN_INVALID_ARGUMENT);
  EXPECT_NE(r.message.find("not a Kiln artifact"), std::string::npos) << r.message;

  std::vector<uint8_t> newer = good;
  newer[kiln::artifact::header::formatVersion] = 9;
  r = load(newer);
  EXPECT_EQ(r.code, KILN_UNIMPLEMENTED);
  EXPECT_NE(r.message.find("version 9 is newer"), std::string::npos) << r.message;

  std::vector<uint8_t> header = good;
  header[kiln::artifact::header::target] = 7;
  r = load(header);
  EXPECT_EQ(r.code, KILN_DATA_LOSS);
  EXPECT_NE(r.message.find("header checksum mismatch"), std::string::npos) << r.message;

  // A bit flip in any section is caught by its checksum; the weights' only when verified.
  uint64_t weightsOffset = 0;
  for (auto [kind, offset, size] : sectionTable(good)) {
    std::vector<uint8_t> flipped = good;
    flipped[offset + size / 2] ^= 0x10;
    r = load(flipped);
    EXPECT_EQ(r.code, KILN_DATA_LOSS) << kind << ": " << r.message;
    EXPECT_NE(r.message.find("checksum mismatch"), std::string::npos) << r.message;
    if (kind == uint32_t(kiln::artifact::SectionKind::Weights)) {
      weightsOffset = offset;
      EXPECT_EQ(load(flipped, /*verifyWeights=*/0).code, KILN_OK);
    }
  }
  EXPECT_NE(weightsOffset, 0u) << "the test model has weights";
}

// The code section's imports: the compiled model's pass; renaming one to `system` (same
// length, so the ELF stays consistent) is rejected by name; any cut of the object is rejected
// without reading outside it (ASan build).
TEST(CodeImports, AllowlistAndBounds) {
  std::vector<uint8_t> file = readFile(artifactPath());
  std::vector<uint8_t> code;
  for (auto [kind, offset, size] : sectionTable(file))
    if (kind == uint32_t(kiln::artifact::SectionKind::Code))
      code.assign(file.begin() + long(offset), file.begin() + long(offset + size));
  ASSERT_FALSE(code.empty());
  EXPECT_EQ(kiln::checkCodeImports(code.data(), code.size()), "");

  std::vector<uint8_t> hostile = code;
  const char needle[] = "memset";
  auto at = std::search(hostile.begin(), hostile.end(), needle, needle + 6);
  ASSERT_NE(at, hostile.end()) << "the test model imports memset";
  std::memcpy(&*at, "system", 6);
  EXPECT_EQ(kiln::checkCodeImports(hostile.data(), hostile.size()),
            "the code imports 'system', which generated code never uses");

  for (size_t cut = 0; cut < code.size(); cut += 97)
    EXPECT_NE(kiln::checkCodeImports(code.data(), cut), "") << cut;
  EXPECT_TRUE(kiln::isAllowedImport("erff"));
  EXPECT_TRUE(kiln::isAllowedImport("memcpy"));
  EXPECT_FALSE(kiln::isAllowedImport("dlopen"));
  EXPECT_FALSE(kiln::isAllowedImport("f"));
}

// A run whose intermediate buffer cannot be allocated (16 TiB, sized by an input's values) is
// abandoned with RESOURCE_EXHAUSTED instead of crashing, and the session runs normally
// afterwards, twice over (test/runtime/abandoned-run.test builds the model).
TEST(AbandonedRun, FailsCleanlyAndTheSessionRecovers) {
  const char *path = std::getenv("KILN_TEST_HUGE_ARTIFACT");
  if (!path)
    GTEST_SKIP() << "set KILN_TEST_HUGE_ARTIFACT";
  kiln_model *model = nullptr;
  kiln_session *session = nullptr;
  ASSERT_EQ(take(kiln_model_load(path, nullptr, &model)).code, KILN_OK);
  ASSERT_EQ(take(kiln_session_create(model, nullptr, &session)).code, KILN_OK);
  int64_t shape[2] = {0, 0}, shapeDims[1] = {2};
  float total = -1.0f;
  kiln_tensor in{}, out{};
  in.name = "shape";
  in.element_type = KILN_ELEMENT_TYPE_INT64;
  in.device = KILN_DEVICE_CPU;
  in.rank = 1;
  in.dims = shapeDims;
  in.data = shape;
  in.byte_size = sizeof shape;
  out.element_type = KILN_ELEMENT_TYPE_FLOAT32;
  out.device = KILN_DEVICE_CPU;
  out.data = &total;
  out.byte_size = sizeof total;
  for (int round = 0; round < 2; ++round) {
    shape[0] = shape[1] = int64_t(1) << 21;
    EXPECT_STATUS(kiln_session_run(session, &in, 1, &out, 1), KILN_RESOURCE_EXHAUSTED,
                  "out of memory: cannot allocate an intermediate buffer of 17592186044");
    shape[0] = 3, shape[1] = 5;
    EXPECT_EQ(take(kiln_session_run(session, &in, 1, &out, 1)).code, KILN_OK);
    EXPECT_EQ(total, 15.0f);
  }
  kiln_session_release(session);
  kiln_model_release(model);
}

TEST_F(Loaded, Signature) {
  ASSERT_EQ(kiln_model_input_count(model), 2u);
  ASSERT_EQ(kiln_model_output_count(model), 1u);
  const kiln_tensor_info *info;
  ASSERT_EQ(take(kiln_model_input_info(model, 1, &info)).code, KILN_OK);
  EXPECT_STREQ(info->name, "attention_mask");
  EXPECT_EQ(info->element_type, KILN_ELEMENT_TYPE_INT64);
  ASSERT_EQ(info->rank, 2);
  EXPECT_EQ(info->dims[0], -1);
  EXPECT_STREQ(info->dim_params[1], "seq");
  EXPECT_STATUS(kiln_model_input_info(model, 2, &info), KILN_INVALID_ARGUMENT,
                "index 2 out of range (2 inputs)");
  size_t index;
  EXPECT_STATUS(kiln_model_find_input(model, "input_id", &index), KILN_NOT_FOUND,
                "inputs are 'input_ids', 'attention_mask'");
  EXPECT_STREQ(kiln_model_name(model), "bert_tiny");
  EXPECT_EQ(kiln_model_device(model), KILN_DEVICE_CPU);
}

TEST_F(Loaded, RunsAndInfersShapes) {
  int32_t rank;
  const int64_t *dims;
  EXPECT_STATUS(kiln_session_output_shape(session, 0, &rank, &dims), KILN_FAILED_PRECONDITION,
                "no shapes yet");
  setShape(3, 7);
  ASSERT_EQ(take(kiln_session_infer_shapes(session, inputs, 2)).code, KILN_OK);
  ASSERT_EQ(take(kiln_session_output_shape(session, 0, &rank, &dims)).code, KILN_OK);
  ASSERT_EQ(rank, 3);
  EXPECT_EQ(dims[0], 3);
  EXPECT_EQ(dims[1], 7);
  EXPECT_EQ(dims[2], 32);
  ASSERT_EQ(take(run()).code, KILN_OK);
  // A layer-normalised hidden state: finite, not all zero.
  double sum = 0;
  for (float v : out) {
    ASSERT_TRUE(std::isfinite(v));
    sum += std::fabs(v);
  }
  EXPECT_GT(sum, 1.0);
}

// A session's scratch limit: a run that needs more fails with RESOURCE_EXHAUSTED naming the
// limit, the session stays usable, and a session with room runs the same inputs.
TEST_F(Loaded, ScratchLimit) {
  kiln_options *options = nullptr;
  ASSERT_EQ(take(kiln_options_create(&options)).code, KILN_OK);
  ASSERT_EQ(take(kiln_options_set_max_scratch_bytes(options, 4096)).code, KILN_OK);
  kiln_session *limited = nullptr;
  ASSERT_EQ(take(kiln_session_create(model, options, &limited)).code, KILN_OK);
  setShape(4, 16);
  for (int attempt = 0; attempt < 2; ++attempt)
    EXPECT_STATUS(kiln_session_run(limited, inputs, 2, outputs, 1), KILN_RESOURCE_EXHAUSTED,
                  "the session's scratch limit of 4096 bytes cannot hold an intermediate buffer");
  kiln_session_release(limited);
  ASSERT_EQ(take(kiln_options_set_max_scratch_bytes(options, 64 << 20)).code, KILN_OK);
  kiln_session *roomy = nullptr;
  ASSERT_EQ(take(kiln_session_create(model, options, &roomy)).code, KILN_OK);
  EXPECT_EQ(take(kiln_session_run(roomy, inputs, 2, outputs, 1)).code, KILN_OK);
  kiln_session_release(roomy);
  kiln_options_release(options);
}

TEST_F(Loaded, RejectsBadInputs) {
  EXPECT_STATUS(kiln_session_run(session, inputs, 1, outputs, 1), KILN_INVALID_ARGUMENT,
                "expected 2 inputs, got 1: 'attention_mask' is not bound");
  inputs[1].name = "input_ids";
  EXPECT_STATUS(run(), KILN_INVALID_ARGUMENT, "'input_ids' is bound twice");
  inputs[1].name = "attention";
  EXPECT_STATUS(run(), KILN_INVALID_ARGUMENT, "no input named 'attention'");
  inputs[1].name = nullptr;
  inputs[1].index = 5;
  EXPECT_STATUS(run(), KILN_INVALID_ARGUMENT, "index 5 out of range");
  setShape(2, 5);
  inputs[0].element_type = KILN_ELEMENT_TYPE_INT32;
  EXPECT_STATUS(run(), KILN_INVALID_ARGUMENT, "element type int32, expected int64");
  setShape(2, 5);
  inputs[0].element_type = KILN_ELEMENT_TYPE_INVALID;
  EXPECT_STATUS(run(), KILN_INVALID_ARGUMENT, "element type unknown");
  setShape(2, 5);
  inputs[0].device = KILN_DEVICE_INVALID;
  EXPECT_STATUS(run(), KILN_INVALID_ARGUMENT, "device 0");
  setShape(2, 5);
  inputs[0].rank = 3;
  EXPECT_STATUS(run(), KILN_INVALID_ARGUMENT, "rank 3, expected 2");
  setShape(2, 5);
  std::vector<int64_t> other = {2, 6};
  inputs[1].dims = other.data();
  inputs[1].byte_size = 2 * 6 * 8;
  std::vector<int64_t> bigger(12);
  inputs[1].data = bigger.data();
  EXPECT_STATUS(run(), KILN_INVALID_ARGUMENT, "dim 1 ('seq') is 6, but input 'input_ids' set");
  setShape(2, 5);
  inputs[0].byte_size -= 1;
  EXPECT_STATUS(run(), KILN_INVALID_ARGUMENT, "byte_size 79 is less than the 80 bytes");
  setShape(2, 5);
  inputs[0].data = nullptr;
  EXPECT_STATUS(run(), KILN_INVALID_ARGUMENT, "data is NULL");
  setShape(2, 5);
  std::vector<int64_t> padded(11);
  inputs[0].data = reinterpret_cast<char *>(padded.data()) + 1;
  EXPECT_STATUS(run(), KILN_INVALID_ARGUMENT, "not aligned");
  setShape(2, 5);
  std::vector<int64_t> huge = {int64_t(1) << 40, int64_t(1) << 40};
  inputs[0].dims = huge.data();
  inputs[1].dims = huge.data();
  EXPECT_STATUS(run(), KILN_INVALID_ARGUMENT, "overflows");
  setShape(2, 5);
  std::vector<int64_t> negative = {-2, 5};
  inputs[0].dims = negative.data();
  EXPECT_STATUS(run(), KILN_INVALID_ARGUMENT, "negative");
}

TEST_F(Loaded, RejectsBadOutputs) {
  std::vector<int64_t> wrong = {2, 5, 31};
  outputs[0].dims = wrong.data();
  EXPECT_STATUS(run(), KILN_INVALID_ARGUMENT,
                "output 'last_hidden_state': dim 2 is 31, expected 32");
  setShape(2, 5);
  std::vector<int64_t> wrongBatch = {3, 5, 32};
  outputs[0].dims = wrongBatch.data();
  outputs[0].byte_size = 3 * 5 * 32 * 4;
  std::vector<float> big(3 * 5 * 32);
  outputs[0].data = big.data();
  EXPECT_STATUS(run(), KILN_INVALID_ARGUMENT, "dim 0 is 3, the inputs give 2");
  setShape(2, 5);
  outputs[0].data = ids.data(); // overlaps input_ids
  outputs[0].byte_size = 80;
  EXPECT_STATUS(run(), KILN_INVALID_ARGUMENT, "byte_size 80 is less than");
  std::vector<float> shared(2 * 5 * 32);
  outputs[0].data = shared.data();
  outputs[0].byte_size = shared.size() * 4;
  inputs[0].data = shared.data();
  EXPECT_STATUS(run(), KILN_INVALID_ARGUMENT, "overlaps input 'input_ids'");
}

TEST_F(Loaded, ConcurrentSessionsAgree) {
  // Large enough for the GEMMs to be split over each session's worker threads.
  setShape(4, 32);
  ASSERT_EQ(take(run()).code, KILN_OK);
  const std::vector<float> reference = out;
  constexpr int kThreads = 4, kRuns = 10;
  std::atomic<int> mismatches{0}, failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      kiln_options *options;
      kiln_options_create(&options);
      kiln_options_set_threads(options, 1 + t % 2);
      kiln_session *mine;
      if (take(kiln_session_create(model, options, &mine)).code != KILN_OK) {
        ++failures;
        return;
      }
      kiln_options_release(options);
      std::vector<float> result(reference.size());
      kiln_tensor in[2] = {inputs[0], inputs[1]}, o = outputs[0];
      o.data = result.data();
      for (int i = 0; i < kRuns; ++i) {
        if (take(kiln_session_run(mine, in, 2, &o, 1)).code != KILN_OK)
          ++failures;
        for (size_t j = 0; j < result.size(); ++j)
          if (std::fabs(result[j] - reference[j]) > 1e-5f * (1 + std::fabs(reference[j]))) {
            ++mismatches;
            break;
          }
      }
      kiln_session_release(mine);
    });
  for (std::thread &t : threads)
    t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(mismatches, 0);
}

TEST_F(Loaded, ModelOutlivesCallerReference) {
  kiln_model_release(model);
  model = nullptr;
  EXPECT_EQ(take(run()).code, KILN_OK);
}

// Asking for CUDA on a machine without the NVIDIA driver is UNAVAILABLE, naming the driver
// library, whatever the artifact targets (with a driver this is the device check's business).
TEST(Devices, CUDAWithoutADriverIsUnavailable) {
  if (void *driver = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL)) {
    dlclose(driver);
    GTEST_SKIP() << "this machine has the NVIDIA driver";
  }
  ASSERT_FALSE(artifactPath().empty()) << "set KILN_TEST_ARTIFACT";
  kiln_options *options = nullptr;
  ASSERT_EQ(take(kiln_options_create(&options)).code, KILN_OK);
  ASSERT_EQ(take(kiln_options_set_device(options, KILN_DEVICE_CUDA, 0)).code, KILN_OK);
  ASSERT_EQ(take(kiln_options_set_cuda_stream(options, nullptr)).code, KILN_OK);
  kiln_model *model = nullptr;
  EXPECT_STATUS(kiln_model_load(artifactPath().c_str(), options, &model), KILN_UNAVAILABLE,
                "CUDA is unavailable: cannot load the NVIDIA driver library 'libcuda.so.1'");
  EXPECT_EQ(model, nullptr);
  kiln_options_release(options);
}
