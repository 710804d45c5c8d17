//===- TFMToLinalg.h - tfm -> linalg/tensor/arith/math ----------*- C++ -*-===//

#ifndef KILN_PASSES_CONVERSION_TFMTOLINALG_H
#define KILN_PASSES_CONVERSION_TFMTOLINALG_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/PatternMatch.h"

namespace kiln {

/// GELU of the scalar `x` (erf form, or the tanh approximation), in x's type. Shared by
/// tfm.gelu and tfm.matmul's epilogue.
mlir::Value buildGelu(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x, bool tanhForm);

/// An elementwise linalg.generic over the broadcast of `operands` into `type` whose `body`
/// sees the operands in the compute type (f32 for f16/bf16, per the tfm precision rule) and
/// whose result is rounded back once.
mlir::FailureOr<mlir::Value> buildWidenedElementwise(
    mlir::OpBuilder &b, mlir::Location loc, mlir::RankedTensorType type, mlir::ValueRange operands,
    llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location, mlir::ValueRange)> body);

void populateMatmulToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateAttentionToLinalgPatterns(mlir::RewritePatternSet &patterns);
/// tfm.layer_norm, tfm.rms_norm and tfm.gelu.
void populateTFMNormalizationToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateRotaryEmbeddingToLinalgPatterns(mlir::RewritePatternSet &patterns);

} // namespace kiln

#endif // KILN_PASSES_CONVERSION_TFMTOLINALG_H
