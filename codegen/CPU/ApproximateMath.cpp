//===- ApproximateMath.cpp - Vectorisable polynomial math functions -------===//
//
// `math.erf`, `math.exp` and `math.tanh` lowered to libm are opaque calls: a loop that contains
// one cannot be vectorised, and GELU's erf alone took 7% of a BERT layer as scalar `erff`.
// Upstream's polynomial approximations are plain arith (FMAs, selects, bit casts), so the
// loops around them vectorise. Their accuracy (a few ulp in f32) is within the numerics
// budget of docs/lowering.md; results are checked against onnxruntime by the tests.
//
//===----------------------------------------------------------------------===//

#include "codegen/CPU/CPUPasses.h"

#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_APPROXIMATEMATH
#include "codegen/CPU/CPUPasses.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

bool isApproximated(StringRef name) {
  name.consume_front("math.");
  return name == "erf" || name == "exp" || name == "tanh";
}

struct ApproximateMathPass : kiln::impl::ApproximateMathBase<ApproximateMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(patterns, isApproximated);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
