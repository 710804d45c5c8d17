//===- TFMToLinalg.h - tfm -> linalg/tensor/arith/math ----------*- C++ -*-===//

#ifndef KILN_PASSES_CONVERSION_TFMTOLINALG_H
#define KILN_PASSES_CONVERSION_TFMTOLINALG_H

#include "mlir/IR/PatternMatch.h"

namespace kiln {

/// GELU of the scalar `x` (erf form, or the tanh approximation), in x's type. Shared by
/// tfm.gelu and tfm.matmul's epilogue.
mlir::Value buildGelu(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x, bool tanhForm);

void populateMatmulToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateAttentionToLinalgPatterns(mlir::RewritePatternSet &patterns);
/// tfm.layer_norm, tfm.rms_norm and tfm.gelu.
void populateTFMNormalizationToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateRotaryEmbeddingToLinalgPatterns(mlir::RewritePatternSet &patterns);

} // namespace kiln

#endif // KILN_PASSES_CONVERSION_TFMTOLINALG_H
