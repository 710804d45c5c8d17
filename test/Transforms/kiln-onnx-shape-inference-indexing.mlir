// RUN: kiln-opt %s -split-input-file -verify-diagnostics --kiln-onnx-shape-inference | FileCheck %s
// Shapes of the index-driven ops: GatherND (batch dims, index tuples), ScatterND and
// ScatterElements (the data's type), EmbedLayerNormalization; their invalid forms are errors.

// transformers' padding mask: mask[b, j] read with (b, j) tuples broadcast to [B, 1, 1, S].
// CHECK-LABEL: func.func @gather_nd_pairs
// CHECK: onnx.GatherND {{.*}} -> tensor<?x1x1x?xi1>
func.func @gather_nd_pairs(%mask: tensor<?x?xi1>, %idx: tensor<?x1x1x?x2xi64>) -> tensor<*xi1> {
  %0 = onnx.GatherND %mask, %idx : (tensor<?x?xi1>, tensor<?x1x1x?x2xi64>) -> tensor<*xi1>
  return %0 : tensor<*xi1>
}

// Tuples shorter than the rank read slices; batch_dims leads both shapes.
// CHECK-LABEL: func.func @gather_nd_slices_and_batch
// CHECK: onnx.GatherND {{.*}} -> tensor<5x3x8xf32>
// CHECK: onnx.GatherND {{.*}} {batch_dims = 1 : i64} {{.*}} -> tensor<2x4x8xf32>
func.func @gather_nd_slices_and_batch(%a: tensor<6x7x8xf32>, %i: tensor<5x3x2xi64>, %b: tensor<2x7x8xf32>, %j: tensor<2x4x1xi64>) -> (tensor<*xf32>, tensor<*xf32>) {
  %0 = onnx.GatherND %a, %i : (tensor<6x7x8xf32>, tensor<5x3x2xi64>) -> tensor<*xf32>
  %1 = onnx.GatherND %b, %j {batch_dims = 1 : i64} : (tensor<2x7x8xf32>, tensor<2x4x1xi64>) -> tensor<*xf32>
  return %0, %1 : tensor<*xf32>, tensor<*xf32>
}

// -----

func.func @gather_nd_tuple_too_long(%a: tensor<6x7xf32>, %i: tensor<5x3xi64>) -> tensor<*xf32> {
  // expected-error @below {{index tuples of length 3 do not fit data of rank 2 with 0 batch dims}}
  %0 = onnx.GatherND %a, %i : (tensor<6x7xf32>, tensor<5x3xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @gather_nd_batch_mismatch(%a: tensor<2x7xf32>, %i: tensor<3x1xi64>) -> tensor<*xf32> {
  // expected-error @below {{batch dim 0 differs: 2 in data, 3 in indices}}
  %0 = onnx.GatherND %a, %i {batch_dims = 1 : i64} : (tensor<2x7xf32>, tensor<3x1xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// CHECK-LABEL: func.func @scatters
// CHECK: onnx.ScatterND {{.*}} -> tensor<4x?xf32>
// CHECK: onnx.ScatterElements {{.*}} -> tensor<4x?xf32>
func.func @scatters(%d: tensor<4x?xf32>, %i: tensor<2x1xi64>, %u: tensor<2x?xf32>, %e: tensor<4x2xi64>, %v: tensor<4x2xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %0 = onnx.ScatterND %d, %i, %u : (tensor<4x?xf32>, tensor<2x1xi64>, tensor<2x?xf32>) -> tensor<*xf32>
  %1 = onnx.ScatterElements %d, %e, %v {axis = 1 : i64, reduction = "add"} : (tensor<4x?xf32>, tensor<4x2xi64>, tensor<4x2xf32>) -> tensor<*xf32>
  return %0, %1 : tensor<*xf32>, tensor<*xf32>
}

// -----

func.func @scatter_nd_updates_rank(%d: tensor<4x5xf32>, %i: tensor<2x1xi64>, %u: tensor<2xf32>) -> tensor<*xf32> {
  // expected-error @below {{updates of rank 1 do not match: expected 2}}
  %0 = onnx.ScatterND %d, %i, %u : (tensor<4x5xf32>, tensor<2x1xi64>, tensor<2xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @scatter_unknown_reduction(%d: tensor<4xf32>, %i: tensor<2xi64>, %u: tensor<2xf32>) -> tensor<*xf32> {
  // expected-error @below {{unknown reduction 'avg'}}
  %0 = onnx.ScatterElements %d, %i, %u {reduction = "avg"} : (tensor<4xf32>, tensor<2xi64>, tensor<2xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// CHECK-LABEL: func.func @embed_layer_norm
// CHECK: onnx.com.microsoft.EmbedLayerNormalization {{.*}} -> (tensor<?x?x32xf32>, tensor<?xi32>, tensor<?x?x32xf32>)
func.func @embed_layer_norm(%ids: tensor<?x?xi32>, %w: tensor<100x32xf32>, %p: tensor<64x32xf32>, %g: tensor<32xf32>, %b: tensor<32xf32>, %m: tensor<?x?xi32>) -> (tensor<*xf32>, tensor<*xi32>) {
  %0:3 = onnx.com.microsoft.EmbedLayerNormalization %ids, %w, %p, %g, %b mask(%m) : (tensor<?x?xi32>, tensor<100x32xf32>, tensor<64x32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<?x?xi32>) -> (tensor<*xf32>, tensor<*xi32>, tensor<*xf32>)
  return %0#0, %0#1 : tensor<*xf32>, tensor<*xi32>
}

// -----

// A head count written as -1 is static when the other entries are known to equal the
// input's dims -- here read off the projection's input, a different tensor with the same
// batch and sequence dims (transformers' `view(*h.shape[:-1], -1, head_dim)`).
// CHECK-LABEL: func.func @reshape_heads_from_other_tensor
// CHECK: onnx.Reshape {{.*}} -> tensor<?x?x4x16xf32>
func.func @reshape_heads_from_other_tensor(%h: tensor<?x?x64xf32>, %w: tensor<64x64xf32>) -> tensor<*xf32> {
  %q = onnx.MatMul %h, %w : (tensor<?x?x64xf32>, tensor<64x64xf32>) -> tensor<?x?x64xf32>
  %s = onnx.Shape %h {end = 2 : i64} : (tensor<?x?x64xf32>) -> tensor<2xi64>
  %t = onnx.Constant dense<[-1, 16]> : tensor<2xi64>
  %shape = onnx.Concat %s, %t {axis = 0 : i64} : (tensor<2xi64>, tensor<2xi64>) -> tensor<4xi64>
  %r = onnx.Reshape %q, %shape : (tensor<?x?x64xf32>, tensor<4xi64>) -> tensor<*xf32>
  return %r : tensor<*xf32>
}
