//===- kiln-fuzz-import.cpp - libFuzzer target for the importer -----------===//
//
// Feeds arbitrary bytes to the importer as a model file. Whatever the bytes, the importer must
// either fail with diagnostics or return a module that verifies and survives the graph
// pipeline (shape inference and folding run on what it built) and the fusion passes (the
// raising matchers walk whatever the graph holds) and, with KILN_FUZZ_LOWER=1 in
// the environment, the lowering to linalg (about 25 times slower per input, so CI's short runs
// leave it off). Crashes, sanitizer reports, timeouts and out-of-memory are findings.
//
//===----------------------------------------------------------------------===//

#include "codegen/Common/Pipelines.h"
#include "importer/ONNXImporter.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // External data may only be resolved inside this (empty) folder.
  static std::string modelDir = [] {
    llvm::SmallString<128> dir;
    if (llvm::sys::fs::createUniqueDirectory("kiln-fuzz", dir))
      std::abort();
    return std::string(dir);
  }();
  kiln::ImportOptions options;
  options.maxModelBytes = 1 << 20;
  options.maxTensorBytes = 64 << 20;

  static mlir::DialectRegistry registry = [] {
    mlir::DialectRegistry r;
    kiln::registerPipelineDialects(r);
    return r;
  }();
  mlir::MLIRContext context(registry, mlir::MLIRContext::Threading::DISABLED);
  context.getDiagEngine().registerHandler([](mlir::Diagnostic &) { return mlir::success(); });
  mlir::OwningOpRef<mlir::ModuleOp> module = kiln::importONNXModelFromBuffer(
      llvm::ArrayRef<char>(reinterpret_cast<const char *>(data), size), "fuzz.onnx", modelDir,
      context, options);
  if (!module)
    return 0;
  if (failed(mlir::verify(*module))) {
    llvm::errs() << "importer returned a module that does not verify\n";
    std::abort();
  }
  mlir::PassManager pm(&context);
  kiln::buildONNXStage(pm);
  kiln::buildTFMStage(pm, /*fusion=*/true);
  static const bool lower = [] {
    const char *v = std::getenv("KILN_FUZZ_LOWER");
    return v && std::string(v) == "1";
  }();
  if (lower)
    kiln::buildConvertToLinalgPipeline(pm);
  (void)pm.run(*module); // Failing with a diagnostic is fine; crashing is not.
  return 0;
}
