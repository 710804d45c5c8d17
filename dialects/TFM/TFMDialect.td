//===- TFMDialect.td - the tfm dialect ---------------------*- tablegen -*-===//

#ifndef KILN_TFM_DIALECT_TD
#define KILN_TFM_DIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def TFM_Dialect : Dialect {
  let name = "tfm";
  let cppNamespace = "::kiln::tfm";
  let summary = "transformer-level ops that fusion produces and code generators consume";
  let description = [{
    Each op is one fused transformer building block with exact semantics: attention,
    normalisations, GELU, rotary embeddings and a matmul with a fused epilogue. Fusion passes
    raise `onnx` subgraphs into these ops; the CPU and CUDA code generators lower them.

    Precision rule, for every op: when the operands are f16 or bf16, reductions (softmax
    maximum and sum, normalisation mean and variance) and the accumulations of matmuls are
    carried out in f32 and rounded once to the result type.
  }];
  let useDefaultAttributePrinterParser = 1;
}

class TFM_Op<string mnemonic, list<Trait> traits = []> :
    Op<TFM_Dialect, mnemonic, traits>;

def TFM_LayoutBHSD : I32EnumAttrCase<"bhsd", 0>;
def TFM_LayoutBSHD : I32EnumAttrCase<"bshd", 1>;
def TFM_Layout : I32EnumAttr<"Layout",
    "dimension order of a 4-D attention operand: batch, heads, sequence, head dim",
    [TFM_LayoutBHSD, TFM_LayoutBSHD]> {
  let cppNamespace = "::kiln::tfm";
  let genSpecializedAttr = 0;
}
def TFM_LayoutAttr : EnumAttr<TFM_Dialect, TFM_Layout, "layout"> {
  let assemblyFormat = "`<` $value `>`";
}

def TFM_GeluNone : I32EnumAttrCase<"none", 0>;
def TFM_GeluTanh : I32EnumAttrCase<"tanh", 1>;
def TFM_GeluApproximation : I32EnumAttr<"GeluApproximation",
    "how GELU is computed: exactly with erf, or with the tanh approximation",
    [TFM_GeluNone, TFM_GeluTanh]> {
  let cppNamespace = "::kiln::tfm";
  let genSpecializedAttr = 0;
}
def TFM_GeluApproximationAttr : EnumAttr<TFM_Dialect, TFM_GeluApproximation, "gelu_approximation">;

def TFM_ActNone : I32EnumAttrCase<"none", 0>;
def TFM_ActRelu : I32EnumAttrCase<"relu", 1>;
def TFM_ActGelu : I32EnumAttrCase<"gelu", 2>;
def TFM_ActGeluTanh : I32EnumAttrCase<"gelu_tanh", 3>;
def TFM_ActSilu : I32EnumAttrCase<"silu", 4>;
def TFM_Activation : I32EnumAttr<"Activation",
    "activation applied in a matmul epilogue after the bias",
    [TFM_ActNone, TFM_ActRelu, TFM_ActGelu, TFM_ActGeluTanh, TFM_ActSilu]> {
  let cppNamespace = "::kiln::tfm";
  let genSpecializedAttr = 0;
}
def TFM_ActivationAttr : EnumAttr<TFM_Dialect, TFM_Activation, "activation"> {
  let assemblyFormat = "`<` $value `>`";
}

#endif // KILN_TFM_DIALECT_TD
