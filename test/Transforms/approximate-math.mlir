// RUN: kiln-opt %s --kiln-approximate-math | FileCheck %s

// erf, exp and tanh become arith (vectorisable); log keeps its libm lowering.
// CHECK-LABEL: func.func @mixed
// CHECK-NOT: math.erf
// CHECK-NOT: math.exp
// CHECK-NOT: math.tanh
// CHECK: math.log
// CHECK-NOT: math.erf
// CHECK-NOT: math.exp
// CHECK-NOT: math.tanh
func.func @mixed(%x: f32) -> f32 {
  %0 = math.erf %x : f32
  %1 = math.exp %0 : f32
  %2 = math.tanh %1 : f32
  %3 = math.log %2 : f32
  return %3 : f32
}
