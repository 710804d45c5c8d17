//===- CUDAEmulatorTest.cpp - the emulated CUDA device --------------------===//
//
// The emulator's own guarantees, on kernels written here against the emulation ABI
// (runtime/lib/abi.h) the way kiln-cuda-emulation-kernels writes them: every thread of every
// block runs with its ids; barriers order the phases of a block; a thread that leaves while
// others wait at a barrier, and an out-of-bounds access, fail the launch naming kernel, block
// and thread; the thread order depends on the seed; work waits in a queue until something
// waits for it, a fault is sticky, captured graphs replay their launches, and pointer
// attributes describe the emulator's allocations. (Kiln's compiled kernels run on it in
// test/Tools/kiln-run-device.test and test/python/test_cuda_emulator.py.)
//
//===----------------------------------------------------------------------===//

#include "runtime/lib/CUDAEmulator.h"
#include "runtime/lib/abi.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

namespace {

kiln_emu_thread *self(int64_t thread) { return reinterpret_cast<kiln_emu_thread *>(thread); }
int64_t param(void **params, int i) { return *static_cast<int64_t *>(params[i]); }

/// out[global id] = global id (params: out).
void writeIds(int64_t thread, void **params) {
  kiln_emu_thread *t = self(thread);
  int64_t *out = reinterpret_cast<int64_t *>(param(params, 0));
  int64_t id = t->id[3] * t->id[6] + t->id[0];
  out[id] = id;
}

/// Reverses a block's values through a block-shared array: write, barrier, read the mirror.
/// (params: data, shared scratch of one block)
void reverseInBlock(int64_t thread, void **params) {
  kiln_emu_thread *t = self(thread);
  int64_t *data = reinterpret_cast<int64_t *>(param(params, 0));
  int64_t *shared = reinterpret_cast<int64_t *>(param(params, 1));
  int64_t i = t->id[0], n = t->id[6];
  shared[i] = data[i];
  t->barrier(t);
  data[i] = shared[n - 1 - i];
}

/// Thread 0 returns early; the others wait at a barrier.
void divergentBarrier(int64_t thread, void **) {
  kiln_emu_thread *t = self(thread);
  if (t->id[0] == 0)
    return;
  t->barrier(t);
}

/// Thread 3 of block 1 reads index 8 of a dim of size 8.
void outOfBounds(int64_t thread, void **) {
  kiln_emu_thread *t = self(thread);
  if (t->id[3] == 1 && t->id[0] == 3)
    t->fault(t, 0, 8, 8);
}

/// Thread 1 reads shared element 5 before anyone wrote it (as a twin's check reports it).
void readsUnwritten(int64_t thread, void **) {
  kiln_emu_thread *t = self(thread);
  if (t->id[0] == 1)
    t->unwritten(t, 5);
}

/// Appends its thread id to a log (params: log, count).
void logOrder(int64_t thread, void **params) {
  int64_t *log = reinterpret_cast<int64_t *>(param(params, 0));
  int64_t *count = reinterpret_cast<int64_t *>(param(params, 1));
  log[(*count)++] = self(thread)->id[0];
}

/// A butterfly sum over each warp (xor 16, 8, ..., 1), then each lane's `down` neighbour by
/// 1 within segments of 8 and lane 5's value by index: out[3 * id + 0..2] (params: out).
void shuffles(int64_t thread, void **params) {
  kiln_emu_thread *t = self(thread);
  int64_t *out = reinterpret_cast<int64_t *>(param(params, 0));
  int64_t id = t->id[0], sum = id;
  for (int64_t offset = 16; offset > 0; offset /= 2)
    sum += t->shuffle(t, sum, offset, 32, KILN_EMU_SHUFFLE_XOR) & 0xffffffff;
  out[3 * id] = sum;
  out[3 * id + 1] = t->shuffle(t, id, 1, 8, KILN_EMU_SHUFFLE_DOWN);
  out[3 * id + 2] = t->shuffle(t, id * 10, 5, 32, KILN_EMU_SHUFFLE_IDX) & 0xffffffff;
}

/// Lane 7 skips the shuffle the rest of its warp waits at.
void divergentShuffle(int64_t thread, void **) {
  kiln_emu_thread *t = self(thread);
  if (t->id[0] != 7)
    t->shuffle(t, 1, 1, 32, KILN_EMU_SHUFFLE_XOR);
}

/// The 8 16-bit elements at `p` as the two words a twin packs for ldmatrix.
void packRow(const uint16_t *p, int64_t *words) {
  words[0] = words[1] = 0;
  for (int e = 0; e < 8; ++e)
    words[e / 4] |= int64_t(p[e]) << (16 * (e % 4));
}

/// One warp's 16x8 product through the tensor-core ops, the way the mma.sync kernels use
/// them: A (16x16, row-major f16) by ldmatrix x4, B (16x8, k-major) by ldmatrix x2
/// transposed, C = 1, D stored by the accumulator layout (params: A, B, D f32, ldmatrix
/// results of lane l at out[3 l], out[3 l + 1] (A) and out[3 l + 2] (B)).
void mmaTile(int64_t thread, void **params) {
  kiln_emu_thread *t = self(thread);
  auto *a = reinterpret_cast<const uint16_t *>(param(params, 0));
  auto *b = reinterpret_cast<const uint16_t *>(param(params, 1));
  auto *d = reinterpret_cast<float *>(param(params, 2));
  auto *loaded = reinterpret_cast<int64_t *>(param(params, 3));
  int64_t lane = t->id[0], g = lane / 4, tig = lane % 4;
  int64_t words[5];
  packRow(a + (lane % 16) * 16 + lane / 16 * 8, words);
  t->matrix(t, KILN_EMU_MATRIX_LDMATRIX | 4 << 8, words);
  int64_t aWords[2] = {words[0], words[1]};
  loaded[3 * lane] = words[0], loaded[3 * lane + 1] = words[1];
  packRow(b + (lane % 16) * 8, words);
  t->matrix(t, KILN_EMU_MATRIX_LDMATRIX | 2 << 8 | 1 << 16, words);
  int64_t bWord = words[0];
  loaded[3 * lane + 2] = bWord;
  float one = 1.0f;
  uint32_t oneBits;
  std::memcpy(&oneBits, &one, sizeof one);
  int64_t c = int64_t(oneBits) | int64_t(uint64_t(oneBits) << 32);
  int64_t in[5] = {aWords[0], aWords[1], bWord, c, c};
  t->matrix(t, KILN_EMU_MATRIX_MMA_F16, in);
  for (int i = 0; i < 4; ++i) {
    uint32_t bits = uint32_t(uint64_t(in[i / 2]) >> (32 * (i % 2)));
    std::memcpy(&d[(g + 8 * (i / 2)) * 8 + 2 * tig + i % 2], &bits, sizeof bits);
  }
}

/// One warp's 16x8x8 TF32 product: each lane packs its A (16x8, row-major f32) and B (8x8,
/// k-major) fragment elements as the PTX ISA lays them out for m16n8k8 .tf32, C = 0.5, and
/// stores D by the accumulator layout (params: A, B, D).
void mmaTf32Tile(int64_t thread, void **params) {
  kiln_emu_thread *t = self(thread);
  auto *a = reinterpret_cast<const float *>(param(params, 0));
  auto *b = reinterpret_cast<const float *>(param(params, 1));
  auto *d = reinterpret_cast<float *>(param(params, 2));
  int64_t lane = t->id[0], g = lane / 4, tig = lane % 4;
  auto pair = [](float lo, float hi) {
    uint32_t l, h;
    std::memcpy(&l, &lo, sizeof l);
    std::memcpy(&h, &hi, sizeof h);
    return int64_t(uint64_t(l) | uint64_t(h) << 32);
  };
  int64_t c = pair(0.5f, 0.5f);
  int64_t in[5] = {pair(a[g * 8 + tig], a[(g + 8) * 8 + tig]),
                   pair(a[g * 8 + tig + 4], a[(g + 8) * 8 + tig + 4]),
                   pair(b[tig * 8 + g], b[(tig + 4) * 8 + g]), c, c};
  t->matrix(t, KILN_EMU_MATRIX_MMA_TF32, in);
  for (int i = 0; i < 4; ++i) {
    uint32_t bits = uint32_t(uint64_t(in[i / 2]) >> (32 * (i % 2)));
    std::memcpy(&d[(g + 8 * (i / 2)) * 8 + 2 * tig + i % 2], &bits, sizeof bits);
  }
}

/// Even lanes at an mma.sync, odd ones at an ldmatrix.
void mixedMatrixOps(int64_t thread, void **) {
  kiln_emu_thread *t = self(thread);
  int64_t words[5] = {};
  t->matrix(t, t->id[0] % 2 ? KILN_EMU_MATRIX_LDMATRIX | 1 << 8 : KILN_EMU_MATRIX_MMA_BF16, words);
}

/// out[global id] += step (params: out, step).
void addStep(int64_t thread, void **params) {
  kiln_emu_thread *t = self(thread);
  int64_t *out = reinterpret_cast<int64_t *>(param(params, 0));
  out[t->id[3] * t->id[6] + t->id[0]] += param(params, 1);
}

const kiln_emu_kernel kernels[] = {
    {"write_ids", 0, writeIds, 1},
    {"reverse", KILN_EMU_KERNEL_BARRIERS, reverseInBlock, 2},
    {"divergent", KILN_EMU_KERNEL_BARRIERS, divergentBarrier, 0},
    {"oob", 0, outOfBounds, 0},
    {"order", 0, logOrder, 2},
    {"unwritten", 0, readsUnwritten, 0},
    {"shuffles", KILN_EMU_KERNEL_BARRIERS, shuffles, 1},
    {"divergent_shuffle", KILN_EMU_KERNEL_BARRIERS, divergentShuffle, 0},
    {"add_step", 0, addStep, 2},
    {"mma_tile", KILN_EMU_KERNEL_BARRIERS, mmaTile, 4},
    {"mma_tf32_tile", KILN_EMU_KERNEL_BARRIERS, mmaTf32Tile, 3},
    {"mixed_matrix_ops", KILN_EMU_KERNEL_BARRIERS, mixedMatrixOps, 0},
};
int64_t record[4];
const kiln_emu_global globals[] = {{"kiln_error", record, sizeof record}};
const kiln_emu_image image = {KILN_EMU_MAGIC, sizeof kernels / sizeof kernels[0], 1, kernels,
                              globals};

struct Emulator : testing::Test {
  void SetUp() override {
    ASSERT_EQ(d.primaryCtxRetain(&context, 0), 0);
    ASSERT_EQ(d.moduleLoadData(&module, &image), 0);
  }
  // The last release resets the context, ending a fault's sticky error.
  void TearDown() override { d.primaryCtxRelease(0); }
  void resetContext() {
    d.primaryCtxRelease(0);
    ASSERT_EQ(d.primaryCtxRetain(&context, 0), 0);
  }
  kiln::CUfunction function(const char *name) {
    kiln::CUfunction f = nullptr;
    EXPECT_EQ(d.moduleGetFunction(&f, module, name), 0);
    return f;
  }
  /// Queues a launch on `stream`; the emulator copies the arguments at the call.
  int enqueue(const char *name, unsigned grid, unsigned block, std::vector<int64_t> args,
              kiln::CUstream stream = nullptr) {
    std::vector<void *> params;
    for (int64_t &a : args)
      params.push_back(&a);
    return d.launchKernel(function(name), grid, 1, 1, block, 1, 1, 0, stream, params.data(),
                          nullptr);
  }
  /// A launch and the wait for it: its fault, if any, is what the wait returns.
  int launch(const char *name, unsigned grid, unsigned block, std::vector<int64_t> args) {
    if (int r = enqueue(name, grid, block, std::move(args)))
      return r;
    return d.streamSynchronize(nullptr);
  }
  const kiln::CUDADriver &d = kiln::emulatedCUDADriver();
  kiln::CUcontext context = nullptr;
  kiln::CUmodule module = nullptr;
};

int64_t address(void *p) { return int64_t(reinterpret_cast<intptr_t>(p)); }

TEST_F(Emulator, EveryThreadOfEveryBlockRunsWithItsIds) {
  std::vector<int64_t> out(3 * 64, -1);
  ASSERT_EQ(launch("write_ids", 3, 64, {address(out.data())}), 0);
  for (int64_t i = 0; i < int64_t(out.size()); ++i)
    EXPECT_EQ(out[size_t(i)], i);
}

TEST_F(Emulator, BarriersSeparateThePhasesOfABlock) {
  std::vector<int64_t> data(128), shared(128, 0);
  for (int64_t i = 0; i < 128; ++i)
    data[size_t(i)] = i;
  ASSERT_EQ(launch("reverse", 1, 128, {address(data.data()), address(shared.data())}), 0);
  for (int64_t i = 0; i < 128; ++i)
    EXPECT_EQ(data[size_t(i)], 127 - i);
}

TEST_F(Emulator, ABarrierNotEveryThreadReachesFailsTheLaunch) {
  EXPECT_NE(launch("divergent", 1, 32, {}), 0);
  std::string detail = d.takeFailureDetail();
  EXPECT_NE(detail.find("kernel 'divergent' block (0,0,0) thread (0,0,0) ended without "
                        "reaching the gpu.barrier that 31 other threads of its block wait at"),
            std::string::npos)
      << detail;
}

TEST_F(Emulator, AnOutOfBoundsAccessFailsTheLaunchNamingIt) {
  EXPECT_NE(launch("oob", 2, 8, {}), 0);
  std::string detail = d.takeFailureDetail();
  EXPECT_NE(detail.find("kernel 'oob' block (1,0,0) thread (3,0,0): out-of-bounds access: index "
                        "8 of dim 0, which has size 8"),
            std::string::npos)
      << detail;
}

TEST_F(Emulator, AReadOfUnwrittenSharedMemoryFailsTheLaunch) {
  EXPECT_NE(launch("unwritten", 1, 4, {}), 0);
  std::string detail = d.takeFailureDetail();
  EXPECT_NE(detail.find("kernel 'unwritten' block (0,0,0) thread (1,0,0): read of element 5 of "
                        "workgroup memory, which no thread of the block has written"),
            std::string::npos)
      << detail;
}

TEST_F(Emulator, WarpsExchangeValuesAtShuffles) {
  std::vector<int64_t> out(3 * 64, -1);
  ASSERT_EQ(launch("shuffles", 1, 64, {address(out.data())}), 0);
  for (int64_t id = 0; id < 64; ++id) {
    int64_t warp = id / 32 * 32, lane = id % 32;
    EXPECT_EQ(out[size_t(3 * id)], 32 * warp + 31 * 32 / 2) << "thread " << id;
    // Down by one within segments of 8: the last lane of a segment keeps its own value, and
    // bit 32 says whether the source lane was in range.
    bool inRange = lane % 8 != 7;
    EXPECT_EQ(out[size_t(3 * id + 1)], inRange ? (id + 1) | (int64_t(1) << 32) : id)
        << "thread " << id;
    EXPECT_EQ(out[size_t(3 * id + 2)], (warp + 5) * 10) << "thread " << id;
  }
}

TEST_F(Emulator, AShuffleNotEveryLaneReachesFailsTheLaunch) {
  EXPECT_NE(launch("divergent_shuffle", 1, 32, {}), 0);
  std::string detail = d.takeFailureDetail();
  EXPECT_NE(detail.find("waits at a gpu.shuffle that kernel 'divergent_shuffle' block (0,0,0) "
                        "thread (7,0,0) of its warp does not reach (it ended)"),
            std::string::npos)
      << detail;
  resetContext();
  EXPECT_NE(launch("shuffles", 1, 48, {address(std::vector<int64_t>(3 * 48).data())}), 0);
  detail = d.takeFailureDetail();
  EXPECT_NE(detail.find("gpu.shuffle in a warp of 16 threads"), std::string::npos) << detail;
}

/// Small integers as IEEE binary16 (exact below 2048).
uint16_t halfOf(int v) {
  if (v == 0)
    return 0;
  uint16_t sign = v < 0 ? 0x8000 : 0;
  unsigned m = unsigned(v < 0 ? -v : v);
  int e = 0;
  while ((m >> e) > 1)
    ++e;
  return uint16_t(sign | (e + 15) << 10 | ((m << (10 - e)) & 0x3ff));
}

TEST_F(Emulator, LdmatrixAndMmaSyncComputeAWarpsProductInThePTXLayouts) {
  std::vector<uint16_t> a(16 * 16), b(16 * 8);
  auto av = [](int i, int k) { return (3 * i + k) % 7 - 3; };
  auto bv = [](int k, int j) { return (k + 5 * j) % 5 - 2; };
  for (int i = 0; i < 16; ++i)
    for (int k = 0; k < 16; ++k)
      a[size_t(i * 16 + k)] = halfOf(av(i, k));
  for (int k = 0; k < 16; ++k)
    for (int j = 0; j < 8; ++j)
      b[size_t(k * 8 + j)] = halfOf(bv(k, j));
  std::vector<float> product(16 * 8, -100.0f);
  std::vector<int64_t> loaded(96);
  ASSERT_EQ(launch("mma_tile", 1, 32,
                   {address(a.data()), address(b.data()), address(product.data()),
                    address(loaded.data())}),
            0)
      << d.takeFailureDetail();
  for (int i = 0; i < 16; ++i)
    for (int j = 0; j < 8; ++j) {
      int sum = 1;
      for (int k = 0; k < 16; ++k)
        sum += av(i, k) * bv(k, j);
      EXPECT_EQ(product[size_t(i * 8 + j)], float(sum)) << "D[" << i << "][" << j << "]";
    }
  // The PTX ISA's ldmatrix layout itself: lane 13 (group 3, position 1) holds elements
  // (3, 2) and (3, 3) of each 8x8 matrix; matrix 1 is rows 8-15, matrix 2 columns 8-15.
  auto element = [&](int lane, int i) {
    return uint16_t(uint64_t(loaded[size_t(3 * lane + i / 4)]) >> (16 * (i % 4)));
  };
  EXPECT_EQ(element(13, 0), a[3 * 16 + 2]);
  EXPECT_EQ(element(13, 1), a[3 * 16 + 3]);
  EXPECT_EQ(element(13, 2), a[11 * 16 + 2]);
  EXPECT_EQ(element(13, 5), a[3 * 16 + 11]);
  EXPECT_EQ(element(13, 7), a[11 * 16 + 11]);
  // Transposed (B, k by n): lane 13 holds rows 2 and 3 of column 3 of each matrix, so the
  // mma.sync B layout is checked independently of the product.
  EXPECT_EQ(element(13, 8), b[2 * 8 + 3]);
  EXPECT_EQ(element(13, 9), b[3 * 8 + 3]);
  EXPECT_EQ(element(13, 10), b[10 * 8 + 3]);
  EXPECT_EQ(element(13, 11), b[11 * 8 + 3]);
}

TEST_F(Emulator, MmaSyncTf32DropsTheLow13MantissaBitsAndAccumulatesInF32) {
  // Integers (exact in TF32) in A, pushed 2^-12 away from zero: below TF32's 10-bit mantissa
  // for |x| >= 1, so the tensor cores drop it (truncating, not rounding); the products of the
  // integer parts are exact.
  std::vector<float> a(16 * 8), b(8 * 8);
  auto av = [](int i, int k) { return (3 * i + k) % 7 - 3; };
  auto bv = [](int k, int j) { return (k + 5 * j) % 5 - 2; };
  for (int i = 0; i < 16; ++i)
    for (int k = 0; k < 8; ++k)
      a[size_t(i * 8 + k)] = float(av(i, k)) + float((av(i, k) > 0) - (av(i, k) < 0)) / 4096.0f;
  for (int k = 0; k < 8; ++k)
    for (int j = 0; j < 8; ++j)
      b[size_t(k * 8 + j)] = float(bv(k, j));
  std::vector<float> product(16 * 8, -100.0f);
  ASSERT_EQ(launch("mma_tf32_tile", 1, 32,
                   {address(a.data()), address(b.data()), address(product.data())}),
            0)
      << d.takeFailureDetail();
  for (int i = 0; i < 16; ++i)
    for (int j = 0; j < 8; ++j) {
      float sum = 0.5f;
      for (int k = 0; k < 8; ++k)
        sum += float(av(i, k) * bv(k, j));
      EXPECT_EQ(product[size_t(i * 8 + j)], sum) << "D[" << i << "][" << j << "]";
    }
}

TEST_F(Emulator, AWarpAtDifferentMatrixOpsFailsTheLaunch) {
  EXPECT_NE(launch("mixed_matrix_ops", 1, 32, {}), 0);
  std::string detail = d.takeFailureDetail();
  EXPECT_NE(detail.find("nvgpu.ldmatrix (op 257) while kernel 'mixed_matrix_ops' block (0,0,0) "
                        "thread (0,0,0) of its warp waits at another (op 3)"),
            std::string::npos)
      << detail;
}

TEST_F(Emulator, ThreadsRunInAShuffledOrder) {
  std::vector<int64_t> log(64);
  int64_t count = 0;
  ASSERT_EQ(launch("order", 1, 64, {address(log.data()), address(&count)}), 0);
  ASSERT_EQ(count, 64);
  std::vector<int64_t> sorted = log;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 64; ++i)
    EXPECT_EQ(sorted[size_t(i)], i);
  EXPECT_NE(log, sorted) << "the threads of a block ran in id order";
}

