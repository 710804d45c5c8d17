// RUN: kiln-opt %s --kiln-materialize-parallel-launches --split-input-file --verify-diagnostics | FileCheck %s

// The launch packs its captures into a stack struct and hands the thunk to the runtime; the
// thunk unpacks them and calls the body with the chunk's range.
// CHECK: llvm.func @kiln_rt_parallel_for(i64, i64, !llvm.ptr, !llvm.ptr)
// CHECK: llvm.func internal @kiln_parallel_body_0(
// CHECK: llvm.func internal @kiln_parallel_thunk_0(%[[CL:.*]]: !llvm.ptr, %[[BEGIN:.*]]: i64, %[[END:.*]]: i64)
// CHECK: %[[P0:.*]] = llvm.getelementptr %[[CL]][0, 0] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(ptr, f32)>
// CHECK: %[[V0:.*]] = llvm.load %[[P0]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[P1:.*]] = llvm.getelementptr %[[CL]][0, 1]
// CHECK: %[[V1:.*]] = llvm.load %[[P1]] : !llvm.ptr -> f32
// CHECK: llvm.call @kiln_parallel_body_0(%[[BEGIN]], %[[END]], %[[V0]], %[[V1]])
// CHECK: llvm.func internal @kiln_parallel_launch_0(%[[N:.*]]: i64, %[[G:.*]]: i64, %[[A:.*]]: !llvm.ptr, %[[X:.*]]: f32)
// CHECK: %[[S:.*]] = llvm.alloca %{{.*}} x !llvm.struct<(ptr, f32)>
// CHECK: llvm.store %[[A]], %{{.*}} : !llvm.ptr, !llvm.ptr
// CHECK: llvm.store %[[X]], %{{.*}} : f32, !llvm.ptr
// CHECK: %[[F:.*]] = llvm.mlir.addressof @kiln_parallel_thunk_0
// CHECK: llvm.call @kiln_rt_parallel_for(%[[N]], %[[G]], %[[F]], %[[S]])
llvm.func @kiln_parallel_body_0(%begin: i64, %end: i64, %p: !llvm.ptr, %x: f32) {
  llvm.return
}
llvm.func @kiln_parallel_launch_0(i64, i64, !llvm.ptr, f32)
llvm.func @main(%p: !llvm.ptr, %x: f32) {
  %n = llvm.mlir.constant(100 : i64) : i64
  %g = llvm.mlir.constant(10 : i64) : i64
  llvm.call @kiln_parallel_launch_0(%n, %g, %p, %x) : (i64, i64, !llvm.ptr, f32) -> ()
  llvm.return
}

// -----

llvm.func @kiln_parallel_body_0(%begin: i64, %end: i64, %p: !llvm.ptr) {
  llvm.return
}
// expected-error @+1 {{has no parallel body of the same signature}}
llvm.func @kiln_parallel_launch_0(i64, i64, !llvm.ptr, f32)
