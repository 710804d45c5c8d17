//===- XXHash.h - XXH64, the artifact checksum ----------------------------===//
//
// XXH64 (Yann Collet's 64-bit xxHash), written from the published specification. The artifact
// reader and writer both use it; the runtime cannot use LLVM's copy.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_XXHASH_H
#define KILN_RUNTIME_XXHASH_H

#include <cstddef>
#include <cstdint>

namespace kiln {

/// Incremental XXH64: update() any number of times, then digest().
class XXH64 {
public:
  explicit XXH64(uint64_t seed = 0);
  void update(const void *data, size_t size);
  uint64_t digest() const;

  static uint64_t hash(const void *data, size_t size, uint64_t seed = 0) {
    XXH64 h(seed);
    h.update(data, size);
    return h.digest();
  }

private:
  uint64_t acc[4];
  uint64_t seed;
  uint64_t total = 0;
  unsigned char buffer[32];
  size_t buffered = 0;
};

} // namespace kiln

#endif // KILN_RUNTIME_XXHASH_H
