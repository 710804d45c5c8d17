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
                           "::mlir::arith::ArithDialect", "::mlir::math::MathDialect",
                           "::mlir::scf::SCFDialect", "::kiln::KilnDialect",
                           "::mlir::func::FuncDialect"];
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

def ConvertTFMToLinalg : Pass<"kiln-convert-tfm-to-linalg", "::mlir::ModuleOp"> {
  let summary = "lower tfm ops to linalg, tensor, arith and math on tensors";
  let description = [{
    tfm.attention becomes a score contraction (layouts and grouped KV heads in the indexing
    maps), one elementwise op for scale, softcap, mask and causal masking, a max and a sum over
    the keys, and P·V divided by the sum; f32 for f16/bf16; fully masked rows give zeros.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect", "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect", "::mlir::math::MathDialect"];
}

def RaiseONNXAttention : Pass<"kiln-raise-onnx-attention", "::mlir::func::FuncOp"> {
  let summary = "raise the ONNX Attention op (opset 23+) and the com.microsoft attention ops to tfm.attention";
  let description = [{
    Replaces onnx.Attention by tfm.attention when their semantics coincide: no past key/value
    or nonpad_kv_seqlen, present and qk outputs unused, no softcap (ONNX applies it after the
    mask), a mask whose key dim equals the keys' (ONNX pads shorter masks), and for is_causal
    equal query and key lengths (ONNX aligns causal masks top-left, tfm bottom-right). 3-D
    operands are viewed as [batch, seq, heads, head_dim] (the bshd layout), so no transpose is
    materialised. com.microsoft MultiHeadAttention (3-D q, k, v) and Attention (packed
    weights) without KV cache are first restated as onnx.Attention (bias slices, key padding
    masks as additive -10000 masks, attention_bias, unidirectional as is_causal), and so is
    GroupQueryAttention on a prompt (no past state: causal plus the key mask
    arange(L) <= seqlens_k). Other cases
    are left alone with the reason recorded for the fusion report. With restate-only (the
    --no-fusion path) the contrib ops are only restated as onnx.Attention, nothing is raised.
  }];
  let options = [Option<"restateOnly", "restate-only", "bool", "false",
                        "only restate the com.microsoft ops as onnx.Attention">];
  let dependentDialects = ["::kiln::tfm::TFMDialect", "::mlir::tensor::TensorDialect"];
}

def ScalarizeShapeTensors : Pass<"kiln-scalarize-shape-tensors", "::mlir::func::FuncOp"> {
  let summary = "compute small integer tensors made of host scalars (shape tensors) as scalars";
  let description = [{
    Runs on linalg on tensors. An all-parallel linalg op, `tensor.reshape`,
    `tensor.expand_shape`, `tensor.collapse_shape`, `tensor.concat` (dim 0) or a static
    `tensor.extract_slice` whose result is a statically shaped integer tensor of at most 16
    elements, and whose every tensor it reads is a `tensor.from_elements` or a constant,
    becomes a `tensor.from_elements` of its elements, each computed by the op's own scalar
    code (a linalg body is cloned once per element, `linalg.index` as constants, run-time
    error reports kept). `tensor.extract` of such a tensor folds to the element, so Reshape
    targets computed from Shape, Gather, Unsqueeze and Concat become host arithmetic instead
    of one-thread kernels. Tensors in memory (activations, weights) are not read.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::tensor::TensorDialect"];
}

def ReshapeToReinterpretCast : Pass<"kiln-reshape-to-reinterpret-cast", "::mlir::func::FuncOp"> {
  let summary = "state a memref.reshape to dims stored one by one as a memref.reinterpret_cast";
  let description = [{
    Runs on bufferized code, before deallocation is planned. A `memref.reshape` of an
    identity-layout buffer whose shape operand is a static 1-D `memref.alloc` written by one
    `memref.store` per dim (earlier in the same block) and read by nothing else becomes a
    `memref.reinterpret_cast` of the source with those dims and row-major strides, and the
    shape buffer is erased. On a GPU the buffer would be device memory written by a
    one-thread kernel; the host has the dims already.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::memref::MemRefDialect"];
}

def ResultsInPlace : Pass<"kiln-results-in-place", "::mlir::func::FuncOp"> {
  let summary = "compute each result in the caller's output buffer instead of copying it there";
  let description = [{
    Runs after `buffer-results-to-out-params`, before deallocation is planned. A
    `memref.copy` from a `memref.alloc` of the function's entry block into one of its
    arguments is erased, and the allocation replaced by that argument (through a
    `memref.cast` where one type has a static dim the other has dynamic), when the argument
    has no other user but `memref.dim`, and every other user of the allocation comes before
    the copy and copies nothing. The runtime guarantees what this needs: an output has the
    dims the inputs give, and overlaps no input and no other output. On the GPU this saves a
    kernel per result, on the CPU a copy.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def BuildShapesFunction : Pass<"kiln-build-shapes-function", "::mlir::ModuleOp"> {
  let summary = "derive a function computing @main's dynamic result dims from its inputs";
  let description = [{
    Runs on linalg on tensors. Clones `@main` into `@main_shapes(inputs..., memref<?xi64>)`
    that stores every dynamic dim of every result (result order, then dim order) into the
    memref, then resolves `tensor.dim` of op results through `ReifyRankedShapedTypeOpInterface`
    until they are expressed in input dims, and lets the computation they no longer need die
    (run-time error reports, `kiln.index_error`, are dropped from the clone first). Inputs whose values (not only shapes) are still read are marked `kiln.host_value` on
    `@main`: the runtime needs their data to compute shapes. Does nothing when every result
    dim is static. The runtime calls the function to size caller-owned outputs before a run.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect", "::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect"];
}

def ExpandONNXAttention : Pass<"kiln-expand-onnx-attention", "::mlir::func::FuncOp"> {
  let summary = "restate onnx.Attention as the standard ops of its definition";
  let description = [{
    The forms of onnx.Attention (opset 23+) that kiln-raise-onnx-attention leaves (KV cache
    inputs past_key/past_value and outputs present_key/present_value, qk_matmul_output in any
    mode, nonpad_kv_seqlen, a softcap applied after the mask, causal masks aligned top-left
    or to the past length, masks shorter than the keys) become what the operator is defined
    as:

      Q, K, V 3-D -> Reshape [b, s, heads, -1] + Transpose to [b, heads, s, d]
      present = Concat(past, new) on the sequence axis
      K, V repeated per query head group (Unsqueeze + Tile + Reshape) for grouped queries
      scores = (Q * sqrt(scale)) @ Transpose(K * sqrt(scale))
      bias = mask (bool as Where(mask, 0, -inf); padded with -inf to the key length)
           + Where(key <= query + past, 0, -inf) if is_causal
           + Where(key < nonpad_kv_seqlen[b], 0, -inf)
      Y = Softmax(softcap(scores + bias)) @ V, merged back to 3-D for 3-D inputs

    qk_matmul_output is the scores (mode 0), with the bias (1), after the softcap (2) or
    after the softmax (3). softmax_precision is not honoured: the softmax runs in the
    operands' type. The raising passes that run after it may fuse the result again.
  }];
  let dependentDialects = ["::kiln::onnx::ONNXDialect"];
}

def ExpandContribOps : Pass<"kiln-expand-contrib-ops", "::mlir::func::FuncOp"> {
  let summary = "restate com.microsoft ops that have exact standard-op equivalents";
  let description = [{
    ONNX Runtime's transformers optimizer writes fused contrib ops that are compositions of
    standard ones. This pass restates them, so shape inference, folding and the raising passes
    see one form whatever wrote the graph:

      EmbedLayerNormalization(ids, segment_ids, word, position, segment, gamma, beta, mask,
                              position_ids)
        -> LayerNormalization(Gather(word, ids) + Gather(position, position_ids or
                              Range(0, seq)) [+ Gather(segment, segment_ids)], gamma, beta)
           mask_index = ReduceSum(mask, axis 1) as int32 (the valid length of each row),
           embedding_sum = the sum before normalisation.

    Runs in the graph pipeline, so it applies with --no-fusion too.
  }];
  let dependentDialects = ["::kiln::onnx::ONNXDialect"];
}

def FuseElementwise : Pass<"kiln-fuse-elementwise", "::mlir::func::FuncOp"> {
  let summary = "fuse single-use elementwise linalg.generic producers into their consumers";
  let description = [{
    Runs on linalg on tensors. Inlines an all-parallel `linalg.generic` producer into the
    `linalg.generic` consuming its result when that is the result's only use (no recomputation)
    and the consumer is not a contraction (those become runtime GEMM calls). Chains of
    elementwise ops become one loop; reductions may absorb elementwise producers.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect", "::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect"];
}

def RaiseGelu : Pass<"kiln-raise-gelu", "::mlir::func::FuncOp"> {
  let summary = "raise GELU, spelled out or as an op, to tfm.gelu";
  let description = [{
    Matches `0.5 * x * (1 + erf(x / sqrt(2)))` and
    `0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))` with their factors in any order
    and position (anchored on the Erf / Tanh, following single uses), and the ops onnx.Gelu,
    com.microsoft Gelu, FastGelu and BiasGelu. Erf and Tanh ops left alone carry
    `kiln.fusion_miss` with the reason.
  }];
  let dependentDialects = ["::kiln::tfm::TFMDialect"];
}

def RaiseNormalization : Pass<"kiln-raise-normalization", "::mlir::func::FuncOp"> {
  let summary = "raise layer and RMS normalisation to tfm.layer_norm / tfm.rms_norm";
  let description = [{
    LayerNormalization, RMSNormalization, com.microsoft SimplifiedLayerNormalization and
    SkipLayerNormalization (statistics outputs unused), and the decomposed forms anchored on
    a keepdims ReduceMean over trailing dims: `(x - mean) / sqrt(var + eps) * scale [+ bias]`
    and `x / sqrt(mean(x^2) + eps) * scale`, with Pow(., 2) or a product for the square and
    Div, Reciprocal or 1/s for the division. ReduceMean ops left alone carry
    `kiln.fusion_miss` with the reasons.
  }];
  let dependentDialects = ["::kiln::tfm::TFMDialect"];
}

def RaiseRotaryEmbedding : Pass<"kiln-raise-rotary-embedding", "::mlir::func::FuncOp"> {
  let summary = "raise rotary position embeddings to tfm.rotary_embedding";
  let description = [{
    Matches `x * cos + rotate_half(x) * sin` (halves by two Slices or a Split, products in
    either order), GPT-J's interleaved `rotate_every_two` (stack((-x[.., 1::2], x[.., ::2]),
    -1).flatten(-2)) and the partial form `Concat(rotary(x[.., :R]), x[.., R:])`, and raises the
    ONNX RotaryEmbedding op (opset 23) and ONNX Runtime's com.microsoft RotaryEmbedding
    (position ids [batch, seq] or none; 3-D inputs viewed as [batch, seq, heads, head_dim]).
    With `ops-only`, only the ops are raised (the --no-fusion path, which must still lower
    them). Ops left alone carry `kiln.fusion_miss` with the reason.
  }];
  let options = [Option<"opsOnly", "ops-only", "bool", "false",
                        "raise only the RotaryEmbedding ops, not spelled-out forms">];
  let dependentDialects = ["::kiln::tfm::TFMDialect"];
}

def RaiseMatmulEpilogue : Pass<"kiln-raise-matmul-epilogue", "::mlir::func::FuncOp"> {
  let summary = "fold bias and activation after a MatMul or Gemm into tfm.matmul";
  let description = [{
    `activation(x · W + b)` with a per-feature bias ([.., 1, N] or [N]; a residual Add is not
    a bias) and relu, tfm.gelu (either form) or silu (x · Sigmoid(x)), each optional but not
    both absent, becomes tfm.matmul with the bias operand and `activation`; Gemm with
    alpha = beta = 1 and no transposed A likewise (transB as `transpose_rhs`). Runs after the
    GELU raising.
  }];
  let dependentDialects = ["::kiln::tfm::TFMDialect"];
}

def ReducePrecision : Pass<"kiln-reduce-precision", "::mlir::func::FuncOp"> {
  let summary = "run f32 contractions on f16 or bf16 operands with f32 accumulation";
  let description = [{
    `kiln-compile --precision=fp16|bf16`. Every f32 contraction -- tfm.matmul, tfm.attention,
    and an onnx.MatMul of rank >= 2 operands (restated as a tfm.matmul) -- takes its operands
    in the low type and still accumulates and returns f32: its epilogue, every normalisation
    and softmax statistic, residual adds and the model's outputs stay f32. Constant operands
    (weights) are converted here, at compile time, rounding to nearest even (so the artifact
    stores them at half the size); other operands get an onnx.Cast, one per value. Float
    attention masks stay f32: a large finite negative mask value must not become -inf. Ops of
    other element types (models already in f16/bf16) are left as they are. onnx.Gemm, Conv
    and Einsum stay f32; the fusion report counts the operand types of tfm.matmul,
    tfm.attention, MatMul and Gemm.
  }];
  let options = [Option<"precision", "precision", "std::string", "\"fp16\"",
                        "the operand type: fp16 or bf16">];
  let dependentDialects = ["::kiln::tfm::TFMDialect", "::kiln::onnx::ONNXDialect"];
}

def PackProjections : Pass<"kiln-pack-projections", "::mlir::func::FuncOp"> {
  let summary = "pack matmuls of one input by constant weights into one wider matmul";
  let description = [{
    onnx.MatMul or tfm.matmul ops (no transposed rhs) that share their input and apply 2-D
    constant weights with the same K -- Q, K and V projections -- and agree on their epilogue
    (activation; all with a constant 1-D bias or none) become one matmul on the weights (and
    biases) concatenated at compile time, followed by one Slice per original result. Not in
    the CPU pipeline: measured on BERT-base (bench/RESULTS.md) it did not pay there; it is for
    targets where one launch beats three.
  }];
}

def RaiseAttention : Pass<"kiln-raise-attention", "::mlir::func::FuncOp"> {
  let summary = "raise Softmax(scale * Q Kᵀ + mask) V subgraphs to tfm.attention";
  let description = [{
    Anchored on a Softmax over the last axis whose only user multiplies it by V. Scalar
    factors on the scores, on Q or on K combine into `scale`; an additive mask or a
    Where(mask, scores, large negative) boolean mask that does not depend on the scores
    becomes the mask operand; head-split transposes of Q, K and V and the head-merge transpose
    of the output fold into the layouts. Softmax ops left alone carry `kiln.fusion_miss`
    with the reason.
  }];
  let dependentDialects = ["::kiln::tfm::TFMDialect"];
}

#endif // KILN_PASSES_TD
