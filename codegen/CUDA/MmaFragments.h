//===- MmaFragments.h - mma.sync fragments, as the PTX ISA lays them out -*- C++ -*-===//
//
// What the tensor-core kernel builders (kiln-cuda-mma-contractions, kiln-cuda-mma-attention)
// share: index arithmetic, and the fragments of mma.sync m16n8k16 loaded from row-major
// workgroup-memory stages with ldmatrix.x4. In lane l, g = l / 4 and t = l % 4:
//   A (16x16, vector<4x2xT>): rows (g, g + 8, g, g + 8), columns 2t + {0, 1} (+ 8 for rows 2-3);
//   B (16x8, vector<2x2xT>):  k 2t + {0, 1} and 2t + 8 + {0, 1}, column g;
//   C (16x8, vector<2x2xf32>): rows g and g + 8, columns 2t + {0, 1}.
// With f32 operands (TF32, m16n8k8; the tensor cores read the top 19 bits of each):
//   A (16x8, vector<4x1xf32>): (g, t), (g + 8, t), (g, t + 4), (g + 8, t + 4);
//   B (8x8, vector<2x1xf32>):  k t and t + 4, column g.
// Two C fragments side by side (16x16) hold, element by element, an A fragment: this is how
// attention feeds its probabilities to the second product without leaving registers.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_CUDA_MMAFRAGMENTS_H
#define KILN_CODEGEN_CUDA_MMAFRAGMENTS_H

#include "mlir/IR/Builders.h"

#include <array>

namespace kiln::mma {

constexpr int64_t kWarpSize = 32;

mlir::Value add(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x, int64_t y);
mlir::Value add(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x, mlir::Value y);
mlir::Value mul(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x, int64_t y);
mlir::Value div(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x, int64_t y);
mlir::Value rem(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x, int64_t y);

/// The A fragment of the 16x16 block at (row, col) of the row-major `stage` (ldmatrix.x4).
mlir::Value loadA(mlir::OpBuilder &b, mlir::Location loc, mlir::Value stage, mlir::Value row,
                  mlir::Value col, mlir::Value lane);

/// The B fragments of columns n .. n + 7 and n + 8 .. n + 15 over k .. k + 15 of a k-major
/// `stage` ([k][n], ldmatrix.x4.trans).
std::array<mlir::Value, 2> loadBKMajor(mlir::OpBuilder &b, mlir::Location loc, mlir::Value stage,
                                       mlir::Value k, mlir::Value n, mlir::Value lane);

/// The same B fragments from an n-major `stage` ([n][k]: keys by head dim, ldmatrix.x4).
std::array<mlir::Value, 2> loadBNMajor(mlir::OpBuilder &b, mlir::Location loc, mlir::Value stage,
                                       mlir::Value n, mlir::Value k, mlir::Value lane);

/// The A fragment (vector<4x1xf32>) of mma.sync m16n8k8 .tf32 for the 16x8 block at (row, col)
/// of the row-major f32 `stage`, by plain loads (ldmatrix moves 16-bit elements).
mlir::Value loadATf32(mlir::OpBuilder &b, mlir::Location loc, mlir::Value stage, mlir::Value row,
                      mlir::Value col, mlir::Value lane);

/// The B fragment (vector<2x1xf32>) of mma.sync m16n8k8 .tf32 for k .. k + 7 and columns
/// n .. n + 7 of the k-major f32 `stage`.
mlir::Value loadBTf32KMajor(mlir::OpBuilder &b, mlir::Location loc, mlir::Value stage,
                            mlir::Value k, mlir::Value n, mlir::Value lane);

/// `acc + a * b`: mma.sync m16n8k16 for 16-bit operands, m16n8k8 .tf32 for f32 ones.
mlir::Value multiplyAdd(mlir::OpBuilder &b, mlir::Location loc, mlir::Value a, mlir::Value bFrag,
                        mlir::Value acc);

/// Element `i` (0-3, row-major) of a vector<2x2> fragment, for a dynamic `i`: selects over
/// static extracts (a dynamic extract from a 2-D vector has no NVVM lowering), which fold
/// once the loop over `i` is unrolled.
mlir::Value fragmentElement(mlir::OpBuilder &b, mlir::Location loc, mlir::Value fragment,
                            mlir::Value i);

} // namespace kiln::mma

#endif // KILN_CODEGEN_CUDA_MMAFRAGMENTS_H
