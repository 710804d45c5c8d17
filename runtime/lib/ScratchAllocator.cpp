//===- ScratchAllocator.cpp - A session's cache of intermediate buffers ---===//

#include "runtime/lib/ScratchAllocator.h"

#include <cstdlib>

using namespace kiln;

namespace {

thread_local ScratchAllocator *currentAllocator = nullptr;

/// Stored in the 64 bytes before every block handed out.
struct Header {
  ScratchAllocator *owner; // nullptr: plain heap block
  unsigned sizeClass;
};
constexpr uint64_t kHeaderBytes = 64;

unsigned sizeClassOf(uint64_t bytes) {
  unsigned c = 6; // 64 bytes at least
  while (c < 63 && (uint64_t(1) << c) < bytes)
    ++c;
  return c;
}

} // namespace

ScratchAllocator::Scope::Scope(ScratchAllocator *allocator) : previous(currentAllocator) {
  currentAllocator = allocator;
}
ScratchAllocator::Scope::~Scope() { currentAllocator = previous; }

ScratchAllocator::~ScratchAllocator() {
  for (std::vector<void *> &list : freeLists)
    for (void *block : list)
      std::free(block);
}

void *ScratchAllocator::allocate(uint64_t bytes) {
  if (bytes > (uint64_t(1) << 48))
    return nullptr;
  ScratchAllocator *self = currentAllocator;
  unsigned sizeClass = sizeClassOf(bytes);
  void *block = nullptr;
  if (self) {
    std::lock_guard<std::mutex> lock(self->mutex);
    std::vector<void *> &list = self->freeLists[sizeClass];
    if (!list.empty()) {
      block = list.back();
      list.pop_back();
    }
  }
  if (!block) {
    uint64_t size = self ? uint64_t(1) << sizeClass : (bytes + 63) / 64 * 64;
    block = std::aligned_alloc(64, size + kHeaderBytes);
    if (!block)
      return nullptr;
  }
  auto *header = static_cast<Header *>(block);
  header->owner = self;
  header->sizeClass = sizeClass;
  return static_cast<char *>(block) + kHeaderBytes;
}

void ScratchAllocator::release(void *ptr) {
  if (!ptr)
    return;
  void *block = static_cast<char *>(ptr) - kHeaderBytes;
  auto *header = static_cast<Header *>(block);
  if (!header->owner) {
    std::free(block);
    return;
  }
  ScratchAllocator *owner = header->owner;
  std::lock_guard<std::mutex> lock(owner->mutex);
  owner->freeLists[header->sizeClass].push_back(block);
}
