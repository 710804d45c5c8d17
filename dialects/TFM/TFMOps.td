//===- TFMOps.td - tfm dialect ops -------------------------*- tablegen -*-===//

#ifndef KILN_TFM_OPS_TD
#define KILN_TFM_OPS_TD

include "dialects/TFM/TFMDialect.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def TFM_FloatTensor : RankedTensorOf<[F16, BF16, F32, F64]>;

def TFM_AttentionOp : TFM_Op<"attention", [Pure]> {
  let summary = "scaled dot-product attention";
  let description = [{
    `output = softmax(softcap(scale * Q Kᵀ) + mask) V`, per batch and query head.

    Operands are 4-D; each one's `*_layout` says whether its dims are ordered
    (batch, heads, sequence, head_dim) (`bhsd`, the default) or (batch, sequence, heads,
    head_dim) (`bshd`, the layout of a projection reshaped to heads before the transpose). The
    transposes exporters emit around head split and merge fold into these attributes.

    - Grouped / multi-query attention: `key` and `value` may have fewer heads `Hkv` than `query`
      (`Hq`); `Hq` must be a multiple of `Hkv` and query head `h` attends with KV head
      `h / (Hq / Hkv)`.
    - `scale` defaults to `1 / sqrt(head_dim)`.
    - `softcap`, when present and > 0, replaces each score `s` by `softcap * tanh(s / softcap)`.
    - `mask` (optional) broadcasts to `[batch, Hq, Sq, Skv]`. A float mask is added to the
      scores; an `i1` mask keeps a score where it is true and sets it to -inf where false.
    - `causal` masks out keys after the query's position, aligned to the bottom right:
      query `i` sees keys `j <= i + (Skv - Sq)`.
    - `window` (with `causal`; sliding-window attention) also masks out keys `window` or more
      positions before it: query `i` sees keys `i + (Skv - Sq) - window < j <= i + (Skv - Sq)`.
    - A row whose scores are all masked out produces zeros.
    - `masked_value`, when present: a score that the mask makes -inf (a false `i1` entry, a
      -inf float entry) becomes this value instead, as torch's `masked_fill` with a finite
      value computes it; a row the mask hides entirely then averages V. Causal and window
      masking still hide keys with -inf.
    - Precision: scores, softmax max/sum and the P·V accumulation are f32 for f16/bf16
      operands. The output has the operands' type or, for f16/bf16 operands, f32 (then the
      mask may be f32 too: `kiln-reduce-precision`).

    Example:
    ```mlir
    %o = tfm.attention %q, %k, %v mask(%m : tensor<?x1x1x?xf32>) {causal,
           key_layout = #tfm.layout<bshd>}
         : tensor<?x12x?x64xf32>, tensor<?x?x12x64xf32>, tensor<?x12x?x64xf32>
           -> tensor<?x12x?x64xf32>
    ```
  }];
  let arguments = (ins TFM_FloatTensor:$query, TFM_FloatTensor:$key, TFM_FloatTensor:$value,
    Optional<RankedTensorOf<[F16, BF16, F32, F64, I1]>>:$mask,
    DefaultValuedAttr<TFM_LayoutAttr, "::kiln::tfm::Layout::bhsd">:$query_layout,
    DefaultValuedAttr<TFM_LayoutAttr, "::kiln::tfm::Layout::bhsd">:$key_layout,
    DefaultValuedAttr<TFM_LayoutAttr, "::kiln::tfm::Layout::bhsd">:$value_layout,
    DefaultValuedAttr<TFM_LayoutAttr, "::kiln::tfm::Layout::bhsd">:$output_layout,
    OptionalAttr<F32Attr>:$scale, UnitAttr:$causal, OptionalAttr<I64Attr>:$window,
    OptionalAttr<F32Attr>:$softcap, OptionalAttr<F32Attr>:$masked_value);
  let results = (outs TFM_FloatTensor:$output);
  let assemblyFormat = [{
    $query `,` $key `,` $value (`mask` `(` $mask^ `:` type($mask) `)`)? attr-dict `:`
    type($query) `,` type($key) `,` type($value) `->` type($output)
  }];
  let hasVerifier = 1;
}

def TFM_LayerNormOp : TFM_Op<"layer_norm", [Pure, AllTypesMatch<["input", "output"]>]> {
  let summary = "layer normalisation";
  let description = [{
    Normalises `input` over the dims from `axis` to the last:
    `output = (x - mean) / sqrt(var + epsilon) * scale + bias`, with the biased variance
    `mean((x - mean)^2)`. `scale` and `bias` have the normalised dims' shape (or broadcast to
    it). Mean and variance are computed in f32 (f64 for f64 input).

    Example:
    ```mlir
    %y = tfm.layer_norm %x, %gamma bias(%beta : tensor<768xf32>) {epsilon = 1.0e-12 : f32}
         : tensor<?x?x768xf32>, tensor<768xf32>
    ```
  }];
  let arguments = (ins TFM_FloatTensor:$input, TFM_FloatTensor:$scale,
    Optional<TFM_FloatTensor>:$bias,
    DefaultValuedAttr<I64Attr, "-1">:$axis, DefaultValuedAttr<F32Attr, "1e-5">:$epsilon);
  let results = (outs TFM_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $scale (`bias` `(` $bias^ `:` type($bias) `)`)? attr-dict `:` type($input) `,`
    type($scale)
  }];
  let hasVerifier = 1;
}

