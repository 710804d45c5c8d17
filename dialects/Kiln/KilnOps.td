//===- KilnOps.td - the kiln dialect -----------------------*- tablegen -*-===//
//
// Ops of Kiln's own that sit between the target-neutral lowering and a target: what the
// program asks of the runtime, said once and lowered by each target its own way
// (docs/design/targets.md).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_KILN_OPS_TD
#define KILN_KILN_OPS_TD

include "dialects/TFM/TFMDialect.td"
include "mlir/IR/OpBase.td"
include "mlir/Interfaces/DestinationStyleOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Kiln_Dialect : Dialect {
  let name = "kiln";
  let cppNamespace = "::kiln";
  let summary = "ops between the target-neutral lowering and a target";
  let description = [{
    The lowering to linalg is the same for every target; where the program needs the runtime
    (to fail a run with a message naming the node), it says so with an op of this dialect, and
    each target lowers the op: the CPU to a call into its runtime, a GPU target to a write of
    the session's error word. A target that implements a `tfm` op with a kernel of its own
    claims it before the lowering to linalg as an op of this dialect in destination-passing
    style, which bufferizes with the rest of the program and which the target's kernel
    builder then consumes (`kiln.attention`).
  }];
  // kiln.attention's attributes are tfm's (its default key layout is a #tfm.layout).
  let dependentDialects = ["::kiln::tfm::TFMDialect"];
}

class Kiln_Op<string mnemonic, list<Trait> traits = []> : Op<Kiln_Dialect, mnemonic, traits>;

def Kiln_IndexErrorOp : Kiln_Op<"index_error", [MemoryEffects<[MemWrite]>]> {
  let summary = "fail the run: an index read from the graph's data is out of range";
  let description = [{
    Reached when `index` (the index as the graph gave it) is outside [-dim, dim) for a
    coordinate of size `dim`. The run fails with a message naming `site` (the op, its ONNX node
    and the axis: `Gather node 'x' (axis 0)`), the index and the dim, as onnxruntime does;
    the code around it reads and writes nothing out of range and carries on with zeros. The
    first error of a run is the one reported.

    ```mlir
    kiln.index_error %index, %dim {site = "Gather node 'embed' (axis 0)"}
    ```
  }];
  let arguments = (ins Index:$index, Index:$dim, StrAttr:$site);
  let assemblyFormat = "$index `,` $dim attr-dict";
}

def Kiln_TensorOrBuffer : AnyTypeOf<[AnyRankedTensor, AnyMemRef]>;

def Kiln_AttentionOp : Kiln_Op<"attention", [
    DestinationStyleOpInterface, DeclareOpInterfaceMethods<MemoryEffectsOpInterface>]> {
  let summary = "tfm.attention claimed by a target, in destination-passing style";
  let description = [{
    Computes `tfm.attention` (the same operands and attributes, with the same meaning) into
    `init`: on tensors it returns the result (`init` only gives its shape: it is not read), on
    buffers it writes `init`. A target that builds one kernel for attention (the CUDA target's
    online-softmax kernel, codegen/CUDA/AttentionKernels.cpp) claims `tfm.attention` as this
    op before the lowering to linalg; one-shot bufferization turns the tensor form into the
    buffer form.

    ```mlir
    %o = kiln.attention %q, %k, %v outs(%init : tensor<?x12x?x64xf32>) {causal}
         : tensor<?x12x?x64xf32>, tensor<?x12x?x64xf32>, tensor<?x12x?x64xf32>
         -> tensor<?x12x?x64xf32>
    kiln.attention %qb, %kb, %vb mask(%mb : memref<?x1x1x?xf32>) outs(%ob : memref<?x12x?x64xf32>)
         : memref<?x12x?x64xf32>, memref<?x12x?x64xf32>, memref<?x12x?x64xf32>
    ```
  }];
  let arguments = (ins Kiln_TensorOrBuffer:$query, Kiln_TensorOrBuffer:$key,
    Kiln_TensorOrBuffer:$value, Optional<Kiln_TensorOrBuffer>:$mask,
    Kiln_TensorOrBuffer:$init,
    DefaultValuedAttr<TFM_LayoutAttr, "::kiln::tfm::Layout::bhsd">:$query_layout,
    DefaultValuedAttr<TFM_LayoutAttr, "::kiln::tfm::Layout::bhsd">:$key_layout,
    DefaultValuedAttr<TFM_LayoutAttr, "::kiln::tfm::Layout::bhsd">:$value_layout,
    DefaultValuedAttr<TFM_LayoutAttr, "::kiln::tfm::Layout::bhsd">:$output_layout,
    OptionalAttr<F32Attr>:$scale, UnitAttr:$causal, OptionalAttr<I64Attr>:$window,
    OptionalAttr<F32Attr>:$softcap, OptionalAttr<F32Attr>:$masked_value);
  let results = (outs Variadic<AnyRankedTensor>:$result);
  let assemblyFormat = [{
    $query `,` $key `,` $value (`mask` `(` $mask^ `:` type($mask) `)`)?
    `outs` `(` $init `:` type($init) `)` attr-dict `:` type($query) `,` type($key) `,`
    type($value) (`->` type($result)^)?
  }];
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() { return getInitMutable(); }
  }];
  let hasVerifier = 1;
}

class Kiln_NormOp<string mnemonic, string summary_> : Kiln_Op<mnemonic,
    [DestinationStyleOpInterface, DeclareOpInterfaceMethods<MemoryEffectsOpInterface>]> {
  let summary = summary_;
  let results = (outs Variadic<AnyRankedTensor>:$result);
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() { return getInitMutable(); }
  }];
  let hasVerifier = 1;
}

def Kiln_LayerNormOp : Kiln_NormOp<"layer_norm",
    "tfm.layer_norm claimed by a target, in destination-passing style"> {
  let description = [{
    Computes `tfm.layer_norm` (the same operands and attributes) into `init`, as
    `kiln.attention` does for `tfm.attention`: the CUDA target's row kernel
    (codegen/CUDA/NormKernels.cpp) claims it before the lowering to linalg.
  }];
  let arguments = (ins Kiln_TensorOrBuffer:$input, Kiln_TensorOrBuffer:$scale,
    Optional<Kiln_TensorOrBuffer>:$bias, Kiln_TensorOrBuffer:$init,
    DefaultValuedAttr<I64Attr, "-1">:$axis, DefaultValuedAttr<F32Attr, "1e-5">:$epsilon);
  let assemblyFormat = [{
    $input `,` $scale (`bias` `(` $bias^ `:` type($bias) `)`)? `outs` `(` $init `:` type($init)
    `)` attr-dict `:` type($input) `,` type($scale) (`->` type($result)^)?
  }];
}

def Kiln_RMSNormOp : Kiln_NormOp<"rms_norm",
    "tfm.rms_norm claimed by a target, in destination-passing style"> {
  let description = [{
    Computes `tfm.rms_norm` (the same operands and attributes) into `init`, as
    `kiln.layer_norm` does for `tfm.layer_norm`.
  }];
  let arguments = (ins Kiln_TensorOrBuffer:$input, Kiln_TensorOrBuffer:$scale,
    Kiln_TensorOrBuffer:$init,
    DefaultValuedAttr<I64Attr, "-1">:$axis, DefaultValuedAttr<F32Attr, "1e-5">:$epsilon);
  let assemblyFormat = [{
    $input `,` $scale `outs` `(` $init `:` type($init) `)` attr-dict `:` type($input) `,`
    type($scale) (`->` type($result)^)?
  }];
}

#endif // KILN_KILN_OPS_TD
