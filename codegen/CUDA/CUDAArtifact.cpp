//===- CUDAArtifact.cpp - write a CUDA artifact ---------------------------===//

#include "codegen/CUDA/CUDAArtifact.h"

#include "codegen/CUDA/CUDATarget.h"
#include "codegen/Common/ExternalTools.h"
#include "codegen/Common/HostCode.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>

using namespace mlir;
using namespace kiln;

namespace {

/// What ptxas -v says of one kernel.
struct KernelResources {
  unsigned registers = 0, sharedBytes = 0, stackBytes = 0, spillStores = 0, spillLoads = 0;
};

unsigned numberBefore(llvm::StringRef line, llvm::StringRef unit) {
  size_t at = line.find(unit);
  if (at == llvm::StringRef::npos)
    return 0;
  llvm::StringRef head = line.take_front(at).rtrim();
  size_t start = head.find_last_not_of("0123456789");
  unsigned value = 0;
  (void)head.drop_front(start == llvm::StringRef::npos ? 0 : start + 1).getAsInteger(10, value);
  return value;
}

/// Parses ptxas -v output: "Compiling entry function 'k'", then its stack/spill and
/// "Used N registers, ... M bytes smem" lines.
llvm::StringMap<KernelResources> parseResources(llvm::StringRef log) {
  llvm::StringMap<KernelResources> out;
  KernelResources *current = nullptr;
  llvm::SmallVector<llvm::StringRef> lines;
  log.split(lines, '\n');
  for (llvm::StringRef line : lines) {
    size_t at = line.find("entry function '");
    if (at != llvm::StringRef::npos) {
      llvm::StringRef name = line.drop_front(at + 16).take_until([](char c) { return c == '\''; });
      current = &out[name];
      continue;
    }
    if (!current)
      continue;
    if (line.contains("spill stores")) {
      current->stackBytes = numberBefore(line, " bytes stack frame");
      current->spillStores = numberBefore(line, " bytes spill stores");
      current->spillLoads = numberBefore(line, " bytes spill loads");
    } else if (line.contains("Used ")) {
      current->registers = numberBefore(line, " registers");
      current->sharedBytes = numberBefore(line, " bytes smem");
    }
  }
  return out;
}

std::vector<std::string> stringsOf(ModuleOp module, llvm::StringRef attribute) {
  std::vector<std::string> out;
  if (auto array = module->getAttrOfType<ArrayAttr>(attribute))
    for (Attribute a : array)
      out.push_back(cast<StringAttr>(a).str());
  module->removeAttr(attribute);
  return out;
}

/// ptxas over each architecture's PTX; fills description.cudaModules.
llvm::Error assembleKernels(gpu::BinaryOp binary, const TargetOptions &options,
                            ArtifactDescription &description,
                            std::vector<llvm::StringMap<KernelResources>> &resources) {
  TempDir dir;
  if (llvm::Error e = dir.create("kiln-ptxas"))
    return e;
  std::string ptxas = (llvm::Twine(options.cudaToolkit) + "/" + kPtxasPath).str();
  for (Attribute attr : binary.getObjects()) {
    auto object = cast<gpu::ObjectAttr>(attr);
    auto target = dyn_cast<NVVM::NVVMTargetAttr>(object.getTarget());
    std::optional<unsigned> sm = target ? parseGPUArch(target.getChip()) : std::nullopt;
    if (!sm)
      return makeCodegenError("the kernel binary has an object for a target that is not CUDA");
    std::string arch = target.getChip().str();
    std::string ptxPath = dir.file(arch + ".ptx"), cubinPath = dir.file(arch + ".cubin");
    if (llvm::Error e = writeFile(ptxPath, object.getObject().getValue()))
      return e;
    std::string log, archFlag = "-arch=" + arch;
    llvm::SmallVector<llvm::StringRef> args = {ptxas,   archFlag, "-O3",    "-v",
                                               ptxPath, "-o",     cubinPath};
    if (llvm::Error e =
            runTool(args, dir.file(arch + ".log"), "assembling the " + arch + " kernels", log))
      return e;
    llvm::Expected<std::string> cubin = readFile(cubinPath);
    if (!cubin)
      return cubin.takeError();
    description.cudaModules.push_back({*sm, std::vector<char>(cubin->begin(), cubin->end())});
    resources.push_back(parseResources(log));
  }
  return llvm::Error::success();
}

/// The C half of the emulation image (runtime/lib/abi.h, kiln_emu_image): the services the
/// kernels' host twins call, and the tables of their entries and device globals.
StubExtras emulationStub(ModuleOp module, const ArtifactDescription &description) {
  StubExtras extras;
  std::string &c = extras.code;
  c += R"(
/* The emulated CUDA device: services of the kernels' host twins. */
__attribute__((visibility("hidden"))) int64_t kiln_emu_id(int64_t thread, int64_t which) {
  return ((kiln_emu_thread *)(intptr_t)thread)->id[which];
}
__attribute__((visibility("hidden"))) void kiln_emu_barrier(int64_t thread) {
  kiln_emu_thread *self = (kiln_emu_thread *)(intptr_t)thread;
  self->barrier(self);
}
__attribute__((visibility("hidden"))) void kiln_emu_fault(int64_t thread, int64_t dim,
                                                          int64_t index, int64_t size) {
  kiln_emu_thread *self = (kiln_emu_thread *)(intptr_t)thread;
  self->fault(self, dim, index, size);
}
__attribute__((visibility("hidden"))) void kiln_emu_unwritten(int64_t thread, int64_t index) {
  kiln_emu_thread *self = (kiln_emu_thread *)(intptr_t)thread;
  self->unwritten(self, index);
}
__attribute__((visibility("hidden"))) int64_t kiln_emu_shuffle(int64_t thread, int64_t value,
                                                              int64_t offset, int64_t width,
                                                              int64_t mode) {
  kiln_emu_thread *self = (kiln_emu_thread *)(intptr_t)thread;
  return self->shuffle(self, value, offset, width, mode);
}
__attribute__((visibility("hidden"))) void kiln_emu_matrix(int64_t thread, int64_t op,
                                                           int64_t *allocated, int64_t *aligned,
                                                           int64_t offset, int64_t size,
                                                           int64_t stride) {
  kiln_emu_thread *self = (kiln_emu_thread *)(intptr_t)thread;
  self->matrix(self, op, aligned + offset);
}
)";
  std::vector<std::string> entries = stringsOf(module, "kiln.emulation_kernels");
  if (entries.size() != description.kernels.size())
    return extras; // no emulation image: the emulated device refuses the artifact
  for (const std::string &entry : entries)
    c += "void " + entry + "(int64_t, void **);\n";
  std::vector<std::string> barriers = stringsOf(module, "kiln.emulation_barriers");
  std::vector<int64_t> paramCounts;
  if (auto array = module->getAttrOfType<ArrayAttr>("kiln.emulation_param_counts"))
    for (Attribute a : array)
      paramCounts.push_back(cast<IntegerAttr>(a).getInt());
  module->removeAttr("kiln.emulation_param_counts");
  if (paramCounts.size() != entries.size())
    return extras;
  // Each kernel's shadow bytes of its workgroup buffers, cleared before each block.
  llvm::StringMap<std::vector<std::pair<std::string, int64_t>>> shadows;
  if (auto array = module->getAttrOfType<ArrayAttr>("kiln.emulation_shadows"))
    for (Attribute a : array) {
      auto entry = cast<ArrayAttr>(a);
      shadows[cast<StringAttr>(entry[0]).getValue()].push_back(
          {cast<StringAttr>(entry[1]).str(), cast<IntegerAttr>(entry[2]).getInt()});
    }
  module->removeAttr("kiln.emulation_shadows");
  std::string tables;
  for (auto &[kernel, list] : shadows) {
    for (auto &[symbol, bytes] : list)
      tables += "extern char " + symbol + "[];\n";
    tables += "static const kiln_emu_global kiln_emu_shadows_" + kernel.str() + "[] = {\n";
    for (auto &[symbol, bytes] : list)
      tables += "    {\"" + symbol + "\", " + symbol + ", " + std::to_string(bytes) + "},\n";
    tables += "};\n";
  }
  c += tables;
  c += "static const kiln_emu_kernel kiln_emu_kernels[] = {\n";
  for (auto [name, entry, count] : llvm::zip(description.kernels, entries, paramCounts)) {
    auto it = shadows.find(name);
    std::string shadowTable =
        it == shadows.end() ? "0, 0"
                            : std::to_string(it->second.size()) + ", kiln_emu_shadows_" + name;
    c += "    {\"" + name + "\", " +
         (llvm::is_contained(barriers, name) ? "KILN_EMU_KERNEL_BARRIERS" : "0") + ", " + entry +
         ", " + std::to_string(count) + ", " + shadowTable + "},\n";
  }
  c += "    {0, 0, 0, 0, 0, 0}};\n";
  std::vector<std::pair<std::string, int64_t>> globals;
  if (auto array = module->getAttrOfType<ArrayAttr>("kiln.emulation_globals"))
    for (Attribute a : array) {
      auto pair = cast<ArrayAttr>(a);
      globals.push_back({cast<StringAttr>(pair[0]).str(), cast<IntegerAttr>(pair[1]).getInt()});
    }
  module->removeAttr("kiln.emulation_globals");
  for (auto &[symbol, bytes] : globals)
    c += "extern char " + symbol + "[];\n";
  c += "static const kiln_emu_global kiln_emu_globals[] = {\n";
  for (auto &[symbol, bytes] : globals)
    c += "    {\"" + llvm::StringRef(symbol).drop_front(strlen("kiln_emu_")).str() + "\", " +
         symbol + ", " + std::to_string(bytes) + "},\n";
  c += "    {0, 0, 0}};\n";
  c += "static const kiln_emu_image kiln_emu_image_ = {KILN_EMU_MAGIC, " +
       std::to_string(entries.size()) + ", " + std::to_string(globals.size()) +
       ", kiln_emu_kernels, kiln_emu_globals};\n";
  extras.emulation = "&kiln_emu_image_";
  return extras;
}

