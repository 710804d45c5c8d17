//===- CUDASessionTest.cpp - CUDA sessions, on the emulated device ---------===//
//
// Needs a CUDA artifact of test/models/bert_tiny.onnx in KILN_TEST_CUDA_ARTIFACT and the CPU
// one in KILN_TEST_ARTIFACT (test/runtime/gtest.test compiles both). The runtime's CUDA
// backend runs on the emulated device through the same driver table as on a GPU, so what is
// checked here is the backend itself: tensors in device memory, asynchronous runs whose
// errors the next synchronize reports, CUDA graphs replayed with new input values, and the
// checks of device memory a caller binds. Results are compared with the CPU artifact's.
//
//===----------------------------------------------------------------------===//

#include "TestSupport.h"
#include "kiln/runtime.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

using kiln_test::take;
using kiln_test::tensor;

constexpr int64_t kBatch = 2, kSeq = 6, kHidden = 32;
constexpr size_t kTokens = size_t(kBatch * kSeq), kOutputs = kTokens * kHidden;

std::string env(const char *name) {
  const char *p = std::getenv(name);
  return p ? p : "";
}

/// Token ids of run `k`: each run has other values, so a replay that kept stale inputs shows.
std::vector<int64_t> idsOf(int k) {
  std::vector<int64_t> ids(kTokens);
  for (size_t i = 0; i < kTokens; ++i)
    ids[i] = int64_t((i * 7 + size_t(k) * 13) % 50) + 1;
  return ids;
}

class CUDASession : public ::testing::Test {
protected:
  void SetUp() override {
    if (env("KILN_TEST_CUDA_ARTIFACT").empty() || env("KILN_TEST_ARTIFACT").empty())
      GTEST_FAIL() << "set KILN_TEST_CUDA_ARTIFACT and KILN_TEST_ARTIFACT";
    kiln_options *options = nullptr;
    ASSERT_EQ(take(kiln_options_create(&options)).code, KILN_OK);
    ASSERT_EQ(take(kiln_options_set_device(options, KILN_DEVICE_CUDA_EMULATOR, 0)).code, KILN_OK);
    ASSERT_EQ(take(kiln_model_load(env("KILN_TEST_CUDA_ARTIFACT").c_str(), options, &model)).code,
              KILN_OK);
    kiln_options_release(options);
    ASSERT_EQ(take(kiln_model_load(env("KILN_TEST_ARTIFACT").c_str(), nullptr, &cpuModel)).code,
              KILN_OK);
  }
  void TearDown() override {
    for (void *p : deviceMemory)
      EXPECT_EQ(take(kiln_model_free_device_memory(model, p)).code, KILN_OK);
    kiln_model_release(model);
    kiln_model_release(cpuModel);
  }

  void *deviceAlloc(uint64_t bytes) {
    void *p = nullptr;
    EXPECT_EQ(take(kiln_model_alloc_device_memory(model, bytes, &p)).code, KILN_OK);
    deviceMemory.push_back(p);
    return p;
  }

  /// The CPU artifact's output for `ids` (mask all ones).
  std::vector<float> reference(const std::vector<int64_t> &ids) {
    kiln_session *s = nullptr;
    EXPECT_EQ(take(kiln_session_create(cpuModel, nullptr, &s)).code, KILN_OK);
    std::vector<int64_t> idsCopy = ids, mask(kTokens, 1);
    std::vector<float> out(kOutputs);
    kiln_tensor in[2] = {
        tensor("input_ids", KILN_ELEMENT_TYPE_INT64, dims, idsCopy.data(), kTokens * 8),
        tensor("attention_mask", KILN_ELEMENT_TYPE_INT64, dims, mask.data(), kTokens * 8)};
    kiln_tensor o = tensor(nullptr, KILN_ELEMENT_TYPE_FLOAT32, outDims, out.data(), kOutputs * 4);
    EXPECT_EQ(take(kiln_session_run(s, in, 2, &o, 1)).code, KILN_OK);
    kiln_session_release(s);
    return out;
  }

