//===- CPUPasses.h - passes of the CPU target -------------------*- C++ -*-===//

#ifndef KILN_CODEGEN_CPU_CPUPASSES_H
#define KILN_CODEGEN_CPU_CPUPASSES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace kiln {

#define GEN_PASS_DECL
#include "codegen/CPU/CPUPasses.h.inc"

#define GEN_PASS_REGISTRATION
#include "codegen/CPU/CPUPasses.h.inc"

} // namespace kiln

#endif // KILN_CODEGEN_CPU_CPUPASSES_H
