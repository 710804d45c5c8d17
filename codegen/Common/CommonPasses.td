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

#endif // KILN_CODEGEN_COMMON_PASSES