  static void expectClose(const std::vector<float> &got, const std::vector<float> &want,
                          const char *what) {
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i)
      ASSERT_NEAR(got[i], want[i], 1e-4 + 1e-4 * std::fabs(want[i])) << what << ", element " << i;
  }

  /// A session with graphs on or off, on its own stream or on the legacy default stream.
  kiln_session *session(bool graphs, bool legacyStream = false) {
    kiln_options *options = nullptr;
    EXPECT_EQ(take(kiln_options_create(&options)).code, KILN_OK);
    EXPECT_EQ(take(kiln_options_set_cuda_graphs(options, graphs)).code, KILN_OK);
    if (legacyStream)
      EXPECT_EQ(take(kiln_options_set_cuda_stream(options, nullptr)).code, KILN_OK);
    kiln_session *s = nullptr;
    EXPECT_EQ(take(kiln_session_create(model, options, &s)).code, KILN_OK);
    kiln_options_release(options);
    return s;
  }

  kiln_model *model = nullptr, *cpuModel = nullptr;
  std::vector<void *> deviceMemory;
  const std::vector<int64_t> dims = {kBatch, kSeq}, outDims = {kBatch, kSeq, kHidden};
};

// Inputs and outputs in device memory give what host ones give, and the run does not wait:
// the output's memory still holds its poison until kiln_session_synchronize.
TEST_F(CUDASession, TensorsInDeviceMemoryRunAsynchronously) {
  std::vector<int64_t> ids = idsOf(0), mask(kTokens, 1);
  auto *dIds = deviceAlloc(kTokens * 8), *dMask = deviceAlloc(kTokens * 8);
  auto *dOut = static_cast<float *>(deviceAlloc(kOutputs * 4));
  ASSERT_EQ(take(kiln_model_copy_to_device(model, dIds, ids.data(), kTokens * 8)).code, KILN_OK);
  ASSERT_EQ(take(kiln_model_copy_to_device(model, dMask, mask.data(), kTokens * 8)).code, KILN_OK);
  std::vector<float> poison(kOutputs, NAN), out(kOutputs);
  ASSERT_EQ(take(kiln_model_copy_to_device(model, dOut, poison.data(), kOutputs * 4)).code,
            KILN_OK);
  kiln_device emu = KILN_DEVICE_CUDA_EMULATOR;
  kiln_tensor in[2] = {
      tensor("input_ids", KILN_ELEMENT_TYPE_INT64, dims, dIds, kTokens * 8, emu),
      tensor("attention_mask", KILN_ELEMENT_TYPE_INT64, dims, dMask, kTokens * 8, emu)};
  kiln_tensor o = tensor(nullptr, KILN_ELEMENT_TYPE_FLOAT32, outDims, dOut, kOutputs * 4, emu);
  kiln_session *s = session(true);
  ASSERT_EQ(take(kiln_session_run(s, in, 2, &o, 1)).code, KILN_OK);
  // The emulated device's memory is host memory: what the run has not done yet shows.
  EXPECT_TRUE(std::isnan(dOut[0])) << "kiln_session_run waited for the device";
  ASSERT_EQ(take(kiln_session_synchronize(s)).code, KILN_OK);
  ASSERT_EQ(take(kiln_model_copy_from_device(model, out.data(), dOut, kOutputs * 4)).code, KILN_OK);
  expectClose(out, reference(ids), "device-resident run");
  // A kernel's index error (a token id past the vocabulary) is the next synchronize's.
  ids[3] = 1 << 20;
  ASSERT_EQ(take(kiln_model_copy_to_device(model, dIds, ids.data(), kTokens * 8)).code, KILN_OK);
  ASSERT_EQ(take(kiln_session_run(s, in, 2, &o, 1)).code, KILN_OK);
  EXPECT_STATUS(kiln_session_synchronize(s), KILN_INVALID_ARGUMENT, "is out of range");
  ASSERT_EQ(take(kiln_session_synchronize(s)).code, KILN_OK) << "the error was reported twice";
  kiln_session_release(s);
}

// With graphs on, the first run at a shape is eager, the second captured, the later ones
// replayed: each with new input values, each as a session without graphs gives.
TEST_F(CUDASession, GraphReplaysTakeEachRunsInputs) {
  kiln_session *s = session(true);
  std::vector<int64_t> mask(kTokens, 1);
  std::vector<float> out(kOutputs);
  for (int k = 0; k < 4; ++k) {
    std::vector<int64_t> ids = idsOf(k);
    kiln_tensor in[2] = {
        tensor("input_ids", KILN_ELEMENT_TYPE_INT64, dims, ids.data(), kTokens * 8),
        tensor("attention_mask", KILN_ELEMENT_TYPE_INT64, dims, mask.data(), kTokens * 8)};
    kiln_tensor o = tensor(nullptr, KILN_ELEMENT_TYPE_FLOAT32, outDims, out.data(), kOutputs * 4);
    std::fill(out.begin(), out.end(), NAN);
    ASSERT_EQ(take(kiln_session_run(s, in, 2, &o, 1)).code, KILN_OK) << "run " << k;
    expectClose(out, reference(ids), ("run " + std::to_string(k)).c_str());
  }
  kiln_session_release(s);
}

