//===- ONNXOps.td - onnx dialect ops -----------------------*- tablegen -*-===//
//
// The hand-written ops (Constant) and the generated ones (ONNXOps.gen.td).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_ONNX_OPS_TD
#define KILN_ONNX_OPS_TD

include "dialects/ONNX/ONNXDialect.td"
include "dialects/ONNX/ONNXInterfaces.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def ONNX_ConstantOp : ONNX_Op<"Constant", [ConstantLike, Pure,
    DeclareOpInterfaceMethods<InferTypeOpInterface>,
    DeclareOpInterfaceMethods<ONNX_ShapeInferenceOpInterface>]> {
  let summary = "a constant tensor";
  let description = [{
    A tensor known at compile time: an ONNX `Constant` node (whichever of its `value*`
    attributes it used) or a graph initializer. Large initializers are `dense_resource` blobs
    that alias the model file or its external data without a copy.

    Example:
    ```mlir
    %0 = onnx.Constant dense<[0, 12, 64]> : tensor<3xi64>
    %w = onnx.Constant dense_resource<encoder.weight> : tensor<768x768xf32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs AnyTensor:$output);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
}

include "dialects/ONNX/ONNXOps.gen.td"

#endif // KILN_ONNX_OPS_TD
