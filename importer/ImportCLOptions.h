//===- ImportCLOptions.h - command-line limits for importing ----*- C++ -*-===//

#ifndef KILN_IMPORTER_IMPORTCLOPTIONS_H
#define KILN_IMPORTER_IMPORTCLOPTIONS_H

#include "importer/ONNXImporter.h"

namespace kiln {

/// Registers --max-model-bytes, --max-protobuf-depth, --max-tensor-bytes,
/// --max-inline-constant-bytes and --max-fold-elements. Call before parsing the command line.
void registerImportCLOptions();

/// The options given on the command line (defaults otherwise); also applies
/// --max-fold-elements to the onnx dialect's folders.
ImportOptions getImportOptionsFromCL();

} // namespace kiln

#endif // KILN_IMPORTER_IMPORTCLOPTIONS_H
