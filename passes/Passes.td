//===- Passes.td - Kiln passes -----------------------------*- tablegen -*-===//

#ifndef KILN_PASSES_TD
#define KILN_PASSES_TD

include "mlir/Pass/PassBase.td"

def ONNXShapeInference : Pass<"kiln-onnx-shape-inference", "::mlir::func::FuncOp"> {
  let summary = "refine the result types of onnx ops from their operands";
  let description = [{
    Walks each function in order and replaces every onnx op's result types by what its
    `inferShapes` computes, keeping whatever the existing type knows that inference does not
    (a dim an exporter declared in value_info). The function's result types are updated to match
    its return operands. Run it after rewrites that leave results unranked or too general, and
    before canonicalisation so folders see static shapes.
  }];
  let dependentDialects = ["::kiln::onnx::ONNXDialect"];
}

#endif // KILN_PASSES_TD
