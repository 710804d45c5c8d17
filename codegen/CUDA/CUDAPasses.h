//===- CUDAPasses.h - passes of the CUDA target -----------------*- C++ -*-===//

#ifndef KILN_CODEGEN_CUDA_CUDAPASSES_H
#define KILN_CODEGEN_CUDA_CUDAPASSES_H

#include "dialects/Kiln/KilnDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace kiln {

#define GEN_PASS_DECL
#include "codegen/CUDA/CUDAPasses.h.inc"

#define GEN_PASS_REGISTRATION
#include "codegen/CUDA/CUDAPasses.h.inc"

} // namespace kiln

#endif // KILN_CODEGEN_CUDA_CUDAPASSES_H
