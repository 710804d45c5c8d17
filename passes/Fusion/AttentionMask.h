//===- AttentionMask.h - an attention mask as positions + residual --*- C++ -*-===//
//
// Libraries build the boolean mask of an attention as a conjunction: a causal condition on the
// query and key positions (j <= i), a sliding window (j > i - W), the key padding read from the
// attention mask (by broadcasting, or by GatherND at (batch, key) index tuples, as
// transformers 5 does), and trivially true terms (j >= 0, `True & ...`). decomposeKeepMask
// splits such a mask at its And ops and sorts the terms:
//
//   - position terms (DiagonalMask.h) become a band on j - i, which tfm.attention expresses
//     exactly as `causal` and `window`;
//   - terms that do not depend on the query position (their query dim is 1: [B, 1, 1, Skv]
//     padding) stay a mask operand, so no [Sq, Skv] tensor is ever materialised for them;
//   - anything else makes the decomposition fail (the mask is then kept whole).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_FUSION_ATTENTIONMASK_H
#define KILN_PASSES_FUSION_ATTENTIONMASK_H

#include "dialects/ONNX/ShapeHelpers.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Value.h"

#include <optional>

namespace kiln::fusion {

/// A keep mask (true keeps a score) as keys j with lo <= j - i <= hi (each bound optional) for
/// query i, and the query-independent terms the mask also requires.
struct KeepMaskTerms {
  std::optional<int64_t> lo, hi;
  llvm::SmallVector<mlir::Value> residual;
};

/// The terms of the boolean `mask`, or nullopt when one of its conjuncts is neither a position
/// term nor query-independent.
std::optional<KeepMaskTerms> decomposeKeepMask(mlir::Value mask);

/// An attention mask as tfm.attention's attributes and what remains of it.
struct MaskAttributes {
  bool causal = false;
  std::optional<int64_t> window;
  llvm::SmallVector<mlir::Value> residual; // query-independent keep terms (i1), all required
};

/// `mask` -- a boolean keep mask, or the additive Where(keep, 0, -big) -- for queries whose
/// length is `querySeq` and keys of length `keySeq`, when its position terms are exactly
/// tfm.attention's bottom-right `causal` (j - i <= Skv - Sq) and `window` (and its other terms
/// query-independent).
std::optional<MaskAttributes> maskAsAttributes(mlir::Value mask, kiln::onnx::DimValue querySeq,
                                               kiln::onnx::DimValue keySeq);

/// The conjunction (onnx.And) of the i1 `terms` (not empty), built at `b`'s insertion point.
mlir::Value buildConjunction(mlir::OpBuilder &b, mlir::Location loc,
                             llvm::ArrayRef<mlir::Value> terms);

} // namespace kiln::fusion

#endif // KILN_PASSES_FUSION_ATTENTIONMASK_H
