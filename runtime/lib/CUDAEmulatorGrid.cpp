//===- CUDAEmulatorGrid.cpp - one kernel launch on the emulated device ----===//
//
// Every thread of every block of one launch, in an order shuffled by KILN_EMULATOR_SEED;
// kernels with barriers or shuffles run each thread as a fiber (docs/design/cuda-emulator.md).
//
//===----------------------------------------------------------------------===//

#include "runtime/lib/CUDAEmulatorGrid.h"
#include "runtime/lib/CUDAEmulatorMatrix.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <numeric>
#include <random>
#include <ucontext.h>
#include <utility>
#include <vector>

using namespace kiln;

namespace {

constexpr size_t kFiberStackBytes = 64 * 1024;

unsigned seed() {
  static const unsigned value = [] {
    const char *s = getenv("KILN_EMULATOR_SEED");
    return s && *s ? unsigned(strtoul(s, nullptr, 10)) : 1u;
  }();
  return value;
}

/// One emulated thread: the ids the kernel reads, and the emulator's bookkeeping.
struct Thread {
  kiln_emu_thread self{};
  // AtShuffle and AtMatrix: waiting for the rest of its warp.
  enum State { Ready, AtBarrier, AtShuffle, AtMatrix, Done } state = Ready;
  // At a shuffle: what the thread offers and asks for, then what it gets.
  struct {
    uint32_t value;
    int64_t offset, width, mode, result;
  } shuffle{};
  // At a matrix op: which, and the thread's operands, replaced by its fragment of the result.
  struct {
    int64_t op;
    int64_t *words;
  } matrix{};
  ucontext_t context{};
  std::unique_ptr<char[]> stack;
  struct Block *block = nullptr;
};

/// One block of a launch in progress.
struct Block {
  const kiln_emu_kernel *kernel;
  void **params;
  std::vector<Thread> threads;
  ucontext_t scheduler{};
  bool fibers = false;
  bool failed = false;
  std::mt19937 random;
  std::string failure; // what the first failing thread did

  std::string where(const Thread &t) const {
    const int64_t *id = t.self.id;
    return "kernel '" + std::string(kernel->name) + "' block (" + std::to_string(id[3]) + "," +
           std::to_string(id[4]) + "," + std::to_string(id[5]) + ") thread (" +
           std::to_string(id[0]) + "," + std::to_string(id[1]) + "," + std::to_string(id[2]) + ")";
  }