TEST_F(Emulator, GlobalsAndImagesAreFoundByName) {
  kiln::CUdeviceptr p = 0;
  size_t bytes = 0;
  ASSERT_EQ(d.moduleGetGlobal(&p, &bytes, module, "kiln_error"), 0);
  EXPECT_EQ(p, kiln::CUdeviceptr(reinterpret_cast<uintptr_t>(record)));
  EXPECT_EQ(bytes, sizeof record);
  kiln::CUfunction f = nullptr;
  EXPECT_NE(d.moduleGetFunction(&f, module, "missing"), 0);
  const char cubin[] = "\x7f"
                       "ELF not an emulation image";
  kiln::CUmodule other = nullptr;
  EXPECT_NE(d.moduleLoadData(&other, cubin), 0);
}

TEST_F(Emulator, WorkIsQueuedUntilSomethingWaitsForIt) {
  std::vector<int64_t> out(64, -1);
  kiln::CUevent event = nullptr;
  ASSERT_EQ(d.eventCreate(&event, kiln::kEventDisableTiming), 0);
  ASSERT_EQ(enqueue("write_ids", 1, 64, {address(out.data())}), 0);
  ASSERT_EQ(d.eventRecord(event, nullptr), 0);
  EXPECT_EQ(out[5], -1) << "a launch ran before anything waited for it";
  EXPECT_EQ(d.eventQuery(event), kiln::kErrorNotReady);
  ASSERT_EQ(d.eventSynchronize(event), 0);
  EXPECT_EQ(d.eventQuery(event), 0);
  EXPECT_EQ(out[5], 5);
  // A copy to host memory waits for the work queued before it; one to the device stages its
  // source at the call.
  kiln::CUdeviceptr buffer = 0;
  ASSERT_EQ(d.memAlloc(&buffer, 64 * sizeof(int64_t)), 0);
  std::vector<int64_t> source(64, 7), back(64, 0);
  ASSERT_EQ(d.memcpyHtoDAsync(buffer, source.data(), 64 * sizeof(int64_t), nullptr), 0);
  source.assign(64, 0);
  ASSERT_EQ(enqueue("add_step", 1, 64, {int64_t(buffer), 3}), 0);
  ASSERT_EQ(d.memcpyDtoHAsync(back.data(), buffer, 64 * sizeof(int64_t), nullptr), 0);
  EXPECT_EQ(back[63], 10);
  EXPECT_EQ(d.memFree(buffer), 0);
  EXPECT_EQ(d.eventDestroy(event), 0);
}

