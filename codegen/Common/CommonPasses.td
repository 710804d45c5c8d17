//===- CommonPasses.td - codegen passes every target runs ---*- tablegen -*-===//

#ifndef KILN_CODEGEN_COMMON_PASSES
#define KILN_CODEGEN_COMMON_PASSES

include "mlir/Pass/PassBase.td"

def EntryInterface : Pass<"kiln-entry-interface", "::mlir::ModuleOp"> {
  let summary = "give @main and @main_shapes the C interface the runtime calls";
  let description = [{
    Marks the entry points `llvm.emit_c_interface` (the runtime calls them through their C
    wrappers) and drops their argument and result attributes: the ONNX names and dim names are
    in the artifact's signature by now, and the LLVM translation does not know them.
  }];
}

def LowerHostRuntimeErrors : Pass<"kiln-lower-host-runtime-errors", "::mlir::ModuleOp"> {
  let summary = "kiln.index_error in host code as a call to the runtime's kiln_rt_index_error";
  let description = [{
    Each report in host code (everywhere on the CPU; outside `gpu.module`s on CUDA, whose
    kernels report through `kiln-cuda-lower-runtime-errors`) becomes
    `kiln_rt_index_error(site, index, dim)` with the site's name as a private constant C
    string (one global per site); the runtime fails the run with it.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect", "::mlir::func::FuncDialect",
                           "::mlir::arith::ArithDialect"];
}

#endif // KILN_CODEGEN_COMMON_PASSES
