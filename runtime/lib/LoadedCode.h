//===- LoadedCode.h - an artifact's code section, dlopened -------*- C++ -*-===//
//
// Every backend runs host code from the artifact's `code` section (the whole model on the
// CPU; the launches and shape arithmetic on CUDA): a private instance of its shared object per
// loaded model, checked against the metadata.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_LOADEDCODE_H
#define KILN_RUNTIME_LOADEDCODE_H

#include "kiln/runtime.h"

#include <cstdint>
#include <string>

struct kiln_gen_module;

namespace kiln {

struct ArtifactContents;

/// The loaded model's code: a private instance of the artifact's shared object.
struct LoadedCode {
  int fd = -1;
  void *handle = nullptr;
  const kiln_gen_module *module = nullptr;
  LoadedCode() = default;
  LoadedCode(const LoadedCode &) = delete;
  LoadedCode &operator=(const LoadedCode &) = delete;
  ~LoadedCode();
};

/// Loads the code of `contents` into `out` and checks its kiln_module against the metadata;
/// the status names `fn` and `file`.
kiln_status *loadModelCode(const char *fn, const char *file, const ArtifactContents &contents,
                           LoadedCode &out);

} // namespace kiln

#endif // KILN_RUNTIME_LOADEDCODE_H
