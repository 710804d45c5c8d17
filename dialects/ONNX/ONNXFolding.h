//===- ONNXFolding.h - limits of onnx constant folding ----------*- C++ -*-===//

#ifndef KILN_DIALECTS_ONNX_ONNXFOLDING_H
#define KILN_DIALECTS_ONNX_ONNXFOLDING_H

#include <cstdint>

namespace kiln::onnx {

/// The most elements a folder may materialise into a new constant (default 65536). Folding
/// exists for shape computations and small constants; weights are never folded into copies.
void setMaxFoldElements(int64_t limit);
int64_t getMaxFoldElements();

} // namespace kiln::onnx

#endif // KILN_DIALECTS_ONNX_ONNXFOLDING_H
