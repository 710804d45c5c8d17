//===- EntryInterface.cpp - kiln-entry-interface --------------------------===//
//
// The runtime calls @main and @main_shapes through their C interface wrappers; the ONNX
// names and dim names on their arguments are recorded in the artifact's signature by now and
// would only make the LLVM translation complain.
//
//===----------------------------------------------------------------------===//

#include "codegen/Common/CommonPasses.h"

namespace kiln {
#define GEN_PASS_DEF_ENTRYINTERFACE
#include "codegen/Common/CommonPasses.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

struct EntryInterfacePass : kiln::impl::EntryInterfaceBase<EntryInterfacePass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    for (llvm::StringRef name : {"main", "main_shapes"})
      if (auto f = module.lookupSymbol<func::FuncOp>(name)) {
        f->setAttr("llvm.emit_c_interface", UnitAttr::get(module.getContext()));
        f.removeArgAttrsAttr();
        f.removeResAttrsAttr();
      }
  }
};

} // namespace
