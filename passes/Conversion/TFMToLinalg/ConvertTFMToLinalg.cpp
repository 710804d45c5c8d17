//===- ConvertTFMToLinalg.cpp - kiln-convert-tfm-to-linalg ----------------===//
//
// Lowers every tfm op as a partial conversion: a tfm op left over fails the pass with a
// diagnostic naming it.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/TFMToLinalg/TFMToLinalg.h"
#include "passes/Conversion/LoweringDiagnostics.h"
#include "passes/Passes.h"

#include "dialects/TFM/TFMDialect.h"

#include "mlir/Transforms/DialectConversion.h"

namespace kiln {
#define GEN_PASS_DEF_CONVERTTFMTOLINALG
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

struct ConvertTFMToLinalgPass
    : public kiln::impl::ConvertTFMToLinalgBase<ConvertTFMToLinalgPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    ConversionTarget target(*ctx);
    target.addIllegalDialect<kiln::tfm::TFMDialect>();
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    RewritePatternSet patterns(ctx);
    kiln::populateAttentionToLinalgPatterns(patterns);
    kiln::populateTFMNormalizationToLinalgPatterns(patterns);
    kiln::populateRotaryEmbeddingToLinalgPatterns(patterns);
    kiln::populateMatmulToLinalgPatterns(patterns);
    if (failed(kiln::applyLoweringConversion(getOperation(), target, std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
