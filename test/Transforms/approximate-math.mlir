// RUN: kiln-opt %s --kiln-approximate-math | FileCheck %s

// f32 erf, exp and tanh become arithmetic (no math op left); other functions stay.
// CHECK-LABEL: func.func @gelu_and_softmax_functions
// CHECK-NOT: math.erf
// CHECK-NOT: math.exp
// CHECK-NOT: math.tanh
// CHECK: math.log
// CHECK: return
func.func @gelu_and_softmax_functions(%x: f32) -> (f32, f32, f32, f32) {
  %e = math.erf %x : f32
  %p = math.exp %x : f32
  %t = math.tanh %x : f32
  %l = math.log %x : f32
  return %e, %p, %t, %l : f32, f32, f32, f32
}

// f64 keeps the libm-backed ops.
// CHECK-LABEL: func.func @negative_f64
// CHECK: math.erf
// CHECK: math.exp
func.func @negative_f64(%x: f64) -> (f64, f64) {
  %e = math.erf %x : f64
  %p = math.exp %x : f64
  return %e, %p : f64, f64
}
