//===- LoweringDiagnostics.h - why an op could not be lowered ---*- C++ -*-===//
//
// A dialect conversion that fails says only "failed to legalize operation 'X'": the reasons its
// patterns gave (notifyMatchFailure) are kept for debug builds. Kiln's lowering patterns give
// up through rejectLowering, which also records the reason, and the lowering passes run
// through applyLoweringConversion, which turns each op left illegal into one error at the op
// (so it names the ONNX node) saying what is wrong:
//
//   error: cannot lower 'tfm.attention': the head count is dynamic (tensor<?x?x?x16xf32>)
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_CONVERSION_LOWERINGDIAGNOSTICS_H
#define KILN_PASSES_CONVERSION_LOWERINGDIAGNOSTICS_H

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/DialectConversion.h"

namespace kiln {

/// A lowering pattern's notifyMatchFailure that applyLoweringConversion can report.
mlir::LogicalResult rejectLowering(mlir::RewriterBase &rewriter, mlir::Operation *op,
                                   const llvm::Twine &reason);

/// applyPartialConversion; on failure every op that stayed illegal gets an error with the
/// reasons its patterns recorded through rejectLowering.
mlir::LogicalResult applyLoweringConversion(mlir::Operation *root,
                                            const mlir::ConversionTarget &target,
                                            const mlir::FrozenRewritePatternSet &patterns);

} // namespace kiln

#endif // KILN_PASSES_CONVERSION_LOWERINGDIAGNOSTICS_H
