// RUN: kiln-opt %s --kiln-raise-attention --split-input-file | FileCheck %s

// Bloom's attention as torch's TorchScript exporter writes it, trimmed: Q, K, V split to
// heads [B, 4, S, 8] and merged to [B*4, S, 8]; the scores are baddbmm(alibi, Q, Kᵀ) on the
// merged dims, with the ALiBi bias [B*4, 1, S] itself a merge of [B, 4, S]; split to
// [B, 4, S, -1] for the mask and the Softmax, merged again for P·V, split with
// Shape(PV)[0] / 4. The split moves up to the merges, and the 4-D form fuses. (The inputs'
// named dims say that the bias has the batch of Q.)
// CHECK-LABEL: func.func @bloom_merged_heads
// CHECK: %[[BIAS:.*]] = onnx.Reshape %{{.*}} : (tensor<?x4x?xf32>, tensor<4xi64>) -> tensor<?x4x1x?xf32>
// CHECK: tfm.attention %[[Q:.*]], %[[K:.*]], %[[V:.*]] mask(%{{.*}} : tensor<?x4x?x?xf32>) {scale = 0.353553385 : f32} : tensor<?x4x?x8xf32>, tensor<?x4x?x8xf32>, tensor<?x4x?x8xf32> -> tensor<?x4x?x8xf32>
// CHECK-NOT: onnx.Softmax
// CHECK-NOT: onnx.MatMul
func.func @bloom_merged_heads(%q: tensor<?x4x?x8xf32> {onnx.dim_params = ["batch", "", "seq", ""]}, %k: tensor<?x4x?x8xf32> {onnx.dim_params = ["batch", "", "seq", ""]}, %v: tensor<?x4x?x8xf32> {onnx.dim_params = ["batch", "", "seq", ""]}, %alibi: tensor<?x4x?xf32> {onnx.dim_params = ["batch", "", "seq"]}, %mask: tensor<?x1x?x?xf32>) -> tensor<?x4x?x8xf32> {
  %c0 = onnx.Constant dense<0> : tensor<i64>
  %c2 = onnx.Constant dense<2> : tensor<i64>
  %c4 = onnx.Constant dense<4> : tensor<i64>
  %a0 = onnx.Constant dense<0> : tensor<1xi64>
  %one = onnx.Constant dense<1> : tensor<1xi64>
  %four = onnx.Constant dense<4> : tensor<1xi64>
  %eight = onnx.Constant dense<8> : tensor<1xi64>
  %m1 = onnx.Constant dense<-1> : tensor<1xi64>
  %scale = onnx.Constant dense<0.353553385> : tensor<f32>
  %qs = onnx.Shape %q : (tensor<?x4x?x8xf32>) -> tensor<4xi64>
  %b = onnx.Gather %qs, %c0 : (tensor<4xi64>, tensor<i64>) -> tensor<i64>
  %s = onnx.Gather %qs, %c2 : (tensor<4xi64>, tensor<i64>) -> tensor<i64>
  %bh = onnx.Mul %b, %c4 : (tensor<i64>, tensor<i64>) -> tensor<i64>
  %bh1 = onnx.Unsqueeze %bh, %a0 : (tensor<i64>, tensor<1xi64>) -> tensor<1xi64>
  %b1 = onnx.Unsqueeze %b, %a0 : (tensor<i64>, tensor<1xi64>) -> tensor<1xi64>
  %s1 = onnx.Unsqueeze %s, %a0 : (tensor<i64>, tensor<1xi64>) -> tensor<1xi64>
  %merge = onnx.Concat %bh1, %m1, %eight {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<3xi64>
  %q3 = onnx.Reshape %q, %merge : (tensor<?x4x?x8xf32>, tensor<3xi64>) -> tensor<?x?x8xf32>
  %k3 = onnx.Reshape %k, %merge : (tensor<?x4x?x8xf32>, tensor<3xi64>) -> tensor<?x?x8xf32>
  %v3 = onnx.Reshape %v, %merge : (tensor<?x4x?x8xf32>, tensor<3xi64>) -> tensor<?x?x8xf32>
  %kt = onnx.Transpose %k3 {perm = array<i64: 0, 2, 1>} : (tensor<?x?x8xf32>) -> tensor<?x8x?xf32>
  %qk = onnx.MatMul %q3, %kt : (tensor<?x?x8xf32>, tensor<?x8x?xf32>) -> tensor<?x?x?xf32>
  %qks = onnx.Mul %qk, %scale : (tensor<?x?x?xf32>, tensor<f32>) -> tensor<?x?x?xf32>
  %as = onnx.Shape %alibi {start = 2 : i64} : (tensor<?x4x?xf32>) -> tensor<1xi64>
  %amerge = onnx.Concat %bh1, %one, %as {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<3xi64>
  %alibi3 = onnx.Reshape %alibi, %amerge : (tensor<?x4x?xf32>, tensor<3xi64>) -> tensor<?x1x?xf32>
  %scores3 = onnx.Add %qks, %alibi3 : (tensor<?x?x?xf32>, tensor<?x1x?xf32>) -> tensor<?x?x?xf32>
  %split = onnx.Concat %b1, %four, %s1, %m1 {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<4xi64>
  %scores = onnx.Reshape %scores3, %split : (tensor<?x?x?xf32>, tensor<4xi64>) -> tensor<?x4x?x?xf32>
  %masked = onnx.Add %scores, %mask : (tensor<?x4x?x?xf32>, tensor<?x1x?x?xf32>) -> tensor<?x4x?x?xf32>
  %p = onnx.Softmax %masked : (tensor<?x4x?x?xf32>) -> tensor<?x4x?x?xf32>
  %pmerge = onnx.Concat %bh1, %s1, %m1 {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<3xi64>
  %p3 = onnx.Reshape %p, %pmerge : (tensor<?x4x?x?xf32>, tensor<3xi64>) -> tensor<?x?x?xf32>
  %o3 = onnx.MatMul %p3, %v3 : (tensor<?x?x?xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  %os = onnx.Shape %o3 : (tensor<?x?x8xf32>) -> tensor<3xi64>
  %obh = onnx.Gather %os, %c0 : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  %ob = onnx.Div %obh, %c4 : (tensor<i64>, tensor<i64>) -> tensor<i64>
  %ob1 = onnx.Unsqueeze %ob, %a0 : (tensor<i64>, tensor<1xi64>) -> tensor<1xi64>
  %osplit = onnx.Concat %ob1, %four, %m1, %eight {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<4xi64>
  %o = onnx.Reshape %o3, %osplit : (tensor<?x?x8xf32>, tensor<4xi64>) -> tensor<?x4x?x8xf32>
  return %o : tensor<?x4x?x8xf32>
}

// -----

// The split reads [H, B] where the merge was [B, H]: not the same tensor on one more dim, so
// nothing moves and the Softmax stays.
// CHECK-LABEL: func.func @split_is_not_the_merge
// CHECK: onnx.Reshape %{{.*}} : (tensor<?x?x?xf32>, tensor<4xi64>) -> tensor<4x?x?x?xf32>
// CHECK: onnx.Softmax
func.func @split_is_not_the_merge(%q: tensor<?x4x?x8xf32>, %k: tensor<?x4x?x8xf32>) -> tensor<4x?x?x?xf32> {
  %c0 = onnx.Constant dense<0> : tensor<i64>
  %c2 = onnx.Constant dense<2> : tensor<i64>
  %c4 = onnx.Constant dense<4> : tensor<i64>
  %a0 = onnx.Constant dense<0> : tensor<1xi64>
  %four = onnx.Constant dense<4> : tensor<1xi64>
  %eight = onnx.Constant dense<8> : tensor<1xi64>
  %m1 = onnx.Constant dense<-1> : tensor<1xi64>
  %qs = onnx.Shape %q : (tensor<?x4x?x8xf32>) -> tensor<4xi64>
  %b = onnx.Gather %qs, %c0 : (tensor<4xi64>, tensor<i64>) -> tensor<i64>
  %s = onnx.Gather %qs, %c2 : (tensor<4xi64>, tensor<i64>) -> tensor<i64>
  %bh = onnx.Mul %b, %c4 : (tensor<i64>, tensor<i64>) -> tensor<i64>
  %bh1 = onnx.Unsqueeze %bh, %a0 : (tensor<i64>, tensor<1xi64>) -> tensor<1xi64>
  %b1 = onnx.Unsqueeze %b, %a0 : (tensor<i64>, tensor<1xi64>) -> tensor<1xi64>
  %s1 = onnx.Unsqueeze %s, %a0 : (tensor<i64>, tensor<1xi64>) -> tensor<1xi64>
  %merge = onnx.Concat %bh1, %m1, %eight {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<3xi64>
  %q3 = onnx.Reshape %q, %merge : (tensor<?x4x?x8xf32>, tensor<3xi64>) -> tensor<?x?x8xf32>
  %k3 = onnx.Reshape %k, %merge : (tensor<?x4x?x8xf32>, tensor<3xi64>) -> tensor<?x?x8xf32>
  %kt = onnx.Transpose %k3 {perm = array<i64: 0, 2, 1>} : (tensor<?x?x8xf32>) -> tensor<?x8x?xf32>
  %qk = onnx.MatMul %q3, %kt : (tensor<?x?x8xf32>, tensor<?x8x?xf32>) -> tensor<?x?x?xf32>
  %split = onnx.Concat %four, %b1, %s1, %m1 {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<4xi64>
  %scores = onnx.Reshape %qk, %split : (tensor<?x?x?xf32>, tensor<4xi64>) -> tensor<4x?x?x?xf32>
  %p = onnx.Softmax %scores : (tensor<4x?x?x?xf32>) -> tensor<4x?x?x?xf32>
  return %p : tensor<4x?x?x?xf32>
}
