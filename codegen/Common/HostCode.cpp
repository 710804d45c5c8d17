//===- HostCode.cpp - the artifact's code section --------------------------===//
//
// docs/design/runtime-and-artifact.md, section 4. Constants leave the LLVM module for the
// weights section and are addressed as `kiln_weights_base + offset`; a generated C stub
// implements the ABI of runtime/lib/abi.h around the MLIR-generated `_mlir_ciface_` functions.
//
//===----------------------------------------------------------------------===//

#include "codegen/Common/HostCode.h"

#include "codegen/Common/ExternalTools.h"

#include "artifact/ArtifactWriter.h"
#include "codegen/Common/EntrySignature.h"
#include "artifact/ArtifactFormat.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"

#include <memory>

using namespace mlir;
using namespace kiln;

namespace {

/// runtime/lib/abi.h as a string, embedded at build time.
const char *const kAbiHeader =
#include "codegen/AbiHeader.inc"
    ;

llvm::Error makeError(const llvm::Twine &message) { return makeCodegenError(message); }

/// The bytes of a splat or i1 constant, which the attribute does not hold as such.
std::optional<ArrayRef<char>> materializedBytes(DenseElementsAttr dense,
                                                ArtifactDescription &out) {
  Type element = dense.getElementType();
  if (!element.isIntOrFloat())
    return std::nullopt;
  std::vector<char> &bytes = out.ownedWeights.emplace_back();
  if (element.isInteger(1)) {
    for (bool value : dense.getValues<bool>())
      bytes.push_back(value);
    return ArrayRef<char>(bytes);
  }
  if (element.getIntOrFloatBitWidth() % 8)
    return std::nullopt;
  ArrayRef<char> one = dense.getRawData();
  for (int64_t i = 0, n = dense.getNumElements(); i < n; ++i)
    bytes.insert(bytes.end(), one.begin(), one.end());
  return ArrayRef<char>(bytes);
}

/// Raw bytes of a constant global's initializer, if it is one worth moving out of the code.
std::optional<ArrayRef<char>> constantBytes(LLVM::GlobalOp global, bool everyConstant,
                                            ArtifactDescription &out) {
  if (!global.getConstant() || !global.getValue())
    return std::nullopt;
  Attribute value = *global.getValue();
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    auto type = cast<ShapedType>(resource.getType());
    if (!blob || type.getElementTypeBitWidth() % 8)
      return std::nullopt;
    ArrayRef<char> data = blob->getData();
    if (data.size() != uint64_t(type.getNumElements()) * (type.getElementTypeBitWidth() / 8))
      return std::nullopt;
    return data;
  }
  if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
    if (!dense.getElementType().isIntOrFloat())
      return std::nullopt;
    if (dense.isSplat() || dense.getElementType().getIntOrFloatBitWidth() % 8)
      return everyConstant ? materializedBytes(dense, out) : std::nullopt;
    return dense.getRawData();
  }
  return std::nullopt;
}

} // namespace

void kiln::externalizeConstants(ModuleOp module, uint64_t minBytes, bool everyConstant,
                                ArtifactDescription &out) {
  llvm::StringMap<uint64_t> offsets;
  SmallVector<LLVM::GlobalOp> moved;
  uint64_t size = 0;
  for (auto global : module.getOps<LLVM::GlobalOp>()) {
    std::optional<ArrayRef<char>> bytes = constantBytes(global, everyConstant, out);
    if (!bytes || (!everyConstant && bytes->size() < minBytes))
      continue;
    size = (size + artifact::kConstantAlignment - 1) / artifact::kConstantAlignment *
           artifact::kConstantAlignment;
    offsets[global.getSymName()] = size;
    out.weights.emplace_back(size, *bytes);
    size += bytes->size();
    moved.push_back(global);
  }
  out.weightsSize = size;
  if (moved.empty())
    return;
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  auto ptr = LLVM::LLVMPointerType::get(module.getContext());
  LLVM::GlobalOp::create(b, module.getLoc(), ptr, /*isConstant=*/false, LLVM::Linkage::External,
                         "kiln_weights_base", Attribute());
  module.walk([&](LLVM::AddressOfOp addr) {
    auto it = offsets.find(addr.getGlobalName());
    if (it == offsets.end())
      return;
    b.setInsertionPoint(addr);
    Location loc = addr.getLoc();
    Value slot = LLVM::AddressOfOp::create(b, loc, ptr, "kiln_weights_base");
    Value base = LLVM::LoadOp::create(b, loc, ptr, slot, /*alignment=*/8, /*isVolatile=*/false,
                                      /*isNonTemporal=*/false, /*isInvariant=*/true);
    Value at = base;
    if (it->second) {
      Value offset = LLVM::ConstantOp::create(b, loc, b.getI64Type(), int64_t(it->second));
      at = LLVM::GEPOp::create(b, loc, ptr, b.getI8Type(), base, ValueRange{offset});
    }
    addr.replaceAllUsesWith(at);
    addr.erase();
  });
  for (LLVM::GlobalOp g : moved)
    g.erase();
}

