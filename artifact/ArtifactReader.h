//===- ArtifactReader.h - Parse and validate an artifact ------------------===//
//
// Section 2.4 of docs/design/runtime-and-artifact.md: every check made on an artifact's bytes
// before any of its code is mapped. No side effects and no allocation proportional to
// untrusted sizes beyond what the bytes themselves hold, so it is safe on any input; the
// artifact-loader fuzz target calls exactly this.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_ARTIFACTREADER_H
#define KILN_RUNTIME_ARTIFACTREADER_H

#include "kiln/runtime.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace kiln {

/// One input or output of the entry point, as the metadata declares it.
struct TensorDecl {
  std::string name;
  kiln_element_type elementType = KILN_ELEMENT_TYPE_INVALID;
  uint32_t flags = 0;
  std::vector<int64_t> dims;             // -1 dynamic
  std::vector<std::string> dimParams;    // "" for static dims
};

/// A CUDA artifact's device module for one architecture.
struct CudaModuleDecl {
  uint32_t sm = 0;           // compute capability (80 for sm_80)
  const uint8_t *image = nullptr;
  uint64_t size = 0;
};

/// What a valid artifact holds. Pointers point into the bytes given to readArtifact.
struct ArtifactContents {
  uint32_t target = 0;
  std::string cpu, cpuFeatures, producer, modelName, entryName;
  std::vector<TensorDecl> inputs, outputs;
  const uint8_t *code = nullptr;
  uint64_t codeSize = 0;
  uint64_t weightsOffset = 0, weightsSize = 0; // from the start of the file
  /// CUDA: the device modules (each holding every kernel), the kernels by launch index, and
  /// the run-time error sites by number - 1.
  std::vector<CudaModuleDecl> cudaModules;
  std::vector<std::string> kernels;
  std::vector<std::string> sites;
};

/// A failed check: the status code and the message (without the function and file prefix).
struct ArtifactError {
  kiln_code code = KILN_OK;
  std::string message;
  explicit operator bool() const { return code != KILN_OK; }
};

/// Which checksums readArtifact verifies.
enum class Checksums {
  All,           // header, table and every section
  AllButWeights, // kiln_options_set_verify_weights(options, 0)
  None,          // only for the fuzz target, to reach the metadata parser with mutated bytes
};

/// Validates `size` bytes at `data` as an artifact for this runtime and fills `out`. Checks the
/// header, section table, checksums and every metadata record.
ArtifactError readArtifact(const uint8_t *data, uint64_t size, Checksums checksums,
                           ArtifactContents &out);

/// The ELF e_machine of the machine the runtime was built for.
uint32_t hostMachine();

} // namespace kiln

#endif // KILN_RUNTIME_ARTIFACTREADER_H