// What the driver says about the memory a caller binds on the device is checked.
TEST_F(CUDASession, DeviceTensorsMustBeDeviceMemoryLargeEnough) {
  std::vector<int64_t> ids = idsOf(0), mask(kTokens, 1);
  std::vector<float> out(kOutputs);
  kiln_device emu = KILN_DEVICE_CUDA_EMULATOR;
  kiln_tensor in[2] = {
      tensor("input_ids", KILN_ELEMENT_TYPE_INT64, dims, ids.data(), kTokens * 8, emu),
      tensor("attention_mask", KILN_ELEMENT_TYPE_INT64, dims, mask.data(), kTokens * 8)};
  kiln_tensor o = tensor(nullptr, KILN_ELEMENT_TYPE_FLOAT32, outDims, out.data(), kOutputs * 4);
  kiln_session *s = session(true);
  EXPECT_STATUS(kiln_session_run(s, in, 2, &o, 1), KILN_INVALID_ARGUMENT, "input 'input_ids': ");
  EXPECT_STATUS(kiln_session_run(s, in, 2, &o, 1), KILN_INVALID_ARGUMENT,
                "is not memory the CUDA driver knows");
  // An allocation smaller than the tensor claims.
  void *small = deviceAlloc(kTokens * 4);
  in[0].data = small;
  EXPECT_STATUS(kiln_session_run(s, in, 2, &o, 1), KILN_INVALID_ARGUMENT,
                "inside an allocation of 48 bytes that ends 48 bytes before the tensor's 96 do");
  // Another device kind, another ordinal.
  in[0].device = KILN_DEVICE_CUDA;
  EXPECT_STATUS(kiln_session_run(s, in, 2, &o, 1), KILN_INVALID_ARGUMENT,
                "expected cpu (1) ordinal 0 or the model's device (3) ordinal 0");
  in[0].device = emu;
  in[0].device_ordinal = 1;
  EXPECT_STATUS(kiln_session_run(s, in, 2, &o, 1), KILN_INVALID_ARGUMENT, "device 3 ordinal 1");
  kiln_session_release(s);
  // Device memory of a CPU model does not exist.
  void *p = nullptr;
  EXPECT_STATUS(kiln_model_alloc_device_memory(cpuModel, 64, &p), KILN_FAILED_PRECONDITION,
                "the model runs on the CPU");
  EXPECT_STATUS(kiln_model_alloc_device_memory(model, 0, &p), KILN_INVALID_ARGUMENT,
                "cannot allocate 0 bytes");
  EXPECT_STATUS(kiln_model_copy_to_device(model, out.data(), ids.data(), 8), KILN_INVALID_ARGUMENT,
                "the destination");
}

// A session on the caller's stream (here the legacy default stream, which is never captured)
// runs as one on its own.
TEST_F(CUDASession, TheCallersStreamIsUsed) {
  kiln_session *s = session(true, /*legacyStream=*/true);
  std::vector<int64_t> ids = idsOf(2), mask(kTokens, 1);
  std::vector<float> out(kOutputs);
  kiln_tensor in[2] = {
      tensor("input_ids", KILN_ELEMENT_TYPE_INT64, dims, ids.data(), kTokens * 8),
      tensor("attention_mask", KILN_ELEMENT_TYPE_INT64, dims, mask.data(), kTokens * 8)};
  kiln_tensor o = tensor(nullptr, KILN_ELEMENT_TYPE_FLOAT32, outDims, out.data(), kOutputs * 4);
  for (int k = 0; k < 3; ++k)
    ASSERT_EQ(take(kiln_session_run(s, in, 2, &o, 1)).code, KILN_OK);
  expectClose(out, reference(ids), "legacy stream");
  kiln_session_release(s);
}

} // namespace
