//===- kiln-import.cpp - ONNX model -> onnx dialect MLIR ------------------===//
//
// Usage: kiln-import MODEL.onnx [-o OUT.mlir]. Writes nothing on failure.
//
//===----------------------------------------------------------------------===//

#include "importer/ImportCLOptions.h"
#include "importer/ONNXImporter.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace llvm;

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::opt<std::string> input(cl::Positional, cl::desc("<model.onnx>"), cl::Required);
  cl::opt<std::string> output("o", cl::desc("Output MLIR file ('-' for stdout)"),
                              cl::value_desc("file"), cl::init("-"));
  cl::opt<bool> noOutput("no-output", cl::desc("Import and verify only; print nothing"));
  kiln::registerImportCLOptions();
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  cl::ParseCommandLineOptions(argc, argv,
                              "kiln-import: translate an ONNX model into the onnx MLIR dialect\n");

  mlir::MLIRContext context;
  SourceMgr sourceMgr;
  mlir::SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      kiln::importONNXModel(input, context, kiln::getImportOptionsFromCL());
  if (!module)
    return 1;
  if (noOutput)
    return 0;

  std::string error;
  std::unique_ptr<ToolOutputFile> out = mlir::openOutputFile(output, &error);
  if (!out) {
    errs() << "kiln-import: " << error << "\n";
    return 1;
  }
  module->print(out->os(), mlir::OpPrintingFlags());
  out->os() << "\n";
  if (out->os().has_error()) {
    errs() << "kiln-import: error writing '" << output << "'\n";
    out->os().clear_error();
    return 1;
  }
  out->keep();
  return 0;
}
