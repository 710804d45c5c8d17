// RUN: kiln-opt %s -split-input-file --pass-pipeline='builtin.module(func.func(kiln-onnx-shape-inference,kiln-expand-onnx-attention))' | FileCheck %s
// onnx.Attention restated as the standard ops of its definition.

// KV cache, grouped queries, causal aligned to the past length, softcap after the mask, and
// qk_matmul_output after the softcap (mode 2).
// CHECK-LABEL: func.func @kv_cache
// CHECK-SAME: -> (tensor<1x4x2x8xf32>, tensor<1x2x5x8xf32>, tensor<1x2x5x8xf32>, tensor<1x4x2x5xf32>)
// CHECK-DAG: %[[CAP:.*]] = onnx.Constant dense<2.000000e+00> : tensor<f32>
// CHECK-DAG: %[[PAST:.*]] = onnx.Constant dense<3> : tensor<i64>
// CHECK-DAG: %[[SQRTSCALE:.*]] = onnx.Constant dense<0.594603539> : tensor<f32>
// CHECK: %[[PK:.*]] = onnx.Concat %arg3, %arg1 {axis = 2 : i64} : (tensor<1x2x3x8xf32>, tensor<1x2x2x8xf32>) -> tensor<1x2x5x8xf32>
// CHECK: %[[PV:.*]] = onnx.Concat %arg4, %arg2 {axis = 2 : i64}
// CHECK: %[[KU:.*]] = onnx.Unsqueeze %[[PK]]
// CHECK: %[[KT:.*]] = onnx.Tile %[[KU]], %{{.*}} : (tensor<1x2x1x5x8xf32>, tensor<5xi64>) -> tensor<1x2x2x5x8xf32>
// CHECK: %[[K:.*]] = onnx.Reshape %[[KT]], %{{.*}} : (tensor<1x2x2x5x8xf32>, tensor<4xi64>) -> tensor<1x4x5x8xf32>
// CHECK: %[[V:.*]] = onnx.Reshape {{.*}} -> tensor<1x4x5x8xf32>
// CHECK: %[[QS:.*]] = onnx.Mul %arg0, %[[SQRTSCALE]]
// CHECK: %[[KS:.*]] = onnx.Mul %[[K]], %[[SQRTSCALE]]
// CHECK: %[[KTR:.*]] = onnx.Transpose %[[KS]] {perm = array<i64: 0, 1, 3, 2>}
// CHECK: %[[S:.*]] = onnx.MatMul %[[QS]], %[[KTR]] : (tensor<1x4x2x8xf32>, tensor<1x4x8x5xf32>) -> tensor<1x4x2x5xf32>
// CHECK: %[[ROWS:.*]] = onnx.Unsqueeze
// CHECK: %[[SHIFTED:.*]] = onnx.Add %[[ROWS]], %[[PAST]]
// CHECK: %[[KEEP:.*]] = onnx.LessOrEqual %{{.*}}, %[[SHIFTED]]
// CHECK: %[[BIAS:.*]] = onnx.Where %[[KEEP]]
// CHECK: %[[SB:.*]] = onnx.Add %[[S]], %[[BIAS]]
// CHECK: %[[D:.*]] = onnx.Div %[[SB]], %[[CAP]]
// CHECK: %[[T:.*]] = onnx.Tanh %[[D]]
// CHECK: %[[C:.*]] = onnx.Mul %[[T]], %[[CAP]]
// CHECK: %[[P:.*]] = onnx.Softmax %[[C]]
// CHECK: %[[Y:.*]] = onnx.MatMul %[[P]], %[[V]]
// CHECK-NOT: onnx.Attention
// CHECK: return %[[Y]], %[[PK]], %[[PV]], %[[C]]
func.func @kv_cache(%q: tensor<1x4x2x8xf32>, %k: tensor<1x2x2x8xf32>, %v: tensor<1x2x2x8xf32>, %pk: tensor<1x2x3x8xf32>, %pv: tensor<1x2x3x8xf32>) -> (tensor<1x4x2x8xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %y, %k2, %v2, %qk = onnx.Attention %q, %k, %v past_key(%pk) past_value(%pv) {is_causal = 1 : i64, softcap = 2.0 : f32, qk_matmul_output_mode = 2 : i64} : (tensor<1x4x2x8xf32>, tensor<1x2x2x8xf32>, tensor<1x2x2x8xf32>, tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>) -> (tensor<1x4x2x8xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>)
  return %y, %k2, %v2, %qk : tensor<1x4x2x8xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}

// -----

