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
  Header *prev, *next;     // the owner's blocks in use
};
static_assert(sizeof(Header) <= 64, "the header must fit before the 64-byte aligned block");
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

bool ScratchAllocator::reserve(uint64_t size) {
  std::lock_guard<std::mutex> lock(mutex);
  overLimit = false;
  if (limit && held + size > limit) {
    // Cached blocks count against the limit; give them back before refusing.
    for (unsigned c = 0; c < 64; ++c) {
      for (void *block : freeLists[c])
        std::free(block);
      held -= uint64_t(freeLists[c].size()) << c;
      freeLists[c].clear();
    }
    if (held + size > limit) {
      overLimit = true;
      return false;
    }
  }
  held += size;
  return true;
}

void ScratchAllocator::unreserve(uint64_t size) {
  std::lock_guard<std::mutex> lock(mutex);
  held -= size;
}

std::string ScratchAllocator::failureReason(uint64_t bytes) {
  ScratchAllocator *self = currentAllocator;
  if (self) {
    std::lock_guard<std::mutex> lock(self->mutex);
    if (self->overLimit)
      return "the session's scratch limit of " + std::to_string(self->limit) +
             " bytes cannot hold an intermediate buffer of " + std::to_string(bytes) +
             " bytes (" + std::to_string(self->held) + " bytes in use)";
  }
  return "out of memory: cannot allocate an intermediate buffer of " + std::to_string(bytes) +
         " bytes";
}

ScratchAllocator::~ScratchAllocator() {
  reclaimInUse();
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
    if (self && !self->reserve(size))
      return nullptr;
    block = std::aligned_alloc(64, size + kHeaderBytes);
    if (!block) {
      if (self)
        self->unreserve(size);
      return nullptr;
    }
  }
  auto *header = static_cast<Header *>(block);
  header->owner = self;
  header->sizeClass = sizeClass;
  header->prev = header->next = nullptr;
  if (self) {
    std::lock_guard<std::mutex> lock(self->mutex);
    header->next = static_cast<Header *>(self->inUse);
    if (header->next)
      header->next->prev = header;
    self->inUse = header;
  }
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
  if (header->prev)
    header->prev->next = header->next;
  else
    owner->inUse = header->next;
  if (header->next)
    header->next->prev = header->prev;
  owner->freeLists[header->sizeClass].push_back(block);
}

void ScratchAllocator::reclaimInUse() {
  std::lock_guard<std::mutex> lock(mutex);
  for (auto *h = static_cast<Header *>(inUse); h;) {
    Header *next = h->next;
    freeLists[h->sizeClass].push_back(h);
    h = next;
  }
  inUse = nullptr;
}