TEST_F(Emulator, AFaultIsStickyUntilTheContextIsReset) {
  EXPECT_EQ(enqueue("oob", 2, 8, {}), 0); // reported when waited for, as on a GPU
  EXPECT_EQ(d.streamSynchronize(nullptr), kiln::kErrorIllegalAddress);
  kiln::CUdeviceptr p = 0;
  EXPECT_EQ(d.memAlloc(&p, 16), kiln::kErrorIllegalAddress);
  EXPECT_NE(d.takeFailureDetail().find("out-of-bounds access"), std::string::npos);
  resetContext();
  ASSERT_EQ(d.memAlloc(&p, 16), 0);
  EXPECT_EQ(d.memFree(p), 0);
}

TEST_F(Emulator, ACapturedGraphReplaysItsLaunchesWithTheirArguments) {
  kiln::CUstream stream = nullptr;
  ASSERT_EQ(d.streamCreate(&stream, kiln::kStreamNonBlocking), 0);
  std::vector<int64_t> out(32, 0);
  ASSERT_EQ(d.streamBeginCapture(stream, kiln::kStreamCaptureModeRelaxed), 0);
  ASSERT_EQ(enqueue("add_step", 1, 32, {address(out.data()), 1}, stream), 0);
  ASSERT_EQ(enqueue("add_step", 1, 32, {address(out.data()), 10}, stream), 0);
  kiln::CUdeviceptr p = 0;
  ASSERT_EQ(d.memAlloc(&p, 16), 0) << "a relaxed capture allows cuMemAlloc";
  kiln::CUgraph graph = nullptr;
  ASSERT_EQ(d.streamEndCapture(stream, &graph), 0);
  ASSERT_EQ(d.streamSynchronize(stream), 0);
  EXPECT_EQ(out[0], 0) << "a captured launch ran";
  kiln::CUgraphExec exec = nullptr;
  ASSERT_EQ(d.graphInstantiate(&exec, graph, 0), 0);
  ASSERT_EQ(d.graphDestroy(graph), 0);
  ASSERT_EQ(d.graphLaunch(exec, stream), 0);
  ASSERT_EQ(d.graphLaunch(exec, stream), 0);
  ASSERT_EQ(d.streamSynchronize(stream), 0);
  EXPECT_EQ(out[31], 22);
  EXPECT_EQ(d.graphExecDestroy(exec), 0);
  EXPECT_EQ(d.memFree(p), 0);
  EXPECT_EQ(d.streamDestroy(stream), 0);
}

