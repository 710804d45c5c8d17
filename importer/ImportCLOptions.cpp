//===- ImportCLOptions.cpp - command-line limits for importing ------------===//

#include "importer/ImportCLOptions.h"

#include "dialects/ONNX/ONNXFolding.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/ManagedStatic.h"

using namespace llvm;

namespace {
struct ImportCLOptions {
  cl::OptionCategory category{"Limits for untrusted model files"};
  cl::opt<uint64_t> maxModelBytes{"max-model-bytes",
                                  cl::desc("Largest model file accepted, in bytes"),
                                  cl::init(kiln::ImportOptions().maxModelBytes),
                                  cl::cat(category)};
  cl::opt<int> maxProtobufDepth{"max-protobuf-depth",
                                cl::desc("Deepest protobuf message nesting accepted"),
                                cl::init(kiln::ImportOptions().maxProtobufDepth),
                                cl::cat(category)};
  cl::opt<uint64_t> maxTensorBytes{"max-tensor-bytes",
                                   cl::desc("Largest single tensor accepted, in bytes"),
                                   cl::init(kiln::ImportOptions().maxTensorBytes),
                                   cl::cat(category)};
  cl::opt<uint64_t> maxInlineConstantBytes{
      "max-inline-constant-bytes",
      cl::desc("Initializers up to this size become dense literals, larger ones "
               "dense_resource blobs"),
      cl::init(kiln::ImportOptions().maxInlineConstantBytes), cl::cat(category)};
  cl::opt<int64_t> maxFoldElements{
      "max-fold-elements",
      cl::desc("Most elements constant folding may materialise into one new constant"),
      cl::init(kiln::onnx::getMaxFoldElements()), cl::cat(category)};
};
ManagedStatic<ImportCLOptions> clOptions;
} // namespace

void kiln::registerImportCLOptions() { *clOptions; }

kiln::ImportOptions kiln::getImportOptionsFromCL() {
  onnx::setMaxFoldElements(clOptions->maxFoldElements);
  ImportOptions options;
  options.maxModelBytes = clOptions->maxModelBytes;
  options.maxProtobufDepth = clOptions->maxProtobufDepth;
  options.maxTensorBytes = clOptions->maxTensorBytes;
  options.maxInlineConstantBytes = clOptions->maxInlineConstantBytes;
  return options;
}
