// RUN: kiln-opt %s --kiln-lower-host-runtime-errors | FileCheck %s
// Host code reports run-time errors through the runtime: each kiln.index_error is a call
// to kiln_rt_index_error with the site's name as a constant C string, one global per site.

// CHECK: llvm.mlir.global private constant @kiln_site_1("GatherND node 'pad' (axis 1)\00")
// CHECK: llvm.mlir.global private constant @kiln_site_0("Gather node 'embed' (axis 0)\00")
// CHECK: func.func private @kiln_rt_index_error(!llvm.ptr, i64, i64)
// CHECK-LABEL: func.func @report
// CHECK: %[[S0:.*]] = llvm.mlir.addressof @kiln_site_0 : !llvm.ptr
// CHECK: %[[I:.*]] = arith.index_cast %arg0 : index to i64
// CHECK: %[[D:.*]] = arith.index_cast %arg1 : index to i64
// CHECK: call @kiln_rt_index_error(%[[S0]], %[[I]], %[[D]]) : (!llvm.ptr, i64, i64) -> ()
// CHECK: llvm.mlir.addressof @kiln_site_1
// CHECK-NOT: kiln.index_error
func.func @report(%index: index, %dim: index) {
  kiln.index_error %index, %dim {site = "Gather node 'embed' (axis 0)"}
  kiln.index_error %index, %dim {site = "GatherND node 'pad' (axis 1)"}
  return
}

// Reports inside kernels are the CUDA target's (kiln-cuda-lower-runtime-errors): left alone.
// CHECK: gpu.module @kernels
// CHECK: kiln.index_error
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @k(%index: index, %dim: index) kernel {
      kiln.index_error %index, %dim {site = "Gather node 'in_kernel' (axis 0)"}
      gpu.return
    }
  }
}
