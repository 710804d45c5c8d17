//===- XXHash.cpp - XXH64 --------------------------------------------------===//
//
// Follows the XXH64 algorithm description (xxhash_spec.md): four 64-bit lanes over 32-byte
// stripes, merged, then the tail in 8-, 4- and 1-byte steps and a final avalanche.
//
//===----------------------------------------------------------------------===//

#include "artifact/XXHash.h"

#include <algorithm>
#include <cstring>

using namespace kiln;

namespace {

constexpr uint64_t P1 = 0x9E3779B185EBCA87ull, P2 = 0xC2B2AE3D27D4EB4Full,
                   P3 = 0x165667B19E3779F9ull, P4 = 0x85EBCA77C2B2AE63ull,
                   P5 = 0x27D4EB2F165667C5ull;

uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

uint64_t read64(const unsigned char *p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

uint32_t read32(const unsigned char *p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

uint64_t round(uint64_t acc, uint64_t lane) {
  acc += lane * P2;
  acc = rotl(acc, 31);
  return acc * P1;
}

uint64_t mergeAccumulator(uint64_t acc, uint64_t lane) {
  acc ^= round(0, lane);
  return acc * P1 + P4;
}

} // namespace

XXH64::XXH64(uint64_t seed) : seed(seed) {
  acc[0] = seed + P1 + P2;
  acc[1] = seed + P2;
  acc[2] = seed;
  acc[3] = seed - P1;
}

void XXH64::update(const void *data, size_t size) {
  const auto *p = static_cast<const unsigned char *>(data);
  total += size;
  if (buffered) {
    size_t take = std::min(size, sizeof buffer - buffered);
    std::memcpy(buffer + buffered, p, take);
    buffered += take, p += take, size -= take;
    if (buffered < sizeof buffer)
      return;
    for (int i = 0; i < 4; ++i)
      acc[i] = round(acc[i], read64(buffer + 8 * i));
    buffered = 0;
  }
  for (; size >= 32; p += 32, size -= 32)
    for (int i = 0; i < 4; ++i)
      acc[i] = round(acc[i], read64(p + 8 * i));
  std::memcpy(buffer, p, size);
  buffered = size;
}

uint64_t XXH64::digest() const {
  uint64_t h;
  if (total >= 32) {
    h = rotl(acc[0], 1) + rotl(acc[1], 7) + rotl(acc[2], 12) + rotl(acc[3], 18);
    for (int i = 0; i < 4; ++i)
      h = mergeAccumulator(h, acc[i]);
  } else {
    h = seed + P5;
  }
  h += total;
  const unsigned char *p = buffer;
  size_t size = buffered;
  for (; size >= 8; p += 8, size -= 8)
    h = rotl(h ^ round(0, read64(p)), 27) * P1 + P4;
  if (size >= 4) {
    h = rotl(h ^ (uint64_t(read32(p)) * P1), 23) * P2 + P3;
    p += 4, size -= 4;
  }
  for (; size; ++p, --size)
    h = rotl(h ^ (uint64_t(*p) * P5), 11) * P1;
  h ^= h >> 33;
  h *= P2;
  h ^= h >> 29;
  h *= P3;
  h ^= h >> 32;
  return h;
}
