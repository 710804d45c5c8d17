//===- ONNXInterfaces.td - onnx dialect interfaces ---------*- tablegen -*-===//

#ifndef KILN_ONNX_INTERFACES_TD
#define KILN_ONNX_INTERFACES_TD

include "mlir/IR/OpBase.td"

def ONNX_ShapeInferenceOpInterface : OpInterface<"ShapeInferenceOpInterface"> {
  let cppNamespace = "::kiln::onnx";
  let description = [{
    Computes an op's result types from its operand types and from operands that are
    constants or known shape values. The op's results are not modified: the caller (the
    importer or `kiln-onnx-shape-inference`) merges the answer into the IR. An invalid
    combination of operands (mismatched dims, out-of-range axes) is reported with
    `emitOpError` and `failure()`.
  }];
  let methods = [
    InterfaceMethod<
      "Fills `resultTypes` with one type per result; an unknown type is an unranked tensor.",
      "::llvm::LogicalResult", "inferShapes",
      (ins "::llvm::SmallVectorImpl<::mlir::Type> &":$resultTypes)>,
  ];
}

#endif // KILN_ONNX_INTERFACES_TD