TEST_F(Emulator, ACaptureRefusesWhatAGraphCannotHold) {
  kiln::CUstream stream = nullptr;
  ASSERT_EQ(d.streamCreate(&stream, kiln::kStreamNonBlocking), 0);
  EXPECT_NE(d.streamBeginCapture(nullptr, kiln::kStreamCaptureModeRelaxed), 0)
      << "the legacy stream cannot be captured";
  // A copy from pageable host memory invalidates the capture.
  ASSERT_EQ(d.streamBeginCapture(stream, kiln::kStreamCaptureModeRelaxed), 0);
  int64_t value = 1;
  kiln::CUdeviceptr p = 0;
  ASSERT_EQ(d.memAlloc(&p, 16), 0);
  EXPECT_EQ(d.memcpyHtoDAsync(p, &value, sizeof value, stream), 900);
  kiln::CUgraph graph = nullptr;
  EXPECT_EQ(d.streamEndCapture(stream, &graph), 901);
  EXPECT_EQ(graph, nullptr);
  // So does waiting for the stream; a global-mode capture forbids cuMemAlloc.
  ASSERT_EQ(d.streamBeginCapture(stream, 0), 0);
  kiln::CUdeviceptr q = 0;
  EXPECT_EQ(d.memAlloc(&q, 16), 900);
  EXPECT_EQ(d.streamSynchronize(stream), 900);
  EXPECT_EQ(d.streamEndCapture(stream, &graph), 901);
  EXPECT_EQ(d.memFree(p), 0);
  EXPECT_EQ(d.streamDestroy(stream), 0);
}

