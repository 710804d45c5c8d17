// RUN: kiln-opt %s --split-input-file --kiln-scalarize-shape-tensors | FileCheck %s

// Gather of one entry of a Shape (a 0-d generic reading a from_elements), Unsqueeze and
// Concat: the Reshape target becomes scalars; the index check folds away on a constant index.
// CHECK-LABEL: func.func @reshape_target
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x32xf32>)
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK: %[[B:.*]] = tensor.dim %[[X]], %[[C0]]
// CHECK: %[[S:.*]] = tensor.dim %[[X]], %[[C1]]
// CHECK: %[[BI:.*]] = arith.index_cast %[[B]] : index to i64
// CHECK: %[[SI:.*]] = arith.index_cast %[[S]] : index to i64
// CHECK-NOT: linalg.generic
// CHECK-NOT: tensor.concat
// CHECK-NOT: scf.if
// CHECK: %[[T:.*]] = tensor.from_elements %[[BI]], %[[SI]], %{{.*}}, %{{.*}} : tensor<4xi64>
// CHECK: tensor.reshape %[[X]](%[[T]])
func.func @reshape_target(%x: tensor<?x?x32xf32>) -> tensor<?x?x4x8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %d0 = tensor.dim %x, %c0 : tensor<?x?x32xf32>
  %d1 = tensor.dim %x, %c1 : tensor<?x?x32xf32>
  %i0 = arith.index_cast %d0 : index to i64
  %i1 = arith.index_cast %d1 : index to i64
  %c32 = arith.constant 32 : i64
  %shape = tensor.from_elements %i0, %i1, %c32 : tensor<3xi64>
  %at = arith.constant dense<1> : tensor<i64>
  %e = tensor.empty() : tensor<i64>
  %g = linalg.generic {indexing_maps = [affine_map<() -> ()>, affine_map<() -> ()>],
                       iterator_types = []} ins(%at : tensor<i64>) outs(%e : tensor<i64>) {
  ^bb0(%in: i64, %out: i64):
    %i = arith.index_cast %in : i64 to index
    %ok = arith.cmpi slt, %i, %c3 : index
    %v = scf.if %ok -> (i64) {
      %x1 = tensor.extract %shape[%i] : tensor<3xi64>
      scf.yield %x1 : i64
    } else {
      kiln.index_error %i, %c3 {site = "Gather node 'g' (axis 0)"}
      %z = arith.constant 0 : i64
      scf.yield %z : i64
    }
    linalg.yield %v : i64
  } -> tensor<i64>
  %one = arith.constant dense<1> : tensor<1xi64>
  %u0 = tensor.reshape %g(%one) : (tensor<i64>, tensor<1xi64>) -> tensor<1xi64>
  %first = tensor.extract_slice %shape[0] [1] [1] : tensor<3xi64> to tensor<1xi64>
  %tail = arith.constant dense<[4, 8]> : tensor<2xi64>
  %target = tensor.concat dim(0) %first, %u0, %tail : (tensor<1xi64>, tensor<1xi64>, tensor<2xi64>) -> tensor<4xi64>
  %r = tensor.reshape %x(%target) : (tensor<?x?x32xf32>, tensor<4xi64>) -> tensor<?x?x4x8xf32>
  return %r : tensor<?x?x4x8xf32>
}

// -----

// Elementwise arithmetic on a shape tensor, with linalg.index: one body per element.
// (element i is n * i + n: n, then 2n.)
// CHECK-LABEL: func.func @elementwise
// CHECK-SAME: (%[[N:.*]]: i64)
// CHECK-NOT: linalg.generic
// CHECK: %[[A:.*]] = arith.addi %[[N]], %[[N]] : i64
// CHECK: tensor.from_elements %[[N]], %[[A]] : tensor<2xi64>
func.func @elementwise(%n: i64) -> tensor<2xi64> {
  %t = tensor.from_elements %n, %n : tensor<2xi64>
  %e = tensor.empty() : tensor<2xi64>
  %r = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>],
                       iterator_types = ["parallel"]} ins(%t : tensor<2xi64>) outs(%e : tensor<2xi64>) {
  ^bb0(%in: i64, %out: i64):
    %i = linalg.index 0 : index
    %ii = arith.index_cast %i : index to i64
    %m = arith.muli %in, %ii : i64
    %a = arith.addi %m, %in : i64
    linalg.yield %a : i64
  } -> tensor<2xi64>
  return %r : tensor<2xi64>
}

// -----

// Tensors in memory are not read on the host: a Gather from an input stays a linalg op, and
// so do float tensors and tensors larger than a shape.
// CHECK-LABEL: func.func @left_alone
// CHECK-COUNT-2: linalg.generic
// CHECK: tensor.concat
func.func @left_alone(%ids: tensor<3xi64>, %f: f32) -> (tensor<i64>, tensor<2xf32>, tensor<6xi64>) {
  %e = tensor.empty() : tensor<i64>
  %g = linalg.generic {indexing_maps = [affine_map<() -> ()>], iterator_types = []}
       outs(%e : tensor<i64>) {
  ^bb0(%out: i64):
    %c1 = arith.constant 1 : index
    %x = tensor.extract %ids[%c1] : tensor<3xi64>
    linalg.yield %x : i64
  } -> tensor<i64>
  %t = tensor.from_elements %f, %f : tensor<2xf32>
  %ef = tensor.empty() : tensor<2xf32>
  %h = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>],
                       iterator_types = ["parallel"]} ins(%t : tensor<2xf32>) outs(%ef : tensor<2xf32>) {
  ^bb0(%in: f32, %out: f32):
    %a = arith.addf %in, %in : f32
    linalg.yield %a : f32
  } -> tensor<2xf32>
  %k = tensor.concat dim(0) %ids, %ids : (tensor<3xi64>, tensor<3xi64>) -> tensor<6xi64>
  return %g, %h, %k : tensor<i64>, tensor<2xf32>, tensor<6xi64>
}
