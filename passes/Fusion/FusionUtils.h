//===- FusionUtils.h - Shared helpers of the tfm raising passes -*- C++ -*-===//
//
// The raising passes (kiln-raise-gelu, kiln-raise-normalization, kiln-raise-attention) match
// onnx subgraphs up to algebraic variation: operand order of commutative ops, where scalar
// constants sit, Div by c versus Mul by 1/c. These helpers are that vocabulary. Each pass
// also records, on every anchor op it could not raise, why (the last notifyMatchFailure
// reasons at that op's location) in the `kiln.fusion_miss` attribute that
// `kiln-compile --fusion-report` prints.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_FUSION_FUSIONUTILS_H
#define KILN_PASSES_FUSION_FUSIONUTILS_H

#include "passes/ShapeRefinement.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Operation.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Rewrite/FrozenRewritePatternSet.h"

#include <optional>
#include <vector>

namespace kiln::fusion {

/// The attribute naming why a raising pass left an anchor op alone.
constexpr llvm::StringLiteral kFusionMissAttr = "kiln.fusion_miss";

/// The value of `v` if it is a float constant holding one value (any shape, splat included).
std::optional<double> scalarConstant(mlir::Value v);

/// Whether `a` is within relative tolerance 1e-4 of `b` (exporters round constants such as
/// 1/sqrt(2) differently).
bool approxEqual(double a, double b);

/// Whether `v` is a float scalar constant approxEqual to `expected`.
bool isScalar(mlir::Value v, double expected);

/// The op using `v` when it has exactly one use, else nullptr.
mlir::Operation *soleUser(mlir::Value v);

/// For a binary op with `v` as one operand: the other operand (nullptr when `v` is neither).
mlir::Value otherOperand(mlir::Operation *op, mlir::Value v);

/// `v` with float scalar factors peeled: Mul(x, c), Mul(c, x), Div(x, c) accumulate c (or 1/c)
/// into `scale` and continue with x, as long as each peeled op has a single use.
mlir::Value peelScalarFactors(mlir::Value v, double &scale);

/// An onnx op of element type `element` whose result type comes from shape inference: how the
/// raising passes build the onnx glue (slices, reshapes, masks) around what they raise.
template <typename OpTy, typename... Args>
mlir::Value createInferred(mlir::OpBuilder &b, mlir::Location loc, mlir::Type element,
                           Args &&...args) {
  auto op = OpTy::create(b, loc, mlir::UnrankedTensorType::get(element),
                         std::forward<Args>(args)...);
  (void)refineResultTypes(op);
  return op->getResult(0);
}

/// Whether `tanh` is a soft-cap `c · tanh(x / c)` (Gemma 2's final logits): a plain
/// elementwise op, not part of a GELU the fusion missed.
bool isSoftCap(mlir::Operation *tanh);

/// The bytes of a constant (dense or dense_resource), row-major with splats expanded, or
/// nullopt when `v` is not a constant of byte-sized elements.
std::optional<std::vector<char>> constantBytes(mlir::Value v);

/// A 1-D i64 onnx.Constant holding `values`.
mlir::Value createI64Vector(mlir::OpBuilder &b, mlir::Location loc,
                            llvm::ArrayRef<int64_t> values);

/// x.shape[axis] as a rank-0 i64 tensor: Squeeze(Shape(x, axis, axis + 1)).
mlir::Value createDimLength(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                            int64_t axis);

/// 0, 1, ..., n - 1 (i64) for the rank-0 i64 tensor `n`: Range(0, n, 1).
mlir::Value createPositions(mlir::OpBuilder &b, mlir::Location loc, mlir::Value n);

/// x[.., begin:end] on the last axis, as an onnx.Slice.
mlir::Value createLastAxisSlice(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                                int64_t begin, int64_t end);

/// com.microsoft MultiHeadAttention and Attention restated as onnx.Attention where they mean
/// plain attention (ContribAttention.cpp).
void populateContribAttentionPatterns(mlir::RewritePatternSet &patterns);

/// Rewrites that bring head split and merge to a plain 4-D Transpose (HeadLayout.cpp).
void populateHeadLayoutPatterns(mlir::RewritePatternSet &patterns);

/// Rewrites that move the split of a merged [B*H, ...] leading dim back to where it was
/// merged, so attention computed on 3-D tensors becomes the 4-D form (MergedHeads.cpp).
void populateMergedHeadPatterns(mlir::RewritePatternSet &patterns);

/// `kv` without the repetition of its heads, when it is [.., Hkv * n, ..] built by repeating
/// each of the Hkv heads (dim `headDim`) of a 4-D tensor n times in place (grouped-query
/// attention's repeat_kv); else `kv` itself.
mlir::Value foldRepeatedHeads(mlir::Value kv, int64_t headDim);

/// Applies `patterns` greedily to `root`; then sets kFusionMissAttr on every op for which
/// `isAnchor` holds that still exists, with the match-failure reasons reported at its location.
mlir::LogicalResult
applyAndRecordMisses(mlir::Operation *root, const mlir::FrozenRewritePatternSet &patterns,
                     llvm::function_ref<bool(mlir::Operation *)> isAnchor);

} // namespace kiln::fusion

#endif // KILN_PASSES_FUSION_FUSIONUTILS_H
