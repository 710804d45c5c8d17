//===- kiln-compile.cpp - compile an ONNX model ahead of time -------------===//
//
// Imports a model, runs the pipelines from codegen/ and writes the result. Writes nothing on
// failure.
//
//===----------------------------------------------------------------------===//

#include "codegen/Common/Driver.h"
#include "codegen/Common/Pipelines.h"
#include "codegen/Targets.h"
#include "dialects/ONNX/NodeLocation.h"
#include "importer/ImportCLOptions.h"
#include "importer/ONNXImporter.h"
#include "passes/Fusion/FusionReport.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/Timing.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace llvm;
using namespace mlir;

namespace {

enum class Emit { ONNX, TFM, Linalg, LLVM, Artifact };

cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.onnx>"), cl::Required);
cl::opt<std::string> outputFile("o", cl::desc("Output file ('-' for stdout with --emit)"),
                                cl::value_desc("file"), cl::init(""));
cl::opt<std::string> target("target", cl::desc("Code generation target: cpu or cuda"),
                            cl::init("cpu"));
cl::list<std::string> gpuArchs("gpu-arch",
                               cl::desc("CUDA target: GPU architectures to build kernels for "
                                        "(default sm_80,sm_90)"),
                               cl::CommaSeparated);
cl::opt<bool> kernelReport("kernel-report",
                           cl::desc("CUDA target: print each kernel's origin and its ptxas "
                                    "resource use (registers, shared memory, spills)"),
                           cl::init(false));
cl::opt<Emit> emit("emit", cl::desc("Write the IR after this stage instead of an artifact"),
                   cl::init(Emit::Artifact),
                   cl::values(clEnumValN(Emit::ONNX, "onnx",
                                         "onnx dialect after shape inference and folding"),
                              clEnumValN(Emit::TFM, "tfm", "after fusion into the tfm dialect"),
                              clEnumValN(Emit::Linalg, "linalg", "after lowering to linalg"),
                              clEnumValN(Emit::LLVM, "llvm",
                                         "after the target's lowering to the LLVM dialect")));
cl::opt<std::string> cpu("cpu",
                         cl::desc("CPU to generate code for (LLVM name, e.g. x86-64-v3); 'host' "
                                  "uses this machine's CPU and features"),
                         cl::init("host"));
cl::opt<bool> noFusion("no-fusion",
                       cl::desc("Do not raise subgraphs into the tfm dialect (to compare the "
                                "fused and the unfused program)"));
cl::opt<bool> fusionReport("fusion-report",
                           cl::desc("Print how many tfm ops fusion formed and, for every "
                                    "Softmax, Erf, Tanh and ReduceMean left unfused, the node "
                                    "and the reason"));
cl::opt<std::string> precision(
    "precision",
    cl::desc("Contraction precision: fp32 (default); fp16 or bf16 (matmul and attention "
             "operands, weights converted at compile time, f32 accumulation; norms, softmax "
             "statistics and outputs stay f32); tf32 (the CUDA target's f32 matmuls on TF32 "
             "tensor cores, f32 accumulation; the CPU target stays fp32)"),
    cl::init("fp32"));
cl::opt<bool> timingSummary("timing", cl::desc("Print the time spent in each stage"));
cl::opt<bool> summary("summary", cl::desc("With --emit=onnx: print the model's inputs, "
                                          "outputs, weights and op counts"));

/// A human-readable overview of the compiled graph, for the main job and for users who want to
/// know what Kiln made of their model.
void printSummary(ModuleOp module, raw_ostream &os) {
  auto func = cast<func::FuncOp>(module.lookupSymbol("main"));
  auto name = [](DictionaryAttr attrs, unsigned i) {
    auto n = attrs ? attrs.getAs<StringAttr>("onnx.name") : nullptr;
    return n ? n.str() : "#" + std::to_string(i);
  };
  os << "inputs:\n";
  for (unsigned i = 0; i < func.getNumArguments(); ++i)
    os << "  " << name(func.getArgAttrDict(i), i) << ": " << func.getArgumentTypes()[i] << "\n";
  os << "outputs:\n";
  for (unsigned i = 0; i < func.getNumResults(); ++i)
    os << "  " << name(func.getResultAttrDict(i), i) << ": " << func.getResultTypes()[i] << "\n";
  StringMap<unsigned> counts;
  uint64_t weightBytes = 0, weights = 0;
  func.walk([&](Operation *op) {
    if (op == func.getOperation() || isa<func::ReturnOp>(op))
      return;
    ++counts[op->getName().getStringRef()];
    if (op->getName().getStringRef() == "onnx.Constant") {
      auto type = cast<ShapedType>(op->getResult(0).getType());
      ++weights;
      weightBytes += type.getNumElements() * std::max(1u, type.getElementTypeBitWidth() / 8);
    }
  });
  os << "constants: " << weights << " (" << weightBytes << " bytes)\n";
  std::vector<std::pair<std::string, unsigned>> sorted;
  for (auto &entry : counts)
    sorted.emplace_back(entry.first().str(), entry.second);
  llvm::sort(sorted, [](auto &a, auto &b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  os << "ops:\n";
  for (auto &[op, count] : sorted)
    os << "  " << format("%5u", count) << "  " << op << "\n";
}

} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  kiln::registerImportCLOptions();
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  registerPassManagerCLOptions();
  registerDefaultTimingManagerCLOptions();
  cl::ParseCommandLineOptions(
      argc, argv,
      "kiln-compile: compile an ONNX model ahead of time\n\n"
      "  kiln-compile MODEL.onnx -o MODEL.kiln [--cpu=host]          compile to a CPU artifact\n"
      "  kiln-run MODEL.kiln --output-dir out/                       then run it\n"
      "  kiln-compile MODEL.onnx --emit=onnx -o -                    print the IR of a stage\n"
      "  kiln-compile MODEL.onnx --emit=onnx -o /dev/null --summary  inspect a model\n\n"
      "Stages for --emit: onnx (imported, shapes inferred, folded), tfm (raised into the\n"
      "transformer dialect; --fusion-report says what was fused and why the rest was not,\n"
      "--no-fusion skips it), linalg (lowered to linalg on tensors), llvm (LLVM dialect, as\n"
      "compiled into the artifact). --timing prints the time per stage. Nothing is written\n"
      "when compilation fails.\n");

  kiln::TargetOptions targetOptions;
  targetOptions.cpu = cpu;
  if (!gpuArchs.empty())
    targetOptions.gpuArchs.assign(gpuArchs.begin(), gpuArchs.end());
  targetOptions.kernelReport = kernelReport;
  targetOptions.tf32 = precision == "tf32";
  std::unique_ptr<kiln::Target> codegenTarget = kiln::createTarget(target, targetOptions);
  if (!codegenTarget) {
    errs() << "kiln-compile: unknown --target '" << target << "' (expected "
           << kiln::targetNames() << ")\n";
    return 2;
  }
  if (emit >= Emit::LLVM)
    if (std::optional<std::string> missing = codegenTarget->missingLowering()) {
      errs() << "kiln-compile: " << *missing << "\n";
      return 2;
    }
  if (precision != "fp32" && precision != "tf32" && precision != "fp16" && precision != "bf16") {
    errs() << "kiln-compile: unknown --precision '" << precision
           << "' (expected fp32, tf32, fp16 or bf16)\n";
    return 2;
  }
  if (precision == "tf32" && target == "cpu")
    errs() << "kiln-compile: note: --precision=tf32 changes the CUDA target only; the CPU "
              "target computes f32 contractions in fp32\n";
  if (outputFile.empty() && !fusionReport) {
    errs() << "kiln-compile: no output file: give -o FILE (or -o - for stdout)\n";
    return 2;
  }
  if (fusionReport && (noFusion || emit == Emit::ONNX)) {
    errs() << "kiln-compile: --fusion-report needs fusion (not --no-fusion or --emit=onnx)\n";
    return 2;
  }

  DialectRegistry registry;
  kiln::registerPipelineDialects(registry);
  MLIRContext context(registry);
  SourceMgr sourceMgr;
  kiln::onnx::NodeDiagnosticHandler diagnostics(sourceMgr, &context);
  DefaultTimingManager timing;
  applyDefaultTimingManagerCLOptions(timing);
  if (timingSummary) {
    timing.setEnabled(true);
    timing.setDisplayMode(DefaultTimingManager::DisplayMode::Tree);
  }
  TimingScope rootTiming = timing.getRootScope();

  OwningOpRef<ModuleOp> module;
  {
    TimingScope importTiming = rootTiming.nest("import");
    module = kiln::importONNXModel(inputFile, context, kiln::getImportOptionsFromCL());
  }
  if (!module)
    return 1;

  // The stages up to the fusion report (or the one asked for), then the rest.
  kiln::CompileOptions options;
  options.fusion = !noFusion;
  options.precision = precision;
  options.modelName = sys::path::stem(inputFile).str();
  options.configure = [](PassManager &pm) { return applyPassManagerCLOptions(pm); };
  auto fail = [&](Error e) {
    errs() << "kiln-compile: '" << inputFile << "': " << toString(std::move(e)) << "\n";
    return 1;
  };
  kiln::Stage reported = emit == Emit::ONNX ? kiln::Stage::ONNX : kiln::Stage::TFM;
  if (Error e = kiln::runStages(*module, *codegenTarget, options, kiln::Stage::ONNX, reported,
                                rootTiming))
    return fail(std::move(e));
  if (fusionReport) {
    kiln::printFusionReport(*module, outs());
    if (outputFile.empty())
      return 0;
  }
  if (emit == Emit::Artifact) {
    if (outputFile == "-") {
      errs() << "kiln-compile: an artifact is binary; give -o FILE.kiln (or --emit=STAGE)\n";
      return 2;
    }
    if (Error e = kiln::compileArtifact(*module, *codegenTarget, options, kiln::Stage::Linalg,
                                        outputFile, rootTiming))
      return fail(std::move(e));
    return 0;
  }
  if (emit > Emit::TFM)
    if (Error e = kiln::runStages(*module, *codegenTarget, options, kiln::Stage::Linalg,
                                  (kiln::Stage)(Emit)emit, rootTiming))
      return fail(std::move(e));

  if (summary && emit == Emit::ONNX)
    printSummary(*module, outs());

  TimingScope outputTiming = rootTiming.nest("output");
  std::string error;
  std::unique_ptr<ToolOutputFile> out = openOutputFile(outputFile, &error);
  if (!out) {
    errs() << "kiln-compile: " << error << "\n";
    return 1;
  }
  module->print(out->os());
  out->os() << "\n";
  if (out->os().has_error()) {
    errs() << "kiln-compile: error writing '" << outputFile << "'\n";
    out->os().clear_error();
    return 1;
  }
  out->keep();
  return 0;
}
