//===- kiln-opt.cpp - mlir-opt with Kiln's dialects and passes ------------===//

#include "codegen/Common/Pipelines.h"
#include "codegen/Targets.h"
#include "importer/ONNXImporter.h"
#include "passes/Passes.h"

#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  kiln::registerPipelineDialects(registry);
  kiln::registerImporterDialects(registry);
  mlir::registerAllPasses();
  kiln::registerKilnPasses();
  kiln::registerCodegenPipelines();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "Kiln optimizer driver\n", registry));
}