void printKernelReport(const ArtifactDescription &description, llvm::ArrayRef<std::string> origins,
                       llvm::ArrayRef<std::string> launches,
                       llvm::ArrayRef<llvm::StringMap<KernelResources>> resources,
                       llvm::StringRef memoryPlan) {
  llvm::raw_ostream &os = llvm::outs();
  os << "kernel report: " << description.kernels.size() << " kernels, "
     << description.cudaModules.size() << " architectures\n";
  llvm::SmallVector<llvm::StringRef> plans;
  memoryPlan.trim().split(plans, '\n', -1, false);
  for (llvm::StringRef plan : plans)
    os << "device memory plan: " << plan << "\n";
  os << llvm::format("%-16s %-6s %5s %6s %6s %8s  %-18s %s\n", "kernel", "arch", "regs", "smem",
                     "stack", "spills", "grid block", "origin");
  for (auto [k, name] : llvm::enumerate(description.kernels))
    for (auto [m, module] : llvm::enumerate(description.cudaModules)) {
      KernelResources r = resources[m].lookup(name);
      os << llvm::format("%-16s sm_%-3u %5u %6u %6u %8u  %-18s %s\n", name.c_str(), module.sm,
                         r.registers, r.sharedBytes, r.stackBytes, r.spillStores + r.spillLoads,
                         k < launches.size() ? launches[k].c_str() : "",
                         k < origins.size() ? origins[k].c_str() : "");
    }
}

} // namespace