namespace {

/// The C half of the generated-code ABI (runtime/lib/abi.h): forwards runtime calls through
/// the bound table and adapts `_mlir_ciface_main(_shapes)` to kiln_gen_module.
std::string buildStub(unsigned numInputs, unsigned numOutputs, unsigned numOutputDims,
                      const StubExtras &extras) {
  std::string s = kAbiHeader;
  auto params = [](unsigned n) {
    std::string p;
    for (unsigned i = 0; i < n; ++i)
      p += std::string(i ? ", " : "") + "void *";
    return p.empty() ? std::string("void") : p;
  };
  auto args = [](unsigned from, unsigned n) {
    std::string a;
    for (unsigned i = 0; i < n; ++i)
      a += std::string(i ? ", " : "") + "d[" + std::to_string(from + i) + "]";
    return a;
  };
  s += R"(
/* Generated by kiln-compile. */
__attribute__((visibility("hidden"))) const void *kiln_weights_base;
static const kiln_rt_api *kiln_api;

void kiln_rt_gemm_f32(int64_t m, int64_t n, int64_t k, int64_t a, int64_t a_sm, int64_t a_sk,
                      int64_t b, int64_t b_sk, int64_t b_sn, int64_t c, int64_t c_sm,
                      int64_t c_sn) {
  kiln_api->gemm_f32(m, n, k, (const float *)(intptr_t)a, a_sm, a_sk,
                     (const float *)(intptr_t)b, b_sk, b_sn, (float *)(intptr_t)c, c_sm, c_sn);
}

/* Parallel loops (kiln-materialize-parallel-launches). */
__attribute__((visibility("hidden"))) void kiln_rt_parallel_for(
    int64_t n, int64_t grain, void (*body)(void *, int64_t, int64_t), void *closure) {
  kiln_api->parallel_for(n, grain, body, closure);
}

/* Out-of-range Gather indices (the run fails with this message). */
__attribute__((visibility("hidden"))) void kiln_rt_index_error(const char *site, int64_t index,
                                                               int64_t size) {
  kiln_api->index_error(site, index, size);
}

/* CUDA: kernel launches (kiln-gpu-launch-to-runtime) and host reads of device memory
 * (kiln-cuda-map-kernels). */
__attribute__((visibility("hidden"))) void kiln_rt_launch(
    int64_t kernel, int64_t gx, int64_t gy, int64_t gz, int64_t bx, int64_t by, int64_t bz,
    int64_t shared, int64_t params, int64_t count) {
  kiln_api->launch(kernel, gx, gy, gz, bx, by, bz, shared, (const int64_t *)(intptr_t)params,
                   count);
}
__attribute__((visibility("hidden"))) void kiln_rt_device_read(int64_t dst, int64_t src,
                                                               int64_t bytes) {
  kiln_api->device_read((void *)(intptr_t)dst, (const void *)(intptr_t)src, bytes);
}

/* LLVM keeps bf16 values the host has no instructions for (block arguments, selects) as
 * float and narrows them with this libgcc routine, which older toolchains (GCC 12) lack:
 * round to nearest even, NaNs quiet. The bf16 result is returned in the low 16 bits of the
 * float register, as LLVM's x86-64 calling convention passes bf16. */
__attribute__((visibility("hidden"))) float __truncsfbf2(float f) {
  union { float f; uint32_t u; } in = {f}, out;
  uint32_t u = in.u;
  out.u = (u & 0x7fffffffu) > 0x7f800000u ? (u >> 16) | 0x40u
                                           : (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
  return out.f;
}

/* Intermediate buffers: memref.alloc/dealloc lower to these (use-generic-functions). */
__attribute__((visibility("hidden"))) void *_mlir_memref_to_llvm_alloc(uint64_t bytes) {
  return kiln_api->alloc(bytes);
}
__attribute__((visibility("hidden"))) void _mlir_memref_to_llvm_free(void *ptr) {
  kiln_api->free(ptr);
}

/* memref.copy between non-contiguous views lowers to this call (MLIR's C runner utils have
 * it; the model carries its own so that it needs nothing beyond libc). */
typedef struct { int64_t rank; void *descriptor; } kiln_unranked_memref;
__attribute__((visibility("hidden"))) void memrefCopy(int64_t elem_size,
                                                      kiln_unranked_memref *src,
                                                      kiln_unranked_memref *dst) {
  int64_t rank = src->rank;
  char *s = ((char **)src->descriptor)[1], *d = ((char **)dst->descriptor)[1];
  const int64_t *sm = (const int64_t *)((char **)src->descriptor + 2);
  const int64_t *dm = (const int64_t *)((char **)dst->descriptor + 2);
  const int64_t *sizes = sm + 1, *ss = sm + 1 + rank, *ds = dm + 1 + rank;
  int64_t index[64] = {0}, total = 1;
  if (rank > 64) return;
  for (int64_t i = 0; i < rank; ++i) total *= sizes[i];
  s += sm[0] * elem_size;
  d += dm[0] * elem_size;
  for (int64_t n = 0; n < total; ++n) {
    int64_t so = 0, dof = 0;
    for (int64_t i = 0; i < rank; ++i) { so += index[i] * ss[i]; dof += index[i] * ds[i]; }
    __builtin_memcpy(d + dof * elem_size, s + so * elem_size, (unsigned long)elem_size);
    for (int64_t i = rank - 1; i >= 0; --i) {
      if (++index[i] < sizes[i]) break;
      index[i] = 0;
    }
  }
}

static void kiln_bind(const kiln_rt_api *api, const void *weights) {
  kiln_api = api;
  kiln_weights_base = weights;
}
)";
  s += extras.code;
  unsigned total = numInputs + numOutputs;
  s += "void _mlir_ciface_main(" + params(total) + ");\n";
  s += "static void kiln_run(void *const *d) { _mlir_ciface_main(" + args(0, total) + "); }\n";
  if (numOutputDims) {
    s += "void _mlir_ciface_main_shapes(" + params(numInputs + 1) + ");\n";
    s += "static void kiln_shapes(void *const *d, int64_t *dims) {\n"
         "  struct { int64_t *allocated, *aligned; int64_t offset, size, stride; } out =\n"
         "      {dims, dims, 0, " + std::to_string(numOutputDims) + ", 1};\n"
         "  _mlir_ciface_main_shapes(" + args(0, numInputs) + (numInputs ? ", " : "") +
         "&out);\n}\n";
  }
  s += "__attribute__((visibility(\"default\"))) const kiln_gen_module kiln_module = {\n"
       "    KILN_GEN_ABI_VERSION, " + std::to_string(numInputs) + ", " +
       std::to_string(numOutputs) + ", " + std::to_string(numOutputDims) +
       ", kiln_bind, kiln_run, " + (numOutputDims ? "kiln_shapes" : "0") + ", " +
       extras.emulation + "};\n";
  return s;
}

} // namespace

