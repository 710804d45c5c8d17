//===- ONNXDialect.td - the onnx dialect -------------------*- tablegen -*-===//
//
// The `onnx` dialect mirrors ONNX operators one to one, in one canonical form per operator
// (the newest opset's operands and attributes). The importer normalises older opsets into it.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_ONNX_DIALECT_TD
#define KILN_ONNX_DIALECT_TD

include "mlir/IR/OpBase.td"

def ONNX_Dialect : Dialect {
  let name = "onnx";
  let cppNamespace = "::kiln::onnx";
  let summary = "ONNX operators as imported from a model file";
  let description = [{
    One op per supported ONNX operator of the standard domain (`onnx.Add`) and of ONNX
    Runtime's `com.microsoft` domain (`onnx.com.microsoft.Attention`). Each op has the operands
    and attributes of the newest version of its operator; the importer moves attributes that
    became inputs in later opsets (for example the `axes` of `ReduceMean` before opset 18) into
    operands, so passes see one form only.

    Tensor element types follow ONNX: signed integers are signless (`i64`), unsigned ones are
    `ui8`..`ui64`, `bool` is `i1`. Result types are refined by shape inference
    (`kiln-onnx-shape-inference`); dims unknown at compile time are dynamic (`?`).
  }];
  let hasConstantMaterializer = 1;
  let useDefaultAttributePrinterParser = 0;
}

// ONNX requires at least one value for a variadic input (Concat, Sum, Max, Min, Einsum).
def ONNX_VariadicOperandsNotEmpty : PredOpTrait<"variadic operands are not empty",
    CPred<"$_op.getNumOperands() >= 1">>;

class ONNX_Op<string mnemonic, list<Trait> traits = []> :
    Op<ONNX_Dialect, mnemonic, traits>;

#endif // KILN_ONNX_DIALECT_TD
