//===- ScratchAllocator.h - A session's cache of intermediate buffers -----===//
//
// Generated code allocates its intermediate buffers through the runtime (kiln_rt_api.alloc /
// free). Each session keeps freed blocks in power-of-two size classes and hands them out again
// on the next run, so steady-state runs neither call malloc nor fault in fresh pages: the
// "scratch grown to the largest shape seen, kept until release" of kiln/runtime.h. A static
// memory plan (docs/design/runtime-and-artifact.md, 2.5) will replace it.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_SCRATCHALLOCATOR_H
#define KILN_RUNTIME_SCRATCHALLOCATOR_H

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace kiln {

class ScratchAllocator {
public:
  ScratchAllocator() = default;
  ~ScratchAllocator();
  ScratchAllocator(const ScratchAllocator &) = delete;
  ScratchAllocator &operator=(const ScratchAllocator &) = delete;

  /// 64-byte aligned memory from the current allocator of this thread (plain heap memory when
  /// there is none); nullptr when out of memory.
  static void *allocate(uint64_t bytes);
  /// Returns memory from allocate() to the allocator that made it.
  static void release(void *ptr);

  /// The most bytes of blocks (in use and cached) this allocator may hold; 0: no limit. An
  /// allocation that would exceed it first releases the cached blocks, then fails.
  void setLimit(uint64_t bytes) { limit = bytes; }

  /// Why allocate(bytes) just failed on this thread, for the run's error message.
  static std::string failureReason(uint64_t bytes);

  /// Takes back every block still in use (after an abandoned run, whose generated code will
  /// never release them). Only between runs.
  void reclaimInUse();

  /// Makes `allocator` current on this thread for the lifetime of the guard.
  class Scope {
  public:
    explicit Scope(ScratchAllocator *allocator);
    ~Scope();

  private:
    ScratchAllocator *previous;
  };

private:
  /// Counts `size` more bytes against the limit (releasing cached blocks if needed); false
  /// when they do not fit.
  bool reserve(uint64_t size);
  void unreserve(uint64_t size);

  std::mutex mutex;
  std::vector<void *> freeLists[64];
  void *inUse = nullptr; // the blocks handed out, linked through their headers
  uint64_t limit = 0;    // setLimit
  uint64_t held = 0;     // bytes of the blocks allocated from the heap and not freed
  bool overLimit = false; // the last failed allocation hit the limit
};

} // namespace kiln

#endif // KILN_RUNTIME_SCRATCHALLOCATOR_H
