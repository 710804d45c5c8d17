//===- ONNXToLinalg.h - onnx -> linalg/tensor/arith/math --------*- C++ -*-===//
//
// Shared helpers and pattern sets of the onnx-to-linalg conversion (one file per family of
// ops; the pass is in ConvertONNXToLinalg.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_CONVERSION_ONNXTOLINALG_H
#define KILN_PASSES_CONVERSION_ONNXTOLINALG_H

#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/PatternMatch.h"

#include <functional>

namespace kiln {

/// The sizes of a broadcast result: static dims as attributes, dynamic ones read (tensor.dim)
/// from the first operand whose aligned dim is not statically 1. Fails when none has one.
mlir::FailureOr<llvm::SmallVector<mlir::OpFoldResult>>
getBroadcastResultSizes(mlir::OpBuilder &b, mlir::Location loc, mlir::RankedTensorType resultType,
                        mlir::ValueRange operands);

/// The indexing map reading `operand` (right-aligned, static 1-dims repeated) inside an
/// iteration space shaped like `result`.
mlir::AffineMap getBroadcastMap(mlir::MLIRContext *ctx, mlir::RankedTensorType operand,
                                mlir::RankedTensorType result);

using ScalarBuilder =
    std::function<mlir::Value(mlir::OpBuilder &, mlir::Location, mlir::ValueRange)>;

/// A linalg.generic computing `body` elementwise over the broadcast of `operands`.
mlir::FailureOr<mlir::Value> buildElementwise(mlir::OpBuilder &b, mlir::Location loc,
                                              mlir::RankedTensorType resultType,
                                              mlir::ValueRange operands,
                                              const ScalarBuilder &body);

/// `t` with an unsigned integer type as the signless integer of its width (arith has no
/// unsigned types); other types as they are.
mlir::Type signlessOf(mlir::OpBuilder &b, mlir::Type t);

/// The scalar `v` viewed as `to`, an integer type of the same width that differs only in
/// signedness: a cast the LLVM lowering folds (both become the same LLVM integer).
mlir::Value castIntegerBits(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v, mlir::Type to);

/// Element `i` of a 1-D integer tensor, as an index.
mlir::Value extractIndex(mlir::OpBuilder &b, mlir::Location loc, mlir::Value tensor, int64_t i);

/// For entry `i` of the 1-D integer tensor `axes` (negative axes count from the end of a rank
/// `rank`), whether it names dim d, for each d < rank: how ops whose axes are read at run time
/// (Pad, Slice) find the entries of each dim.
llvm::SmallVector<mlir::Value> entryNamesDims(mlir::OpBuilder &b, mlir::Location loc,
                                              mlir::Value axes, int64_t i, int64_t rank);

/// The index constant `v`.
mlir::Value indexConst(mlir::OpBuilder &b, mlir::Location loc, int64_t v);

/// Dim `i` of the ranked tensor `tensor` as an index (a constant when static).
mlir::Value dimOf(mlir::OpBuilder &b, mlir::Location loc, mlir::Value tensor, int64_t i);

/// numpy matmul of `lhs` and `rhs` into `result` (f32 accumulation for f16/bf16). Shared
/// with the tfm lowering (tfm.matmul), which passes `transposeRhs` to read rhs with its last
/// two dims swapped (no transposed copy). Fails on ranks that do not fit.
mlir::FailureOr<mlir::Value> buildMatMul(mlir::OpBuilder &b, mlir::Location loc,
                                         mlir::Value lhs, mlir::Value rhs,
                                         mlir::RankedTensorType result,
                                         bool transposeRhs = false);

/// Layer normalisation of `x` over dims axis.. (f32 statistics for f16/bf16 input): the
/// normalised value, the mean and 1/stddev, all in the statistics' type. `bias` may be null.
/// Shared with the tfm lowering (tfm.layer_norm).
struct LayerNormValues {
  mlir::Value y, mean, invStd;
};
LayerNormValues buildLayerNorm(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                               mlir::Value scale, mlir::Value bias, int64_t axis, float epsilon);

/// RMS normalisation of `x` over dims axis.., in the statistics' type.
mlir::Value buildRMSNorm(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                         mlir::Value scale, int64_t axis, float epsilon);

/// `v` cast elementwise to `result`'s element type and (possibly more static) type.
mlir::Value castToResultType(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                             mlir::RankedTensorType result);

/// An ONNX index (any integer type, negative counting from the end) resolved against a dim
/// (IndexChecks.cpp): `index` in [0, dim) when `inRange`; `raw` as given, for error reports.
struct CheckedIndex {
  mlir::Value index, inRange, raw;
};
CheckedIndex checkIndex(mlir::OpBuilder &b, mlir::Location loc, mlir::Value index,
                        mlir::Value dim);

/// One coordinate of an access that comes from an ONNX index: coordinate `axis` (of size
/// `dim`) is `index`.
struct IndexOperand {
  int64_t axis;
  mlir::Value index, dim;
};

/// Reports `index`, out of range for coordinate `axis` of `op`, to the runtime (the run fails
/// naming the node). Axis -1: the index is the op's axis input, checked against the rank.
void reportIndexError(mlir::OpBuilder &b, mlir::Location loc, mlir::Operation *op, int64_t axis,
                      const CheckedIndex &index, mlir::Value dim);

/// The conjunction of the indices' inRange flags (`indices` not empty).
mlir::Value allInRange(mlir::OpBuilder &b, mlir::Location loc,
                       llvm::ArrayRef<CheckedIndex> indices);

/// Reports every out-of-range index among `checked` (the checks of `operands`).
void reportIndexErrors(mlir::OpBuilder &b, mlir::Location loc, mlir::Operation *op,
                       llvm::ArrayRef<IndexOperand> operands,
                       llvm::ArrayRef<CheckedIndex> checked);

/// `data` at `coords`, the coordinates named by `indices` taken from ONNX indices; zero (and
/// the run fails naming the node) when one is out of range. Nothing outside `data` is read.
mlir::Value checkedGatherRead(mlir::OpBuilder &b, mlir::Location loc, mlir::Operation *op,
                              mlir::Value data, llvm::SmallVector<mlir::Value> coords,
                              llvm::ArrayRef<IndexOperand> indices);

void populateIndexingToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateConvolutionToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populatePadToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateCumSumToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateElementwiseToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateStructuredToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateShapeOpsToTensorPatterns(mlir::RewritePatternSet &patterns);
void populateNormalizationToLinalgPatterns(mlir::RewritePatternSet &patterns);

} // namespace kiln

#endif // KILN_PASSES_CONVERSION_ONNXTOLINALG_H