  void fail(const std::string &detail) {
    if (!failed)
      failure = detail;
    failed = true;
  }
};

Thread &threadOf(kiln_emu_thread *self) { return *reinterpret_cast<Thread *>(self); }

void barrier(kiln_emu_thread *self) {
  Thread &t = threadOf(self);
  if (!t.block->fibers) {
    t.block->fail(t.block->where(t) + ": gpu.barrier in a kernel recorded without barriers");
    return;
  }
  t.state = Thread::AtBarrier;
  swapcontext(&t.context, &t.block->scheduler);
}

int64_t shuffle(kiln_emu_thread *self, int64_t value, int64_t offset, int64_t width, int64_t mode) {
  Thread &t = threadOf(self);
  if (!t.block->fibers) {
    t.block->fail(t.block->where(t) + ": gpu.shuffle in a kernel recorded without barriers");
    return value & 0xffffffff;
  }
  t.shuffle = {uint32_t(value), offset, width, mode, 0};
  t.state = Thread::AtShuffle;
  swapcontext(&t.context, &t.block->scheduler);
  return t.shuffle.result;
}

void matrix(kiln_emu_thread *self, int64_t op, int64_t *words) {
  Thread &t = threadOf(self);
  if (!t.block->fibers) {
    t.block->fail(t.block->where(t) + ": " + matrixOpName(op) +
                  " in a kernel recorded without barriers");
    return;
  }
  t.matrix = {op, words};
  t.state = Thread::AtMatrix;
  swapcontext(&t.context, &t.block->scheduler);
}

void fault(kiln_emu_thread *self, int64_t dim, int64_t index, int64_t size) {
  Thread &t = threadOf(self);
  t.block->fail(t.block->where(t) + ": out-of-bounds access: index " + std::to_string(index) +
                " of dim " + std::to_string(dim) + ", which has size " + std::to_string(size));
}

void unwritten(kiln_emu_thread *self, int64_t index) {
  Thread &t = threadOf(self);
  t.block->fail(t.block->where(t) + ": read of element " + std::to_string(index) +
                " of workgroup memory, which no thread of the block has written");
}

void fiberMain(unsigned high, unsigned low) {
  Thread &t = *reinterpret_cast<Thread *>((uintptr_t(high) << 32) | uintptr_t(low));
  t.block->kernel->entry(int64_t(reinterpret_cast<intptr_t>(&t.self)), t.block->params);
  t.state = Thread::Done;
}

/// Each thread's fiber, ready to start the kernel. (getcontext and swapcontext return twice:
/// they live in functions of their own, so that no caller's locals can be clobbered.)
__attribute__((noinline)) void prepareFibers(Block &block) {
  for (Thread &t : block.threads) {
    if (!t.stack)
      t.stack.reset(new char[kFiberStackBytes]);
    getcontext(&t.context);
    t.context.uc_stack.ss_sp = t.stack.get();
    t.context.uc_stack.ss_size = kFiberStackBytes;
    t.context.uc_link = &block.scheduler;
    uintptr_t p = reinterpret_cast<uintptr_t>(&t);
    makecontext(&t.context, reinterpret_cast<void (*)()>(fiberMain), 2, unsigned(p >> 32),
                unsigned(p & 0xffffffffu));
  }
}

/// Runs `t` until it waits at a barrier or ends.
__attribute__((noinline)) void resume(Block &block, Thread &t) {
  swapcontext(&block.scheduler, &t.context);
}

constexpr size_t kWarpSize = 32;

/// The lane whose value a thread at a shuffle gets, or -1 when it is outside its segment.
int64_t sourceLane(int64_t lane, const Thread &t) {
  int64_t width = t.shuffle.width, offset = t.shuffle.offset;
  int64_t base = lane / width * width, source;
  switch (t.shuffle.mode) {
  case KILN_EMU_SHUFFLE_XOR:
    source = lane ^ offset;
    break;
  case KILN_EMU_SHUFFLE_UP:
    source = lane - offset;
    break;
  case KILN_EMU_SHUFFLE_DOWN:
    source = lane + offset;
    break;
  default:
    source = base + offset;
    break;
  }
  return source >= base && source < base + width ? source : -1;
}

/// What a thread waiting for its warp waits at.
std::string collectiveName(const Thread &t) {
  return t.state == Thread::AtShuffle ? "gpu.shuffle" : matrixOpName(t.matrix.op);
}

/// Gives every thread of a warp at a shuffle its lane's value; false, with the block failed,
/// when they disagree on the shuffle.
bool completeShuffle(Block &block, size_t first, size_t end) {
  const Thread &lead = block.threads[first];
  for (size_t i = first; i < end; ++i) {
    const Thread &t = block.threads[i];
    if (t.shuffle.width != lead.shuffle.width || t.shuffle.mode != lead.shuffle.mode) {
      block.fail(block.where(t) + ": gpu.shuffle with another mode or width than " +
                 block.where(lead) + " of its warp");
      return false;
    }
    if (t.shuffle.width < 1 || t.shuffle.width > int64_t(kWarpSize) ||
        (t.shuffle.width & (t.shuffle.width - 1))) {
      block.fail(block.where(t) + ": gpu.shuffle width " + std::to_string(t.shuffle.width) +
                 " is not a power of two up to 32");
      return false;
    }
  }
  for (size_t i = first; i < end; ++i) {
    Thread &t = block.threads[i];
    int64_t source = sourceLane(int64_t(i - first), t);
    t.shuffle.result =
        source < 0 ? int64_t(t.shuffle.value)
                   : int64_t(block.threads[first + source].shuffle.value) | (int64_t(1) << 32);
  }
  return true;
}

/// Computes the matrix op every thread of a warp waits at; false, with the block failed, when
/// they wait at different ones or the op cannot run.
bool completeMatrix(Block &block, size_t first) {
  const Thread &lead = block.threads[first];
  int64_t *words[kWarpSize];
  for (size_t lane = 0; lane < kWarpSize; ++lane) {
    const Thread &t = block.threads[first + lane];
    if (t.matrix.op != lead.matrix.op) {
      block.fail(block.where(t) + ": " + matrixOpName(t.matrix.op) + " (op " +
                 std::to_string(t.matrix.op) + ") while " + block.where(lead) +
                 " of its warp waits at another (op " + std::to_string(lead.matrix.op) + ")");
      return false;
    }
    words[lane] = t.matrix.words;
  }
  std::string error = completeMatrixOp(lead.matrix.op, words);
  if (!error.empty())
    block.fail(block.where(lead) + ": " + error);
  return error.empty();
}

/// Completes the collective (shuffle or matrix op) of every warp whose threads all wait at
/// one; a warp of which only some do (the others wait at a barrier or ended) has diverged.
/// Returns whether any warp moved on.
bool exchange(Block &block) {
  bool moved = false;
  for (size_t first = 0; first < block.threads.size() && !block.failed; first += kWarpSize) {
    size_t end = std::min(first + kWarpSize, block.threads.size());
    const Thread *waiting = nullptr, *elsewhere = nullptr;
    for (size_t i = first; i < end; ++i) {
      Thread::State state = block.threads[i].state;
      (state == Thread::AtShuffle || state == Thread::AtMatrix ? waiting : elsewhere) =
          &block.threads[i];
    }
    if (!waiting)
      continue;
    std::string what = collectiveName(*waiting);
    if (elsewhere) {
      std::string instead = elsewhere->state == Thread::Done        ? "it ended"
                            : elsewhere->state == Thread::AtBarrier ? "it waits at a gpu.barrier"
                                                                    : "it waits at another";
      block.fail(block.where(*waiting) + " waits at a " + what + " that " +
                 block.where(*elsewhere) + " of its warp does not reach (" + instead + ")");
      return false;
    }
    if (end - first != kWarpSize) {
      block.fail(block.where(*waiting) + ": " + what + " in a warp of " +
                 std::to_string(end - first) +
                 " threads (the block's size is not a multiple of 32, so the op's full lane "
                 "mask names missing lanes)");
      return false;
    }
    for (size_t i = first; i < end; ++i)
      if (block.threads[i].state != waiting->state) {
        block.fail(block.where(block.threads[i]) + " waits at a " +
                   collectiveName(block.threads[i]) + " while " + block.where(*waiting) +
                   " of its warp waits at a " + what);
        return false;
      }
    if (waiting->state == Thread::AtShuffle ? !completeShuffle(block, first, end)
                                            : !completeMatrix(block, first))
      return false;
    for (size_t i = first; i < end; ++i)
      block.threads[i].state = Thread::Ready;
    moved = true;
  }
  return moved;
}

/// Runs the threads in a shuffled order; with fibers, phase by phase between barriers, warps
/// exchanging values at their shuffles within a phase.
void runBlock(Block &block) {
  std::vector<size_t> order(block.threads.size());
  std::iota(order.begin(), order.end(), 0);
  if (!block.fibers) {
    std::shuffle(order.begin(), order.end(), block.random);
    for (size_t i : order) {
      Thread &t = block.threads[i];
      block.kernel->entry(int64_t(reinterpret_cast<intptr_t>(&t.self)), block.params);
    }
    return;
  }
  prepareFibers(block);
  for (;;) {
    std::shuffle(order.begin(), order.end(), block.random);
    for (size_t i : order)
      if (block.threads[i].state == Thread::Ready)
        resume(block, block.threads[i]);
    if (exchange(block))
      continue;
    if (block.failed)
      return;
    size_t waiting = 0, done = 0;
    for (const Thread &t : block.threads)
      (t.state == Thread::Done ? done : waiting)++;
    if (!waiting)
      return;
    if (done) {
      for (const Thread &t : block.threads)
        if (t.state == Thread::Done)
          return block.fail(block.where(t) + " ended without reaching the gpu.barrier that " +
                            std::to_string(waiting) + " other threads of its block wait at");
    }
    for (Thread &t : block.threads)
      t.state = Thread::Ready;
  }
}

} // namespace

