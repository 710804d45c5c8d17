//===- CUDAEmulatorMatrix.cpp - warp-collective matrix ops, emulated ------===//
//
// Lane l of a warp is in group g = l / 4 at position t = l % 4 of it (the PTX ISA's groupID
// and threadID_in_group). The fragments of mma.m16n8k16 with 16-bit operands:
//   A (16x16, row-major): a0,a1 (g, 2t+{0,1}); a2,a3 (g+8, 2t+{0,1}); a4..a7 the same, k+8
//   B (16x8, k by n):     b0,b1 (2t+{0,1}, g); b2,b3 (2t+8+{0,1}, g)
//   C, D (16x8, f32):     c0,c1 (g, 2t+{0,1}); c2,c3 (g+8, 2t+{0,1})
// and of mma.m16n8k8 with .tf32 operands (f32 bits, of which the tensor cores read the top 19):
//   A (16x8, row-major):  a0 (g, t); a1 (g+8, t); a2 (g, t+4); a3 (g+8, t+4)
//   B (8x8, k by n):      b0 (t, g); b1 (t+4, g)
//   C, D as above
//
//===----------------------------------------------------------------------===//

#include "runtime/lib/CUDAEmulatorMatrix.h"
#include "runtime/lib/abi.h"

#include <cstring>

using namespace kiln;

namespace {

constexpr int kLanes = 32;

uint16_t element16(const int64_t *words, int i) {
  return uint16_t(uint64_t(words[i / 4]) >> (16 * (i % 4)));
}

void setElement16(int64_t *words, int i, uint16_t value) {
  uint64_t shift = 16 * (i % 4), w = uint64_t(words[i / 4]);
  words[i / 4] = int64_t((w & ~(uint64_t(0xffff) << shift)) | (uint64_t(value) << shift));
}

float f32At(const int64_t *words, int i) {
  uint32_t bits = uint32_t(uint64_t(words[i / 2]) >> (32 * (i % 2)));
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

void setF32(int64_t *words, int i, float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  uint64_t shift = 32 * (i % 2), w = uint64_t(words[i / 2]);
  words[i / 2] = int64_t((w & ~(uint64_t(0xffffffff) << shift)) | (uint64_t(bits) << shift));
}

/// IEEE binary16 to float (exact; no libm: the runtime needs only libc).
float fromF16(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000) << 16, exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
  float f;
  if (exponent == 0) {
    f = float(mantissa) * (1.0f / 16777216.0f); // subnormal: mantissa * 2^-24
    return sign ? -f : f;
  }
  uint32_t bits = sign | (exponent == 31 ? 0x7f800000u | mantissa << 13
                                         : (exponent + 112) << 23 | mantissa << 13);
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

float fromBF16(uint16_t h) {
  uint32_t bits = uint32_t(h) << 16;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

std::string ldmatrix(int64_t op, int64_t *const words[kLanes]) {
  int tiles = int((op >> 8) & 0xff);
  bool transpose = (op >> 16) & 1;
  if (tiles != 1 && tiles != 2 && tiles != 4)
    return "nvgpu.ldmatrix of " + std::to_string(tiles) + " matrices (ldmatrix loads 1, 2 or 4)";
  uint16_t rows[kLanes][8];
  for (int lane = 0; lane < kLanes; ++lane)
    for (int e = 0; e < 8; ++e)
      rows[lane][e] = element16(words[lane], e);
  for (int lane = 0; lane < kLanes; ++lane) {
    words[lane][0] = words[lane][1] = 0;
    int g = lane / 4, t = lane % 4;
    for (int i = 0; i < tiles; ++i)
      for (int j = 0; j < 2; ++j)
        setElement16(words[lane], 2 * i + j,
                     transpose ? rows[8 * i + 2 * t + j][g] : rows[8 * i + g][2 * t + j]);
  }
  return {};
}

/// C (16x8, f32) from each lane's words 3..4.
void loadAccumulator(int64_t *const words[kLanes], float (&c)[16][8]) {
  for (int lane = 0; lane < kLanes; ++lane)
    for (int i = 0; i < 4; ++i)
      c[lane / 4 + 8 * (i / 2)][2 * (lane % 4) + i % 2] = f32At(words[lane] + 3, i);
}

/// D = C + A·B into each lane's words 0..1 in the accumulator layout. The products (of
/// significands of 11 bits at most) are exact in double; the sum is rounded once.
template <int K>
void storeProduct(int64_t *const words[kLanes], const float (&a)[16][K], const float (&b)[K][8],
                  const float (&c)[16][8]) {
  for (int lane = 0; lane < kLanes; ++lane)
    for (int i = 0; i < 4; ++i) {
      int row = lane / 4 + 8 * (i / 2), col = 2 * (lane % 4) + i % 2;
      double sum = c[row][col];
      for (int k = 0; k < K; ++k)
        sum += double(a[row][k]) * double(b[k][col]);
      setF32(words[lane], i, float(sum));
    }
}

std::string mma(int64_t op, int64_t *const words[kLanes]) {
  float (*convert)(uint16_t) = op == KILN_EMU_MATRIX_MMA_F16 ? fromF16 : fromBF16;
  float a[16][16], b[16][8], c[16][8];
  for (int lane = 0; lane < kLanes; ++lane) {
    const int64_t *w = words[lane];
    int g = lane / 4, t = lane % 4;
    for (int i = 0; i < 8; ++i)
      a[g + 8 * ((i / 2) % 2)][2 * t + i % 2 + 8 * (i / 4)] = convert(element16(w, i));
    for (int i = 0; i < 4; ++i)
      b[2 * t + i % 2 + 8 * (i / 2)][g] = convert(element16(w + 2, i));
  }
  loadAccumulator(words, c);
  storeProduct(words, a, b, c);
  return {};
}

/// The TF32 value of f32 bits: the low 13 mantissa bits dropped.
float fromTf32(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  bits &= ~uint32_t(0x1fff);
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

std::string mmaTf32(int64_t *const words[kLanes]) {
  float a[16][8], b[8][8], c[16][8];
  for (int lane = 0; lane < kLanes; ++lane) {
    const int64_t *w = words[lane];
    int g = lane / 4, t = lane % 4;
    for (int i = 0; i < 4; ++i)
      a[g + 8 * (i % 2)][t + 4 * (i / 2)] = fromTf32(f32At(w, i));
    for (int i = 0; i < 2; ++i)
      b[t + 4 * i][g] = fromTf32(f32At(w + 2, i));
  }
  loadAccumulator(words, c);
  storeProduct(words, a, b, c);
  return {};
}

} // namespace

const char *kiln::matrixOpName(int64_t op) {
  return (op & 0xff) == KILN_EMU_MATRIX_LDMATRIX ? "nvgpu.ldmatrix" : "nvgpu.mma.sync";
}

std::string kiln::completeMatrixOp(int64_t op, int64_t *const words[kLanes]) {
  switch (op & 0xff) {
  case KILN_EMU_MATRIX_LDMATRIX:
    return ldmatrix(op, words);
  case KILN_EMU_MATRIX_MMA_F16:
  case KILN_EMU_MATRIX_MMA_BF16:
    if (op >> 8)
      break;
    return mma(op, words);
  case KILN_EMU_MATRIX_MMA_TF32:
    if (op >> 8)
      break;
    return mmaTf32(words);
  default:
    break;
  }
  return "unknown warp matrix op " + std::to_string(op);
}
