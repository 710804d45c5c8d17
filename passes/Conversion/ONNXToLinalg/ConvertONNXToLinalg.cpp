//===- ConvertONNXToLinalg.cpp - kiln-convert-onnx-to-linalg --------------===//
//
// Applies the onnx-to-linalg patterns as a partial conversion in which every onnx op is
// illegal, so an op without a lowering fails the pass with a diagnostic naming it and the
// reasons its patterns gave up.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/ONNXToLinalg/ONNXToLinalg.h"
#include "passes/Conversion/LoweringDiagnostics.h"
#include "passes/Passes.h"

#include "dialects/Kiln/KilnDialect.h"

#include "mlir/Transforms/DialectConversion.h"

namespace kiln {
#define GEN_PASS_DEF_CONVERTONNXTOLINALG
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

struct ConvertONNXToLinalgPass
    : public kiln::impl::ConvertONNXToLinalgBase<ConvertONNXToLinalgPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    ConversionTarget target(*ctx);
    target.addIllegalDialect<kiln::onnx::ONNXDialect>();
    target.addLegalDialect<linalg::LinalgDialect, tensor::TensorDialect, arith::ArithDialect,
                           math::MathDialect, func::FuncDialect, scf::SCFDialect,
                           kiln::KilnDialect, kiln::tfm::TFMDialect>();
    // Unsigned scalars are viewed as signless ones through these; the LLVM lowering folds them.
    target.addLegalOp<UnrealizedConversionCastOp>();
    RewritePatternSet patterns(ctx);
    kiln::populateElementwiseToLinalgPatterns(patterns);
    kiln::populateStructuredToLinalgPatterns(patterns);
    kiln::populateShapeOpsToTensorPatterns(patterns);
    kiln::populateIndexingToLinalgPatterns(patterns);
    kiln::populateConvolutionToLinalgPatterns(patterns);
    kiln::populatePadToLinalgPatterns(patterns);
    kiln::populateCumSumToLinalgPatterns(patterns);
    kiln::populateNormalizationToLinalgPatterns(patterns);
    if (failed(kiln::applyLoweringConversion(getOperation(), target, std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