def TFM_RMSNormOp : TFM_Op<"rms_norm", [Pure, AllTypesMatch<["input", "output"]>]> {
  let summary = "root-mean-square normalisation";
  let description = [{
    `output = x / sqrt(mean(x^2) + epsilon) * scale`, the mean over the dims from `axis` to the
    last, computed in f32 (f64 for f64 input). `scale` has the normalised dims' shape.

    Example:
    ```mlir
    %y = tfm.rms_norm %x, %w {epsilon = 1.0e-6 : f32} : tensor<?x?x64xf32>, tensor<64xf32>
    ```
  }];
  let arguments = (ins TFM_FloatTensor:$input, TFM_FloatTensor:$scale,
    DefaultValuedAttr<I64Attr, "-1">:$axis, DefaultValuedAttr<F32Attr, "1e-5">:$epsilon);
  let results = (outs TFM_FloatTensor:$output);
  let assemblyFormat = "$input `,` $scale attr-dict `:` type($input) `,` type($scale)";
  let hasVerifier = 1;
}

def TFM_GeluOp : TFM_Op<"gelu", [Pure, AllTypesMatch<["input", "output"]>]> {
  let summary = "Gaussian error linear unit";
  let description = [{
    `approximation = none`: `0.5 x (1 + erf(x / sqrt(2)))`.
    `approximation = tanh`: `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`.
    Evaluated in f32 for f16/bf16 inputs.

    Example:
    ```mlir
    %y = tfm.gelu %x approximation = tanh : tensor<?x?x3072xf32>
    ```
  }];
  let arguments = (ins TFM_FloatTensor:$input,
    DefaultValuedAttr<TFM_GeluApproximationAttr, "::kiln::tfm::GeluApproximation::none">:$approximation);
  let results = (outs TFM_FloatTensor:$output);
  let assemblyFormat = "$input (`approximation` `=` $approximation^)? attr-dict `:` type($input)";
}

def TFM_RotaryEmbeddingOp : TFM_Op<"rotary_embedding", [Pure,
    AllTypesMatch<["input", "output"]>]> {
  let summary = "rotary position embedding";
  let description = [{
    Rotates pairs among the first `R = rotary_dim` features (default: all) of the last dim of
    `input` by position-dependent angles; the remaining features pass through. Which dim is
    the sequence does not matter to the op: `cos` and `sin` broadcast against `input` numpy-
    style (right-aligned, a dim of 1 repeats) in every dim but the last, so a table laid out
    as [1, 1, S, ·] serves a [B, H, S, D] input and [1, S, 1, ·] a [B, S, H, D] one.

    The tables' last dim is either `R`, one angle per feature (`c[f] = cos[.., f]`; the form
    exporters spell out, with each angle stored for both features of its pair), or `R / 2`,
    one per pair (the form of ONNX's and ONNX Runtime's RotaryEmbedding caches).

    - Half rotation (default, GPT-NeoX/LLaMA): feature `f < R/2` pairs with `f + R/2`:
      `y[f] = x[f] c[f] - x[f+R/2] s[f]`, `y[f+R/2] = x[f+R/2] c[f+R/2] + x[f] s[f+R/2]`; with
      pair tables `c[f] = c[f + R/2] = cos[.., f]`.
    - `interleaved` (GPT-J): feature `2p` pairs with `2p + 1`:
      `y[2p] = x[2p] c[2p] - x[2p+1] s[2p]`, `y[2p+1] = x[2p+1] c[2p+1] + x[2p] s[2p+1]`; with
      pair tables `c[2p] = c[2p+1] = cos[.., p]`.
    - Evaluated in f32 for f16/bf16 inputs.

    Example:
    ```mlir
    %y = tfm.rotary_embedding %x, %cos, %sin
         : tensor<?x8x?x64xf32>, tensor<1x1x?x64xf32>, tensor<1x1x?x64xf32>
    ```
  }];
  let arguments = (ins TFM_FloatTensor:$input, TFM_FloatTensor:$cos, TFM_FloatTensor:$sin,
    UnitAttr:$interleaved, OptionalAttr<I64Attr>:$rotary_dim);
  let results = (outs TFM_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $cos `,` $sin attr-dict `:` type($input) `,` type($cos) `,` type($sin)
  }];
  let hasVerifier = 1;
}

def TFM_MatmulOp : TFM_Op<"matmul", [Pure]> {
  let summary = "matrix product with a fused bias and activation epilogue";
  let description = [{
    `output = activation(lhs · op(rhs) + bias)` where `op` transposes the last two dims of
    `rhs` when `transpose_rhs` is set. Batch dims broadcast as in numpy's matmul; `lhs` and
    `rhs` have rank >= 2. `bias` (optional) broadcasts to the result, typically `[N]`.
    Accumulation is f32 for f16/bf16 operands; the result (and bias) has the operands' type
    or, for f16/bf16 operands, f32 (`kiln-reduce-precision`).

    Example:
    ```mlir
    %y = tfm.matmul %x, %w bias(%b : tensor<3072xf32>) {activation = #tfm.activation<gelu>}
         : tensor<?x?x768xf32>, tensor<768x3072xf32> -> tensor<?x?x3072xf32>
    ```
  }];
  let arguments = (ins TFM_FloatTensor:$lhs, TFM_FloatTensor:$rhs, Optional<TFM_FloatTensor>:$bias,
    UnitAttr:$transpose_rhs,
    DefaultValuedAttr<TFM_ActivationAttr, "::kiln::tfm::Activation::none">:$activation);
  let results = (outs TFM_FloatTensor:$output);
  let assemblyFormat = [{
    $lhs `,` $rhs (`bias` `(` $bias^ `:` type($bias) `)`)? attr-dict `:` type($lhs) `,` type($rhs)
    `->` type($output)
  }];
  let hasVerifier = 1;
}

#endif // KILN_TFM_OPS_TD
