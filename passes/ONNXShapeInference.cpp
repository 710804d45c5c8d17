//===- ONNXShapeInference.cpp - kiln-onnx-shape-inference -----------------===//
//
// Refines the result types of every onnx op in a function, in program order, so each op sees
// its operands' refined types; then makes the function signature match its return values.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"
#include "passes/ShapeRefinement.h"

namespace kiln {
#define GEN_PASS_DEF_ONNXSHAPEINFERENCE
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

struct ONNXShapeInferencePass
    : public kiln::impl::ONNXShapeInferenceBase<ONNXShapeInferencePass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    WalkResult result = func.walk([](Operation *op) {
      return failed(kiln::refineResultTypes(op)) ? WalkResult::interrupt()
                                                 : WalkResult::advance();
    });
    if (result.wasInterrupted())
      return signalPassFailure();
    if (func.isExternal())
      return;
    auto ret = cast<func::ReturnOp>(func.getBody().back().getTerminator());
    func.setType(FunctionType::get(&getContext(), func.getArgumentTypes(),
                                   ret.getOperandTypes()));
  }
};

} // namespace
