// RUN: kiln-opt %s --kiln-pack-projections --split-input-file | FileCheck %s

// Q, K and V of one input with biases: one tfm.matmul on [Wq | Wk | Wv] and [bq | bk | bv]
// (concatenated at compile time), sliced apart.
// CHECK-LABEL: func.func @qkv
// CHECK: %[[W:.*]] = onnx.Constant dense_resource<kiln_packed> : tensor<4x6xf32>
// CHECK: %[[B:.*]] = onnx.Constant dense_resource<kiln_packed{{.*}}> : tensor<6xf32>
// CHECK: %[[P:.*]] = tfm.matmul %arg0, %[[W]] bias(%[[B]] : tensor<6xf32>) : tensor<2x5x4xf32>, tensor<4x6xf32> -> tensor<2x5x6xf32>
// CHECK: %[[Q:.*]] = onnx.Slice %[[P]], {{.*}} -> tensor<2x5x2xf32>
// CHECK: %[[K:.*]] = onnx.Slice %[[P]], {{.*}} -> tensor<2x5x2xf32>
// CHECK: %[[V:.*]] = onnx.Slice %[[P]], {{.*}} -> tensor<2x5x2xf32>
// CHECK: return %[[Q]], %[[K]], %[[V]]
// Row-major [4, 6]: row 0 is Wq's (4, 5), Wk's (0, 1), Wv's (1, 1); row 1 is (7, 8), (2, 3), (1, 1).
// CHECK: kiln_packed: "0x08000000000080400000A040000000000000803F0000803F0000803F0000E0400000004100000040000040400000803F0000803F
// CHECK: kiln_packed_1: "0x080000000000003F0000C03F0000204000006040000090400000B040"
func.func @qkv(%x: tensor<2x5x4xf32>) -> (tensor<2x5x2xf32>, tensor<2x5x2xf32>, tensor<2x5x2xf32>) {
  %wq = onnx.Constant dense<[[4.0, 5.0], [7.0, 8.0], [1.0, 1.0], [0.0, 0.0]]> : tensor<4x2xf32>
  %wk = onnx.Constant dense<[[0.0, 1.0], [2.0, 3.0], [4.0, 5.0], [6.0, 7.0]]> : tensor<4x2xf32>
  %wv = onnx.Constant dense<1.0> : tensor<4x2xf32>
  %bq = onnx.Constant dense<[0.5, 1.5]> : tensor<2xf32>
  %bk = onnx.Constant dense<[2.5, 3.5]> : tensor<2xf32>
  %bv = onnx.Constant dense<[4.5, 5.5]> : tensor<2xf32>
  %q = tfm.matmul %x, %wq bias(%bq : tensor<2xf32>) : tensor<2x5x4xf32>, tensor<4x2xf32> -> tensor<2x5x2xf32>
  %k = tfm.matmul %x, %wk bias(%bk : tensor<2xf32>) : tensor<2x5x4xf32>, tensor<4x2xf32> -> tensor<2x5x2xf32>
  %v = tfm.matmul %x, %wv bias(%bv : tensor<2xf32>) : tensor<2x5x4xf32>, tensor<4x2xf32> -> tensor<2x5x2xf32>
  return %q, %k, %v : tensor<2x5x2xf32>, tensor<2x5x2xf32>, tensor<2x5x2xf32>
}

// -----

// negative_: different epilogues (LLaMA's SiLU gate and the plain up projection) and a
// non-constant weight do not pack.
// CHECK-LABEL: func.func @negative_mixed
// CHECK-NOT: kiln_packed
// CHECK: tfm.matmul %arg0, %{{.*}} {activation = #tfm.activation<silu>}
// CHECK: onnx.MatMul %arg0, %{{.*}}
// CHECK: onnx.MatMul %arg0, %arg1
func.func @negative_mixed(%x: tensor<2x5x4xf32>, %w: tensor<4x3xf32>) -> (tensor<2x5x3xf32>, tensor<2x5x3xf32>, tensor<2x5x3xf32>) {
  %wg = onnx.Constant dense<1.0> : tensor<4x3xf32>
  %wu = onnx.Constant dense<2.0> : tensor<4x3xf32>
  %g = tfm.matmul %x, %wg {activation = #tfm.activation<silu>} : tensor<2x5x4xf32>, tensor<4x3xf32> -> tensor<2x5x3xf32>
  %u = onnx.MatMul %x, %wu : (tensor<2x5x4xf32>, tensor<4x3xf32>) -> tensor<2x5x3xf32>
  %d = onnx.MatMul %x, %w : (tensor<2x5x4xf32>, tensor<4x3xf32>) -> tensor<2x5x3xf32>
  return %g, %u, %d : tensor<2x5x3xf32>, tensor<2x5x3xf32>, tensor<2x5x3xf32>
}
