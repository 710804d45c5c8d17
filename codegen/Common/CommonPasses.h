//===- CommonPasses.h - codegen passes every target runs --------*- C++ -*-===//

#ifndef KILN_CODEGEN_COMMON_COMMONPASSES_H
#define KILN_CODEGEN_COMMON_COMMONPASSES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace kiln {

#define GEN_PASS_DECL
#include "codegen/Common/CommonPasses.h.inc"

#define GEN_PASS_REGISTRATION
#include "codegen/Common/CommonPasses.h.inc"

} // namespace kiln

#endif // KILN_CODEGEN_COMMON_COMMONPASSES_H
