//===- CUDAEmulatorTest.cpp - the emulated CUDA device --------------------===//
//
// The emulator's own guarantees, on kernels written here against the emulation ABI
// (runtime/lib/abi.h) the way kiln-cuda-emulation-kernels writes them: every thread of every
// block runs with its ids; barriers order the phases of a block; a thread that leaves while
// others wait at a barrier, and an out-of-bounds access, fail the launch naming kernel, block
// and thread; the thread order depends on the seed. (Kiln's compiled kernels run on it in
// test/Tools/kiln-run-device.test and test/python/test_cuda_emulator.py.)
//
//===----------------------------------------------------------------------===//

#include "runtime/lib/CUDAEmulator.h"
#include "runtime/lib/abi.h"

#include <gtest/gtest.h>

#include <algorithm>
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

const kiln_emu_kernel kernels[] = {
    {"write_ids", 0, writeIds},
    {"reverse", KILN_EMU_KERNEL_BARRIERS, reverseInBlock},
    {"divergent", KILN_EMU_KERNEL_BARRIERS, divergentBarrier},
    {"oob", 0, outOfBounds},
    {"order", 0, logOrder},
    {"unwritten", 0, readsUnwritten},
};
int64_t record[4];
const kiln_emu_global globals[] = {{"kiln_error", record, sizeof record}};
const kiln_emu_image image = {KILN_EMU_MAGIC, 6, 1, kernels, globals};

struct Emulator : testing::Test {
  void SetUp() override {
    ASSERT_EQ(d.moduleLoadData(&module, &image), 0);
  }
  kiln::CUfunction function(const char *name) {
    kiln::CUfunction f = nullptr;
    EXPECT_EQ(d.moduleGetFunction(&f, module, name), 0);
    return f;
  }
  int launch(const char *name, unsigned grid, unsigned block, std::vector<int64_t> args) {
    std::vector<void *> params;
    for (int64_t &a : args)
      params.push_back(&a);
    return d.launchKernel(function(name), grid, 1, 1, block, 1, 1, 0, nullptr, params.data(),
                          nullptr);
  }
  const kiln::CUDADriver &d = kiln::emulatedCUDADriver();
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
  const char cubin[] = "\x7f" "ELF not an emulation image";
  kiln::CUmodule other = nullptr;
  EXPECT_NE(d.moduleLoadData(&other, cubin), 0);
}

} // namespace