llvm::Error kiln::emitHostCode(ModuleOp module, const TargetOptions &options,
                               const StubExtras &extras, HostOptimization optimization,
                               ArtifactDescription &out, TimingScope &timing) {
  const bool full = optimization == HostOptimization::Full;
  unsigned numInputs = out.inputs.size(), numOutputs = out.outputs.size();
  unsigned numOutputDims = countDynamicDims(out.outputs);
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  registerBuiltinDialectTranslation(*module.getContext());
  registerLLVMDialectTranslation(*module.getContext());

  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule;
  {
    TimingScope t = timing.nest("translate to LLVM IR");
    llvmModule = translateModuleToLLVMIR(module, llvmContext, "kiln_model");
  }
  if (!llvmModule)
    return makeError("translation to LLVM IR failed");

  llvm::Triple triple(llvm::sys::getProcessTriple());
  std::string error;
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return makeError("no LLVM target for " + triple.str() + ": " + error);
  std::string cpu = options.cpu, features;
  if (cpu == "host") {
    cpu = llvm::sys::getHostCPUName().str();
    for (auto &f : llvm::sys::getHostCPUFeatures())
      if (f.second)
        features += (features.empty() ? "+" : ",+") + f.first().str();
  }
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, cpu, features, llvm::TargetOptions(), llvm::Reloc::PIC_, std::nullopt,
      full ? llvm::CodeGenOptLevel::Aggressive : llvm::CodeGenOptLevel::Less));
  if (!machine)
    return makeError("cannot create an LLVM target machine for cpu '" + cpu + "'");
  out.cpu = cpu;
  out.cpuFeatures = features.empty() ? machine->getTargetFeatureString().str() : features;
  llvmModule->setDataLayout(machine->createDataLayout());
  llvmModule->setTargetTriple(triple);

  {
    TimingScope t = timing.nest(full ? "LLVM optimisation (O3)" : "LLVM optimisation (O1)");
    llvm::LoopAnalysisManager lam;
    llvm::FunctionAnalysisManager fam;
    llvm::CGSCCAnalysisManager cgam;
    llvm::ModuleAnalysisManager mam;
    llvm::PipelineTuningOptions tuning;
    tuning.LoopVectorization = full;
    tuning.SLPVectorization = full;
    llvm::PassBuilder builder(machine.get(), tuning);
    builder.registerModuleAnalyses(mam);
    builder.registerCGSCCAnalyses(cgam);
    builder.registerFunctionAnalyses(fam);
    builder.registerLoopAnalyses(lam);
    builder.crossRegisterProxies(lam, fam, cgam, mam);
    llvm::ModulePassManager mpm = builder.buildPerModuleDefaultPipeline(
        full ? llvm::OptimizationLevel::O3 : llvm::OptimizationLevel::O1);
    mpm.run(*llvmModule, mam);
  }

  llvm::SmallVector<char, 0> object;
  {
    TimingScope t = timing.nest("machine code");
    llvm::raw_svector_ostream os(object);
    llvm::legacy::PassManager codegen;
    if (machine->addPassesToEmitFile(codegen, os, nullptr, llvm::CodeGenFileType::ObjectFile))
      return makeError("the LLVM target cannot emit object files");
    codegen.run(*llvmModule);
  }

  TimingScope linkTiming = timing.nest("link");
  TempDir dir;
  if (llvm::Error e = dir.create("kiln-compile"))
    return e;
  std::string objectPath = dir.file("model.o"), stubPath = dir.file("stub.c"),
              mapPath = dir.file("kiln.map"), soPath = dir.file("model.so");
  if (llvm::Error e = writeFile(objectPath, llvm::StringRef(object.data(), object.size())))
    return e;
  if (llvm::Error e = writeFile(stubPath, buildStub(numInputs, numOutputs, numOutputDims, extras)))
    return e;
  if (llvm::Error e = writeFile(mapPath, "{ global: kiln_module; local: *; };\n"))
    return e;

  const char *ccEnv = getenv("KILN_CC");
  std::string ccName = ccEnv && *ccEnv ? ccEnv : "cc";
  llvm::ErrorOr<std::string> cc = llvm::sys::findProgramByName(ccName);
  if (!cc)
    return makeError("cannot link the model's code: no '" + ccName + "' on PATH (set KILN_CC)");
  std::string versionScript = "-Wl,--version-script=" + mapPath;
  llvm::SmallVector<llvm::StringRef> args = {
      *cc, "-shared", "-fPIC", "-O2", "-fvisibility=hidden", "-o", soPath, stubPath, objectPath,
      versionScript, "-Wl,-z,defs", "-Wl,-z,now", "-Wl,-z,relro", "-Wl,-z,noexecstack",
      "-Wl,--build-id=none", "-lm"};
  std::string log;
  if (llvm::Error e = runTool(args, dir.file("link.log"), "linking the model's code", log))
    return e;
  auto so = llvm::MemoryBuffer::getFile(soPath);
  if (!so)
    return makeError("cannot read the linked code: " + so.getError().message());
  out.code.assign((*so)->getBufferStart(), (*so)->getBufferEnd());
  return llvm::Error::success();
}

