// RUN: kiln-opt %s --split-input-file --kiln-cuda-claim-tfm-ops | FileCheck %s
// The CUDA target claims the tfm ops its kernels implement: tfm.attention as kiln.attention (same
// operands and attributes) into a tensor.empty of the output's shape: batch and sequence from
// the query, in the output's layout. Attention the kernel cannot take stays tfm.attention, for
// the reference lowering to linalg.

// CHECK-LABEL: func.func @claimed
// CHECK-SAME: (%[[Q:.*]]: tensor<?x4x?x64xf32>, %[[K:.*]]: tensor<?x?x2x64xf32>, %[[V:.*]]: tensor<?x2x?x64xf32>, %[[M:.*]]: tensor<?x1x1x?xi1>)
// CHECK-DAG: %[[B:.*]] = tensor.dim %[[Q]], %c0
// CHECK-DAG: %[[S:.*]] = tensor.dim %[[Q]], %c2
// CHECK: %[[INIT:.*]] = tensor.empty(%[[B]], %[[S]]) : tensor<?x?x4x64xf32>
// CHECK: %[[O:.*]] = kiln.attention %[[Q]], %[[K]], %[[V]] mask(%[[M]] : tensor<?x1x1x?xi1>) outs(%[[INIT]] : tensor<?x?x4x64xf32>) {causal, key_layout = #tfm.layout<bshd>, output_layout = #tfm.layout<bshd>, window = 4 : i64}
// CHECK-NOT: tfm.attention
// CHECK: return %[[O]]
func.func @claimed(%q: tensor<?x4x?x64xf32>, %k: tensor<?x?x2x64xf32>, %v: tensor<?x2x?x64xf32>, %m: tensor<?x1x1x?xi1>) -> tensor<?x?x4x64xf32> {
  %o = tfm.attention %q, %k, %v mask(%m : tensor<?x1x1x?xi1>) {causal, window = 4 : i64, key_layout = #tfm.layout<bshd>, output_layout = #tfm.layout<bshd>} : tensor<?x4x?x64xf32>, tensor<?x?x2x64xf32>, tensor<?x2x?x64xf32> -> tensor<?x?x4x64xf32>
  return %o : tensor<?x?x4x64xf32>
}

// -----

// A dynamic head dim, f64 operands and a head dim wider than one warp's lanes hold (512) are
// left to the reference lowering.
// CHECK-LABEL: func.func @left
// CHECK-COUNT-3: tfm.attention
// CHECK-NOT: kiln.attention
func.func @left(%q: tensor<1x2x8x?xf32>, %d: tensor<1x2x8x16xf64>, %w: tensor<1x2x8x1024xf32>) -> (tensor<1x2x8x?xf32>, tensor<1x2x8x16xf64>, tensor<1x2x8x1024xf32>) {
  %a = tfm.attention %q, %q, %q {scale = 0.5 : f32} : tensor<1x2x8x?xf32>, tensor<1x2x8x?xf32>, tensor<1x2x8x?xf32> -> tensor<1x2x8x?xf32>
  %b = tfm.attention %d, %d, %d : tensor<1x2x8x16xf64>, tensor<1x2x8x16xf64>, tensor<1x2x8x16xf64> -> tensor<1x2x8x16xf64>
  %c = tfm.attention %w, %w, %w : tensor<1x2x8x1024xf32>, tensor<1x2x8x1024xf32>, tensor<1x2x8x1024xf32> -> tensor<1x2x8x1024xf32>
  return %a, %b, %c : tensor<1x2x8x?xf32>, tensor<1x2x8x16xf64>, tensor<1x2x8x1024xf32>
}

// -----

// Layer and RMS norms become kiln.layer_norm and kiln.rms_norm into an empty tensor of the
// input's shape; f64 is left to the reference lowering.
// CHECK-LABEL: func.func @norms
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x64xf16>, %[[W:.*]]: tensor<64xf16>, %[[D:.*]]: tensor<4x8xf64>, %[[DW:.*]]: tensor<8xf64>)
// CHECK-DAG: %[[B:.*]] = tensor.dim %[[X]], %c0
// CHECK-DAG: %[[S:.*]] = tensor.dim %[[X]], %c1
// CHECK: %[[E1:.*]] = tensor.empty(%[[B]], %[[S]]) : tensor<?x?x64xf16>
// CHECK: %[[LN:.*]] = kiln.layer_norm %[[X]], %[[W]] bias(%[[W]] : tensor<64xf16>) outs(%[[E1]] : tensor<?x?x64xf16>) {epsilon = 9.99999974E-5 : f32}
// CHECK: %[[E2:.*]] = tensor.empty(%{{.*}}, %{{.*}}) : tensor<?x?x64xf16>
// CHECK: %[[RMS:.*]] = kiln.rms_norm %[[LN]], %[[W]] outs(%[[E2]] : tensor<?x?x64xf16>) {axis = 2 : i64, epsilon = 9.99999997E-7 : f32}
// CHECK: tfm.layer_norm %[[D]], %[[DW]]
// CHECK: return %[[RMS]]
func.func @norms(%x: tensor<?x?x64xf16>, %w: tensor<64xf16>, %d: tensor<4x8xf64>, %dw: tensor<8xf64>) -> (tensor<?x?x64xf16>, tensor<4x8xf64>) {
  %ln = tfm.layer_norm %x, %w bias(%w : tensor<64xf16>) {epsilon = 1.0e-4 : f32} : tensor<?x?x64xf16>, tensor<64xf16>
  %rms = tfm.rms_norm %ln, %w {axis = 2 : i64, epsilon = 1.0e-6 : f32} : tensor<?x?x64xf16>, tensor<64xf16>
  %dn = tfm.layer_norm %d, %dw : tensor<4x8xf64>, tensor<8xf64>
  return %rms, %dn : tensor<?x?x64xf16>, tensor<4x8xf64>
}
