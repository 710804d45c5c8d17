//===- ArtifactWriter.h - Write a Kiln artifact file -----------------------===//
//
// Assembles the header, section table, metadata, code and weights of an artifact
// (docs/design/runtime-and-artifact.md, section 2) and writes it atomically: to a temporary
// file next to the destination, renamed into place only when complete.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_ARTIFACTWRITER_H
#define KILN_CODEGEN_ARTIFACTWRITER_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <list>
#include <string>
#include <vector>

namespace kiln {

/// One input or output of the compiled entry point.
struct TensorSignature {
  std::string name;
  uint32_t elementType = 0;            // ONNX TensorProto.DataType numbering
  std::vector<int64_t> dims;           // -1 dynamic
  std::vector<std::string> dimParams;  // "" for static dims
  bool hostValue = false;
};

struct ArtifactDescription {
  std::string modelName, cpu, cpuFeatures, producer;
  std::vector<TensorSignature> inputs, outputs;
  /// The ELF shared object holding the model's code.
  std::vector<uint8_t> code;
  /// Constants, each at its offset in the weights section (64-byte aligned), borrowed (from
  /// the MLIR context or `ownedWeights`).
  std::vector<std::pair<uint64_t, llvm::ArrayRef<char>>> weights;
  uint64_t weightsSize = 0;
  /// Constant bytes made for the weights section (splats expanded, i1 as bytes); a list, so
  /// that `weights` can point into it.
  std::list<std::vector<char>> ownedWeights;

  /// The CUDA target: one device module per architecture, each holding every kernel.
  struct CudaModule {
    uint32_t sm = 0; // compute capability, 80 for sm_80
    std::vector<char> image; // cubin
  };
  bool cuda = false;
  std::vector<CudaModule> cudaModules;
  /// Kernel functions in launch-index order (the host code's kiln_rt_launch numbers).
  std::vector<std::string> kernels;
  /// Run-time error sites in number order (site i + 1 is sites[i]).
  std::vector<std::string> sites;
};

/// Writes `artifact` to `path` (never a partial file: a temporary is renamed into place).
llvm::Error writeArtifact(llvm::StringRef path, const ArtifactDescription &artifact);

} // namespace kiln

#endif // KILN_CODEGEN_ARTIFACTWRITER_H
