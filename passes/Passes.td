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

def ConvertONNXToLinalg : Pass<"kiln-convert-onnx-to-linalg", "::mlir::ModuleOp"> {
  let summary = "lower onnx ops to linalg, tensor, arith and math on tensors";
  let description = [{
    Elementwise ops become linalg.generic over the broadcast shape (f16/bf16 computed in f32);
    MatMul a broadcasting contraction (f32 accumulation); Transpose linalg.transpose; Softmax
    linalg.softmax; Constant arith.constant (dense_resource weights stay aliased). An op this
    pass cannot lower is reported with the reason its pattern gave, and the pass fails.
    Dynamic dims are supported; a dynamic dim is assumed not to broadcast at run time.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect", "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect", "::mlir::math::MathDialect"];
}

def DecomposeAggregatedOps : Pass<"kiln-decompose-aggregated-ops", "::mlir::func::FuncOp"> {
  let summary = "decompose linalg ops with an aggregate form (linalg.softmax) into generics";
  let description = [{
    Replaces every op implementing linalg's AggregatedOpInterface by the ops its
    `decomposeOperation` builds (for linalg.softmax: max, sub+exp, sum, div), so loop-based
    code generation can handle it. Upstream has the decomposition but no pass that applies it.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect", "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect", "::mlir::tensor::TensorDialect"];
}

#endif // KILN_PASSES_TD