bool kiln::runGrid(const kiln_emu_kernel &kernel, const unsigned grid[3], const unsigned size[3],
                   void **params, std::string &failure) {
  // One launch at a time in the process: a kernel's workgroup memory is a global of its twin.
  static std::mutex launches;
  std::lock_guard<std::mutex> lock(launches);
  unsigned gx = grid[0], gy = grid[1], gz = grid[2], bx = size[0], by = size[1], bz = size[2];
  uint64_t threads = uint64_t(bx) * by * bz;
  Block block{&kernel, params, std::vector<Thread>(threads), {}, false, false, std::mt19937(), {}};
  block.fibers = kernel.flags & KILN_EMU_KERNEL_BARRIERS;
  for (unsigned z = 0; z < gz; ++z)
    for (unsigned y = 0; y < gy; ++y)
      for (unsigned x = 0; x < gx; ++x) {
        block.random.seed(seed() ^ (x + 65536u * (y + 65536u * z)));
        for (uint32_t i = 0; i < kernel.num_shadows; ++i)
          std::memset(kernel.shadows[i].address, 0, kernel.shadows[i].bytes);
        for (uint64_t i = 0; i < threads; ++i) {
          Thread &t = block.threads[i];
          int64_t ids[12] = {int64_t(i % bx),
                             int64_t(i / bx % by),
                             int64_t(i / (uint64_t(bx) * by)),
                             x,
                             y,
                             z,
                             bx,
                             by,
                             bz,
                             gx,
                             gy,
                             gz};
          std::memcpy(t.self.id, ids, sizeof ids);
          t.self.barrier = barrier;
          t.self.fault = fault;
          t.self.unwritten = unwritten;
          t.self.shuffle = shuffle;
          t.self.matrix = matrix;
          t.state = Thread::Ready;
          t.block = &block;
        }
        runBlock(block);
        if (block.failed) {
          failure = std::move(block.failure);
          return false;
        }
      }
  return true;
}