TEST_F(Emulator, AllocationsArePoisonedWithNaN) {
  kiln::CUdeviceptr p = 0;
  ASSERT_EQ(d.memAlloc(&p, 3 * sizeof(float)), 0);
  std::vector<float> back(3, 0.0f);
  ASSERT_EQ(d.memcpyDtoHAsync(back.data(), p, back.size() * sizeof(float), nullptr), 0);
  ASSERT_EQ(d.streamSynchronize(nullptr), 0);
  for (float v : back)
    EXPECT_TRUE(std::isnan(v)) << "a fresh allocation reads " << v;
  EXPECT_EQ(d.memFree(p), 0);
}

TEST_F(Emulator, PointerAttributesDescribeDeviceAllocations) {
  kiln::CUdeviceptr p = 0;
  ASSERT_EQ(d.memAlloc(&p, 1000), 0);
  unsigned type = 0;
  int ordinal = -1;
  kiln::CUdeviceptr start = 0;
  size_t size = 0;
  ASSERT_EQ(d.pointerGetAttribute(&type, kiln::kPointerAttributeMemoryType, p + 100), 0);
  EXPECT_EQ(type, kiln::kMemoryTypeDevice);
  ASSERT_EQ(d.pointerGetAttribute(&ordinal, kiln::kPointerAttributeOrdinal, p), 0);
  EXPECT_EQ(ordinal, 0);
  ASSERT_EQ(d.pointerGetAttribute(&start, kiln::kPointerAttributeRangeStart, p + 999), 0);
  ASSERT_EQ(d.pointerGetAttribute(&size, kiln::kPointerAttributeRangeSize, p + 999), 0);
  EXPECT_EQ(start, p);
  EXPECT_EQ(size, 1000u);
  std::vector<char> host(16);
  EXPECT_NE(d.pointerGetAttribute(&type, kiln::kPointerAttributeMemoryType,
                                  kiln::CUdeviceptr(reinterpret_cast<uintptr_t>(host.data()))),
            0);
  EXPECT_EQ(d.memFree(p), 0);
  EXPECT_NE(d.pointerGetAttribute(&type, kiln::kPointerAttributeMemoryType, p), 0);
}

} // namespace
