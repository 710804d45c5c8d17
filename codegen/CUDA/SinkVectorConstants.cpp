//===- SinkVectorConstants.cpp - kiln-cuda-sink-vector-constants ----------===//

#include "codegen/CUDA/CUDAPasses.h"

#include "mlir/Dialect/GPU/Utils/GPUUtils.h"

namespace kiln {
#define GEN_PASS_DEF_CUDASINKVECTORCONSTANTS
#include "codegen/CUDA/CUDAPasses.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

struct CUDASinkVectorConstantsPass
    : kiln::impl::CUDASinkVectorConstantsBase<CUDASinkVectorConstantsPass> {
  void runOnOperation() override {
    auto isVectorConstant = [](Operation *op) {
      return isa<arith::ConstantOp>(op) && isa<VectorType>(op->getResult(0).getType());
    };
    WalkResult result = getOperation().walk([&](gpu::LaunchOp launch) -> WalkResult {
      return failed(sinkOperationsIntoLaunchOp(launch, isVectorConstant))
                 ? WalkResult::interrupt()
                 : WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
