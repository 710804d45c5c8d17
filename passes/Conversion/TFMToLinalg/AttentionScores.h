//===- AttentionScores.h - what tfm.attention does to a score ---*- C++ -*-===//
//
// Between Q·Kᵀ and the softmax, tfm.attention scales each score, soft-caps it, applies the
// mask (with masked_value) and the causal and sliding-window limits. The reference lowering
// to linalg and the targets' attention kernels compute this with the same code, so that they
// cannot disagree about the definition.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_CONVERSION_TFMTOLINALG_ATTENTIONSCORES_H
#define KILN_PASSES_CONVERSION_TFMTOLINALG_ATTENTIONSCORES_H

#include "mlir/IR/Builders.h"

#include <cmath>
#include <optional>

namespace kiln {

/// The score terms of one attention op.
struct AttentionScoreTerms {
  double scale = 1.0;
  double softcap = 0.0; // > 0: s -> softcap * tanh(s / softcap)
  std::optional<double> maskedValue;
  bool causal = false;
  std::optional<int64_t> window;

  /// The terms of `op` (tfm.attention or kiln.attention, which share their attributes) whose
  /// query head dim is `headDim` (dynamic: the scale must be given).
  template <typename AttentionLikeOp>
  static std::optional<AttentionScoreTerms> of(AttentionLikeOp op, int64_t headDim) {
    AttentionScoreTerms terms;
    if (op.getScale())
      terms.scale = op.getScale()->convertToDouble();
    else if (headDim > 0)
      terms.scale = 1.0 / std::sqrt(double(headDim));
    else
      return std::nullopt;
    terms.softcap = op.getSoftcap() ? op.getSoftcap()->convertToDouble() : 0.0;
    if (op.getMaskedValue())
      terms.maskedValue = op.getMaskedValue()->convertToDouble();
    terms.causal = op.getCausal();
    if (op.getWindow())
      terms.window = int64_t(*op.getWindow());
    return terms;
  }
};

/// The score `s` (in the accumulation type) of query `query` and key `key` (index values)
/// after the terms: scaled, soft-capped, then `mask` applied (null for none; an i1 keeps the
/// score where true, a float is added in s's type) with masked_value, then the causal and
/// window limits, for which `causalOffset` is Skv - Sq (null unless causal). Hidden scores
/// are -inf.
mlir::Value applyAttentionScoreTerms(mlir::OpBuilder &b, mlir::Location loc,
                                     const AttentionScoreTerms &terms, mlir::Value s,
                                     mlir::Value mask, mlir::Value query, mlir::Value key,
                                     mlir::Value causalOffset);

} // namespace kiln

#endif // KILN_PASSES_CONVERSION_TFMTOLINALG_ATTENTIONSCORES_H