llvm::Error kiln::writeCUDAArtifact(ModuleOp module, const TargetOptions &options,
                                    ArtifactDescription &description, llvm::StringRef outputPath,
                                    TimingScope &timing) {
  description.cuda = true;
  description.kernels = stringsOf(module, "kiln.kernels");
  description.sites = stringsOf(module, "kiln.error_sites");
  std::vector<std::string> origins = stringsOf(module, "kiln.kernel_origins");
  std::vector<std::string> launches = stringsOf(module, "kiln.kernel_launches");
  std::string memoryPlan;
  if (auto plan = module->getAttrOfType<StringAttr>("kiln.memory_plan"))
    memoryPlan = plan.str();
  module->removeAttr("kiln.memory_plan");
  std::vector<llvm::StringMap<KernelResources>> resources;
  SmallVector<gpu::BinaryOp> binaries(module.getOps<gpu::BinaryOp>());
  if (binaries.size() > 1)
    return makeCodegenError("the CUDA lowering left more than one kernel binary");
  if (!binaries.empty()) {
    TimingScope t = timing.nest("ptxas");
    if (llvm::Error e = assembleKernels(binaries.front(), options, description, resources))
      return e;
    binaries.front().erase();
  }
  module->removeAttr(gpu::GPUDialect::getContainerModuleAttrName());
  if (options.kernelReport)
    printKernelReport(description, origins, launches, resources, memoryPlan);
  {
    TimingScope t = timing.nest("weights");
    externalizeConstants(module, 0, /*everyConstant=*/true, description);
  }
  StubExtras extras = emulationStub(module, description);
  if (llvm::Error e =
          emitHostCode(module, options, extras, HostOptimization::Light, description, timing))
    return e;
  TimingScope t = timing.nest("write artifact");
  return writeArtifact(outputPath, description);
}