// 3-D operands, a boolean mask one key shorter than the keys: padded with -inf.
// CHECK-LABEL: func.func @short_mask
// CHECK-DAG: %[[PADS:.*]] = onnx.Constant dense<[0, 0, 0, 1]> : tensor<4xi64>
// CHECK-DAG: %[[NEGINF:.*]] = onnx.Constant dense<0xFF800000> : tensor<f32>
// CHECK: %[[Q:.*]] = onnx.Reshape %arg0, %{{.*}} : (tensor<2x3x16xf32>, tensor<4xi64>) -> tensor<2x3x2x8xf32>
// CHECK: onnx.Transpose %[[Q]] {perm = array<i64: 0, 2, 1, 3>}
// CHECK: %[[S:.*]] = onnx.MatMul {{.*}} -> tensor<2x2x3x5xf32>
// CHECK: %[[M:.*]] = onnx.Where %arg3, %{{.*}}, %[[NEGINF]] : (tensor<3x4xi1>, tensor<f32>, tensor<f32>) -> tensor<3x4xf32>
// CHECK: %[[MP:.*]] = onnx.Pad %[[M]], %[[PADS]] constant_value(%[[NEGINF]]) {{.*}} -> tensor<3x5xf32>
// CHECK: %[[SB:.*]] = onnx.Add %[[S]], %[[MP]]
// CHECK: %[[P:.*]] = onnx.Softmax %[[SB]]
// CHECK: %[[O:.*]] = onnx.MatMul %[[P]]
// CHECK: %[[OT:.*]] = onnx.Transpose %[[O]] {perm = array<i64: 0, 2, 1, 3>}
// CHECK: %[[Y:.*]] = onnx.Reshape %[[OT]], %{{.*}} : (tensor<2x3x2x8xf32>, tensor<3xi64>) -> tensor<2x3x16xf32>
// CHECK: return %[[Y]]
func.func @short_mask(%q: tensor<2x3x16xf32>, %k: tensor<2x5x16xf32>, %v: tensor<2x5x16xf32>, %m: tensor<3x4xi1>) -> tensor<2x3x16xf32> {
  %y, %pk, %pv, %qk = onnx.Attention %q, %k, %v attn_mask(%m) {q_num_heads = 2 : i64, kv_num_heads = 2 : i64} : (tensor<2x3x16xf32>, tensor<2x5x16xf32>, tensor<2x5x16xf32>, tensor<3x4xi1>) -> (tensor<2x3x16xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>)
  return %y : tensor<2x3x16xf32>
}

// -----

// A mask of run-time length that may be shorter than the keys: the padding is computed at
// run time (keys - mask columns at the end of the last axis).
// CHECK-LABEL: func.func @dynamic_short_mask
// CHECK-DAG: %[[ZEROS:.*]] = onnx.Constant dense<0> : tensor<3xi64>
// CHECK: %[[KEYS:.*]] = onnx.Shape %arg1 {end = 3 : i64, start = 2 : i64}
// CHECK: %[[KLEN:.*]] = onnx.Squeeze %[[KEYS]]
// CHECK: %[[MASK:.*]] = onnx.Shape %arg3 {end = 2 : i64, start = 1 : i64}
// CHECK: %[[MLEN:.*]] = onnx.Squeeze %[[MASK]]
// CHECK: %[[W:.*]] = onnx.Sub %[[KLEN]], %[[MLEN]]
// CHECK: %[[WV:.*]] = onnx.Unsqueeze %[[W]]
// CHECK: %[[PADS:.*]] = onnx.Concat %[[ZEROS]], %[[WV]] {axis = 0 : i64} : (tensor<3xi64>, tensor<1xi64>) -> tensor<4xi64>
// CHECK: %[[MP:.*]] = onnx.Pad %arg3, %[[PADS]] constant_value(%{{.*}}) : (tensor<4x?xf32>, tensor<4xi64>, tensor<f32>) -> tensor<4x?xf32>
// CHECK: onnx.Add %{{.*}}, %[[MP]]
// CHECK-NOT: onnx.Attention
func.func @dynamic_short_mask(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x?x8xf32>, %v: tensor<1x2x?x8xf32>, %m: tensor<4x?xf32>) -> tensor<1x2x4x8xf32> {
  %y, %pk, %pv, %qk = onnx.Attention %q, %k, %v attn_mask(%m) : (tensor<1x2x4x8xf32>, tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>, tensor<4x?xf32>) -> (tensor<1x2x4x8xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>)
  return %y : tensor<1x2x4x8xf32>
}

// -----

// A mask statically longer than the keys is not an Attention ONNX defines: the op stays (and
// its lowering reports it, naming the node).
// CHECK-LABEL: func.func @long_mask
// CHECK: onnx.Attention
func.func @long_mask(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %m: tensor<4x6xf32>) -> tensor<1x2x4x8xf32> {
  %y, %pk, %pv, %qk = onnx.Attention %q, %k, %v attn_mask(%m) : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<4x6xf32>) -> (tensor<1x2x4x8xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>)
  return %y : tensor<1x2x4x8xf32>
}
