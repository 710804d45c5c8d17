//===- FlashAttention.h - the shape of the CUDA attention kernel -*- C++ -*-===//
//
// How kiln-cuda-attention-kernels splits one attention over threads and workgroup memory
// (docs/design/flash-attention.md), and whether it can: kiln-cuda-claim-attention claims only
// the attention ops for which a plan exists.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_CUDA_FLASHATTENTION_H
#define KILN_CODEGEN_CUDA_FLASHATTENTION_H

#include <cstdint>
#include <optional>

namespace kiln {

struct FlashAttentionPlan {
  static constexpr int64_t kThreads = 256;            // threads of a block (8 warps)
  static constexpr int64_t kLaneElements = 16;        // most query/output elements a thread holds
  static constexpr int64_t kSharedBudget = 40 * 1024; // bytes of workgroup memory at most

  int64_t headDim, valueDim; // D (query/key) and Dv (value/output)
  int64_t lanes;             // T threads per query row, a power of two up to 32 (one warp)
  int64_t rows;              // query rows of a block: kThreads / T
  int64_t keys;              // keys of a tile staged in workgroup memory
  bool mask;                 // a mask tile is staged too

  int64_t queryChunk() const { return (headDim + lanes - 1) / lanes; }
  int64_t valueChunk() const { return (valueDim + lanes - 1) / lanes; }
  /// The mask tile's row stride: one more than the tile's keys, so the rows a warp reads at
  /// one key fall in different banks.
  int64_t maskStride() const { return keys + 1; }
  int64_t sharedBytes() const {
    return 4 * (keys * (headDim + valueDim) + (mask ? rows * maskStride() : 0));
  }
};

/// The plan for static head dims `headDim` and `valueDim` (none when either is dynamic,
/// below 1 or too large for one warp's lanes to hold).
inline std::optional<FlashAttentionPlan> planFlashAttention(int64_t headDim, int64_t valueDim,
                                                            bool mask) {
  using P = FlashAttentionPlan;
  if (headDim < 1 || valueDim < 1)
    return std::nullopt;
  int64_t widest = headDim > valueDim ? headDim : valueDim;
  int64_t lanes = 1;
  while (lanes * P::kLaneElements < widest)
    lanes *= 2;
  if (lanes > 32)
    return std::nullopt;
  P plan{headDim, valueDim, lanes, P::kThreads / lanes, 32, mask};
  while (plan.keys > 1 && plan.sharedBytes() > P::kSharedBudget)
    plan.keys /= 2;
  if (plan.sharedBytes() > P::kSharedBudget)
    return std::nullopt;
  return plan;
}

} // namespace kiln

#endif // KILN_CODEGEN_CUDA_FLASHATTENTION_H
