//===- ArtifactReader.cpp - Parse and validate an artifact ----------------===//
//
// Bounds-checked fixed-size reads only; every size from the file is compared with what is
// left before it is used, and every offset + size is overflow-checked.
//
//===----------------------------------------------------------------------===//

#include "artifact/ArtifactReader.h"

#include "artifact/CodeImports.h"

#include "artifact/ArtifactFormat.h"
#include "artifact/XXHash.h"

#include <algorithm>
#include <cstdarg>
#include <cinttypes>
#include <cstdio>
#include <cstring>

using namespace kiln;
using namespace kiln::artifact;

namespace {

template <typename T> T load(const uint8_t *p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

std::string format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
std::string format(const char *fmt, ...) {
  char buf[512];
  va_list args;
  va_start(args, fmt);
  vsnprintf(buf, sizeof buf, fmt, args);
  va_end(args);
  return buf;
}

ArtifactError fail(kiln_code code, std::string message) { return {code, std::move(message)}; }

bool knownElementType(uint32_t t) {
  switch (t) {
  case 1: case 2: case 3: case 4: case 5: case 6: case 7: case 9: case 10: case 11: case 12:
  case 13: case 16:
    return true;
  default:
    return false;
  }
}

struct Section {
  uint32_t kind, flags, alignment;
  uint64_t offset, size, checksum;
  unsigned index;
};

/// Reads the records of the metadata section.
class MetadataReader {
public:
  /// `cudaSections`: the image and size of each 'cuda-module' section, in order.
  MetadataReader(const uint8_t *data, uint64_t size,
                 std::vector<std::pair<const uint8_t *, uint64_t>> cudaSections = {})
      : data(data), size(size), cudaSections(std::move(cudaSections)) {}

  ArtifactError read(ArtifactContents &out) {
    // The string table first: every other record refers to it.
    for (uint64_t pos = 0, index = 0; pos < size; ++index) {
      Record r;
      if (ArtifactError e = next(pos, index, r))
        return e;
      if (r.tag == uint16_t(RecordTag::Strtab)) {
        if (strtab)
          return fail(KILN_DATA_LOSS, "metadata: more than one string table");
        strtab = r.payload, strtabSize = r.length;
      }
    }
    if (!strtab || strtabSize == 0 || strtab[strtabSize - 1] != 0)
      return fail(KILN_DATA_LOSS, "metadata: missing or unterminated string table");
    bool sawTarget = false, sawEntry = false;
    uint32_t numInputs = 0, numOutputs = 0;
    for (uint64_t pos = 0, index = 0; pos < size; ++index) {
      Record r;
      next(pos, index, r);
      auto where = [&](const char *what) {
        return format("metadata record %" PRIu64 " (%s)", index, what);
      };
      switch (RecordTag(r.tag)) {
      case RecordTag::Strtab:
        break;
      case RecordTag::Target: {
        if (r.length < kTargetRecordSize)
          return fail(KILN_DATA_LOSS, where("target") + ": too short");
        if (load<uint32_t>(r.payload) != out.target)
          return fail(KILN_DATA_LOSS, where("target") + ": device disagrees with the header");
        if (ArtifactError e = string(load<uint32_t>(r.payload + 8), out.cpu, where("target")))
          return e;
        if (ArtifactError e =
                string(load<uint32_t>(r.payload + 12), out.cpuFeatures, where("target")))
          return e;
        if (ArtifactError e = string(load<uint32_t>(r.payload + 16), out.producer, where("target")))
          return e;
        if (ArtifactError e =
                string(load<uint32_t>(r.payload + 20), out.modelName, where("target")))
          return e;
        sawTarget = true;
        break;
      }
      case RecordTag::Entry: {
        if (r.length < kEntryRecordSize)
          return fail(KILN_DATA_LOSS, where("entry") + ": too short");
        if (sawEntry)
          return fail(KILN_UNIMPLEMENTED,
                      where("entry") + ": more than one entry point (this runtime runs one)");
        if (load<uint32_t>(r.payload) != 0)
          return fail(KILN_DATA_LOSS, where("entry") + ": entry index is not 0");
        if (ArtifactError e = string(load<uint32_t>(r.payload + 4), out.entryName, where("entry")))
          return e;
        numInputs = load<uint32_t>(r.payload + 8);
        numOutputs = load<uint32_t>(r.payload + 12);
        // Each tensor needs a record of at least 32 bytes, which bounds the counts.
        if (numInputs > size / 32 || numOutputs > size / 32 || numOutputs == 0)
          return fail(KILN_DATA_LOSS, format("%s: implausible counts: %u inputs, %u outputs",
                                             where("entry").c_str(), numInputs, numOutputs));
        out.inputs.resize(numInputs);
        out.outputs.resize(numOutputs);
        sawEntry = true;
        break;
      }
      case RecordTag::Tensor: {
        if (!sawEntry)
          return fail(KILN_DATA_LOSS, where("tensor") + ": before the entry record");
        if (ArtifactError e = tensor(r, out, where("tensor")))
          return e;
        break;
      }
      case RecordTag::CudaModule: {
        if (r.length < 8)
          return fail(KILN_DATA_LOSS, where("cuda_module") + ": too short");
        uint32_t module = load<uint32_t>(r.payload), sm = load<uint32_t>(r.payload + 4);
        if (module != out.cudaModules.size() || module >= cudaSections.size())
          return fail(KILN_DATA_LOSS, format("%s: module %u does not match the %zu "
                                             "'cuda-module' sections",
                                             where("cuda_module").c_str(), module,
                                             cudaSections.size()));
        if (sm < 30 || sm > 1000)
          return fail(KILN_DATA_LOSS, format("%s: implausible compute capability %u",
                                             where("cuda_module").c_str(), sm));
        out.cudaModules.push_back({sm, cudaSections[module].first, cudaSections[module].second});
        break;
      }
      case RecordTag::Kernel: {
        if (r.length < 20)
          return fail(KILN_DATA_LOSS, where("kernel") + ": too short");
        uint32_t kernel = load<uint32_t>(r.payload), module = load<uint32_t>(r.payload + 4);
        std::string name;
        if (ArtifactError e = string(load<uint32_t>(r.payload + 8), name, where("kernel")))
          return e;
        // Every module holds every kernel: module 0's records give the table, the others
        // must agree with it.
        if (module != 0) {
          if (kernel >= out.kernels.size() || out.kernels[kernel] != name)
            return fail(KILN_DATA_LOSS, where("kernel") + ": modules disagree on the kernels");
          break;
        }
        if (kernel != out.kernels.size() || name.empty())
          return fail(KILN_DATA_LOSS, where("kernel") + ": kernels out of order");
        out.kernels.push_back(name);
        break;
      }
      case RecordTag::Site: {
        if (r.length < 12)
          return fail(KILN_DATA_LOSS, where("site") + ": too short");
        std::string name;
        if (ArtifactError e = string(load<uint32_t>(r.payload + 4), name, where("site")))
          return e;
        if (load<uint32_t>(r.payload) != out.sites.size() + 1)
          return fail(KILN_DATA_LOSS, where("site") + ": sites out of order");
        out.sites.push_back(name);
        break;
      }
      default:
        if (!(r.flags & kRecordOptional))
          return fail(KILN_UNIMPLEMENTED,
                      format("%s: unknown required record tag %u (written by a newer "
                             "kiln-compile?)",
                             where("unknown").c_str(), r.tag));
      }
    }
    if (!sawTarget)
      return fail(KILN_DATA_LOSS, "metadata: missing the target record");
    if (out.cudaModules.size() != cudaSections.size())
      return fail(KILN_DATA_LOSS, format("metadata: %zu cuda_module records for %zu "
                                         "'cuda-module' sections",
                                         out.cudaModules.size(), cudaSections.size()));
    if (!sawEntry)
      return fail(KILN_DATA_LOSS, "metadata: missing the entry record");
    for (auto *list : {&out.inputs, &out.outputs})
      for (size_t i = 0; i < list->size(); ++i)
        if ((*list)[i].elementType == KILN_ELEMENT_TYPE_INVALID)
          return fail(KILN_DATA_LOSS, format("metadata: %s %zu has no tensor record",
                                             list == &out.inputs ? "input" : "output", i));
    for (auto *list : {&out.inputs, &out.outputs})
      for (size_t i = 0; i < list->size(); ++i)
        for (size_t j = 0; j < i; ++j)
          if ((*list)[i].name == (*list)[j].name)
            return fail(KILN_DATA_LOSS, "metadata: duplicate tensor name '" + (*list)[i].name + "'");
    return {};
  }

private:
  std::vector<std::pair<const uint8_t *, uint64_t>> cudaSections;

  struct Record {
    uint16_t tag, flags;
    uint32_t length;
    const uint8_t *payload;
  };

  ArtifactError next(uint64_t &pos, uint64_t index, Record &r) {
    if (size - pos < kRecordHeaderSize)
      return fail(KILN_DATA_LOSS, format("metadata record %" PRIu64 ": truncated header", index));
    r.tag = load<uint16_t>(data + pos);
    r.flags = load<uint16_t>(data + pos + 2);
    r.length = load<uint32_t>(data + pos + 4);
    pos += kRecordHeaderSize;
    if (r.length > size - pos)
      return fail(KILN_DATA_LOSS, format("metadata record %" PRIu64 ": length %u past the end of "
                                         "the section",
                                         index, r.length));
    r.payload = data + pos;
    pos += (uint64_t(r.length) + 7) & ~uint64_t(7);
    pos = std::min(pos, size);
    return {};
  }

  ArtifactError string(uint32_t offset, std::string &out, const std::string &where) {
    if (offset >= strtabSize)
      return fail(KILN_DATA_LOSS,
                  format("%s: string offset %u outside the string table (%" PRIu64 " bytes)",
                         where.c_str(), offset, strtabSize));
    const char *s = reinterpret_cast<const char *>(strtab + offset);
    size_t length = strnlen(s, std::min<uint64_t>(strtabSize - offset, kMaxString + 1));
    if (length > kMaxString)
      return fail(KILN_DATA_LOSS, where + ": string longer than 4096 bytes");
    out.assign(s, length);
    return {};
  }

  ArtifactError tensor(const Record &r, ArtifactContents &out, const std::string &where) {
    if (r.length < kTensorRecordSize)
      return fail(KILN_DATA_LOSS, where + ": too short");
    uint32_t entry = load<uint32_t>(r.payload);
    uint8_t role = r.payload[4], flags = r.payload[5];
    uint16_t rank = load<uint16_t>(r.payload + 6);
    uint32_t index = load<uint32_t>(r.payload + 8), elementType = load<uint32_t>(r.payload + 12);
    if (entry != 0 || role > 1)
      return fail(KILN_DATA_LOSS, format("%s: bad entry %u or role %u", where.c_str(), entry, role));
    std::vector<TensorDecl> &list = role == 0 ? out.inputs : out.outputs;
    if (index >= list.size())
      return fail(KILN_DATA_LOSS, format("%s: %s index %u out of range (%zu %ss)", where.c_str(),
                                         role ? "output" : "input", index, list.size(),
                                         role ? "output" : "input"));
    TensorDecl &t = list[index];
    if (t.elementType != KILN_ELEMENT_TYPE_INVALID)
      return fail(KILN_DATA_LOSS, format("%s: %s %u described twice", where.c_str(),
                                         role ? "output" : "input", index));
    if (!knownElementType(elementType))
      return fail(KILN_DATA_LOSS, format("%s: unknown element type %u", where.c_str(), elementType));
    if (rank > kMaxRank)
      return fail(KILN_DATA_LOSS, format("%s: rank %u over %u", where.c_str(), rank, kMaxRank));
    if (r.length < kTensorRecordSize + uint64_t(rank) * kTensorDimSize)
      return fail(KILN_DATA_LOSS, format("%s: too short for rank %u", where.c_str(), rank));
    if (ArtifactError e = string(load<uint32_t>(r.payload + 16), t.name, where))
      return e;
    if (flags & ~kTensorFlagHostValue)
      return fail(KILN_DATA_LOSS, format("%s: unknown flags 0x%x", where.c_str(), flags));
    t.flags = flags;
    for (unsigned d = 0; d < rank; ++d) {
      const uint8_t *p = r.payload + kTensorRecordSize + d * kTensorDimSize;
      int64_t dim = load<int64_t>(p);
      if (dim < -1 || dim > (int64_t(1) << 48))
        return fail(KILN_DATA_LOSS,
                    format("%s: dim %u is %" PRId64, where.c_str(), d, dim));
      t.dims.push_back(dim);
      t.dimParams.emplace_back();
      if (ArtifactError e = string(load<uint32_t>(p + 12), t.dimParams.back(), where))
        return e;
    }
    t.elementType = kiln_element_type(elementType);
    return {};
  }

  const uint8_t *data;
  uint64_t size;
  const uint8_t *strtab = nullptr;
  uint64_t strtabSize = 0;
};

} // namespace

uint32_t kiln::hostMachine() {
#if defined(__x86_64__)
  return kMachineX86_64;
#elif defined(__aarch64__)
  return kMachineAArch64;
#else
  return 0;
#endif
}

ArtifactError kiln::readArtifact(const uint8_t *data, uint64_t size, Checksums checksums,
                                 ArtifactContents &out) {
  if (size < kHeaderSize)
    return fail(KILN_DATA_LOSS, format("truncated: %" PRIu64 " bytes, smaller than the 64-byte "
                                       "header",
                                       size));
  if (std::memcmp(data, kMagic, sizeof kMagic) != 0)
    return fail(KILN_INVALID_ARGUMENT,
                format("not a Kiln artifact (bad magic %02x %02x %02x %02x ...); compile ONNX "
                       "models with kiln-compile first",
                       data[0], data[1], data[2], data[3]));
  uint32_t version = load<uint32_t>(data + header::formatVersion);
  if (version == 0 || version > kFormatVersion)
    return fail(KILN_UNIMPLEMENTED,
                format("artifact format version %u is %s than this runtime reads (%u)%s", version,
                       version ? "newer" : "older", kFormatVersion,
                       version ? "; upgrade the runtime" : ""));
  uint32_t headerSize = load<uint32_t>(data + header::headerSize);
  if (headerSize < kHeaderSize || headerSize > size)
    return fail(KILN_DATA_LOSS, format("header size %u is invalid", headerSize));
  if (load<uint32_t>(data + header::reserved) != 0)
    return fail(KILN_DATA_LOSS, "reserved header field is not zero");
  uint32_t flags = load<uint32_t>(data + header::flags);
  if (flags)
    return fail(KILN_UNIMPLEMENTED,
                format("unknown header flags 0x%x (written by a newer kiln-compile?)", flags));
  uint64_t fileSize = load<uint64_t>(data + header::fileSize);
  if (fileSize != size)
    return fail(KILN_DATA_LOSS, format("%s: header declares %" PRIu64 " bytes, the file has %" PRIu64,
                                       fileSize > size ? "truncated" : "trailing bytes", fileSize,
                                       size));
  uint32_t count = load<uint32_t>(data + header::sectionCount);
  uint64_t tableOffset = load<uint64_t>(data + header::sectionTableOffset);
  uint32_t entrySize = load<uint32_t>(data + header::sectionEntrySize);
  if (count == 0 || count > kMaxSections)
    return fail(KILN_DATA_LOSS, format("section count %u outside 1..1024", count));
  if (entrySize < kSectionEntrySize || entrySize > 4096)
    return fail(KILN_DATA_LOSS, format("section entry size %u is invalid", entrySize));
  if (tableOffset < headerSize || tableOffset % 8 || tableOffset > size ||
      uint64_t(count) * entrySize > size - tableOffset)
    return fail(KILN_DATA_LOSS, format("section table at %" PRIu64 " (%u entries) lies outside "
                                       "the file",
                                       tableOffset, count));
  XXH64 root;
  uint8_t headerCopy[4096];
  std::memcpy(headerCopy, data, std::min<uint32_t>(headerSize, sizeof headerCopy));
  std::memset(headerCopy + header::rootChecksum, 0, 8);
  if (headerSize <= sizeof headerCopy) {
    root.update(headerCopy, headerSize);
  } else {
    root.update(headerCopy, sizeof headerCopy);
    root.update(data + sizeof headerCopy, headerSize - sizeof headerCopy);
  }
  root.update(data + tableOffset, uint64_t(count) * entrySize);
  uint64_t stored = load<uint64_t>(data + header::rootChecksum), computed = root.digest();
  if (stored != computed && checksums != Checksums::None)
    return fail(KILN_DATA_LOSS, format("header checksum mismatch (stored 0x%016" PRIx64
                                       ", computed 0x%016" PRIx64 ")",
                                       stored, computed));
  out.target = load<uint32_t>(data + header::target);
  if (out.target != uint32_t(Target::CPU) && out.target != uint32_t(Target::CUDA))
    return fail(KILN_UNIMPLEMENTED,
                format("unknown target %u (this runtime knows cpu, cuda)", out.target));
  uint32_t arch = load<uint32_t>(data + header::hostArch);
  if (arch != hostMachine())
    return fail(KILN_INVALID_ARGUMENT,
                format("compiled for ELF machine %u, this machine is %u", arch, hostMachine()));

  std::vector<Section> sections;
  for (uint32_t i = 0; i < count; ++i) {
    const uint8_t *e = data + tableOffset + uint64_t(i) * entrySize;
    Section s{load<uint32_t>(e + section::kind),      load<uint32_t>(e + section::flags),
              load<uint32_t>(e + section::alignment), load<uint64_t>(e + section::offset),
              load<uint64_t>(e + section::size),      load<uint64_t>(e + section::checksum), i};
    const char *name = sectionName(s.kind);
    if (s.flags & ~kSectionOptional || load<uint32_t>(e + section::reserved))
      return fail(KILN_DATA_LOSS, format("section %u: unknown flags 0x%x", i, s.flags));
    if (s.offset > size || s.size > size - s.offset)
      return fail(KILN_DATA_LOSS, format("truncated: section '%s' ends past the file's %" PRIu64
                                         " bytes",
                                         name, size));
    if (s.alignment == 0 || s.alignment > 65536 || (s.alignment & (s.alignment - 1)) ||
        s.offset % s.alignment)
      return fail(KILN_DATA_LOSS, format("section '%s': offset %" PRIu64 " does not have its "
                                         "alignment %u",
                                         name, s.offset, s.alignment));
    if (s.offset < tableOffset + uint64_t(count) * entrySize)
      return fail(KILN_DATA_LOSS, format("section '%s' overlaps the header or section table", name));
    if (s.kind < 1 || s.kind > 5) {
      if (s.flags & kSectionOptional)
        continue;
      return fail(KILN_UNIMPLEMENTED, format("section %u: unknown required kind %u (written by "
                                             "a newer kiln-compile?)",
                                             i, s.kind));
    }
    sections.push_back(s);
  }
  std::vector<Section> sorted = sections;
  std::sort(sorted.begin(), sorted.end(),
            [](const Section &a, const Section &b) { return a.offset < b.offset; });
  for (size_t i = 1; i < sorted.size(); ++i)
    if (sorted[i].offset < sorted[i - 1].offset + sorted[i - 1].size)
      return fail(KILN_DATA_LOSS, format("sections '%s' and '%s' overlap",
                                         sectionName(sorted[i - 1].kind),
                                         sectionName(sorted[i].kind)));
  const Section *metadata = nullptr, *code = nullptr, *weights = nullptr;
  for (const Section &s : sections) {
    const Section **slot = s.kind == 1 ? &metadata : s.kind == 2 ? &code : s.kind == 3 ? &weights : nullptr;
    if (s.kind == 4 && out.target == uint32_t(Target::CPU))
      return fail(KILN_DATA_LOSS, "a cpu artifact has a 'cuda-module' section");
    if (!slot)
      continue;
    if (*slot)
      return fail(KILN_DATA_LOSS, format("more than one '%s' section", sectionName(s.kind)));
    *slot = &s;
  }
  if (!metadata)
    return fail(KILN_DATA_LOSS, "missing section 'metadata'");
  if (!code)
    return fail(KILN_DATA_LOSS, "missing section 'code'");
  for (const Section &s : sections) {
    if (checksums == Checksums::None || (&s == weights && checksums == Checksums::AllButWeights))
      continue;
    uint64_t computedSum = XXH64::hash(data + s.offset, s.size);
    if (computedSum != s.checksum)
      return fail(KILN_DATA_LOSS, format("section '%s' checksum mismatch (stored 0x%016" PRIx64
                                         ", computed 0x%016" PRIx64 ")",
                                         sectionName(s.kind), s.checksum, computedSum));
  }
  std::vector<std::pair<const uint8_t *, uint64_t>> cudaSections;
  for (const Section &s : sections)
    if (s.kind == uint32_t(SectionKind::CudaModule))
      cudaSections.push_back({data + s.offset, s.size});
  if (ArtifactError e = MetadataReader(data + metadata->offset, metadata->size,
                                       std::move(cudaSections))
                            .read(out))
    return e;
  if (out.target == uint32_t(Target::CUDA) && out.cudaModules.empty() && !out.kernels.empty())
    return fail(KILN_DATA_LOSS, "a cuda artifact with kernels has no 'cuda-module' section");
  if (code->size < 64 || std::memcmp(data + code->offset, "\x7f" "ELF", 4) != 0 ||
      data[code->offset + 4] != 2 /*ELFCLASS64*/ || load<uint16_t>(data + code->offset + 16) != 3 /*ET_DYN*/ ||
      load<uint16_t>(data + code->offset + 18) != hostMachine())
    return fail(KILN_DATA_LOSS, "section 'code' is not a shared object for this machine");
  std::string imports = checkCodeImports(data + code->offset, code->size);
  if (!imports.empty())
    return fail(KILN_DATA_LOSS, "section 'code': " + imports);
  out.code = data + code->offset;
  out.codeSize = code->size;
  if (weights) {
    if (weights->offset % kWeightsAlignment)
      return fail(KILN_DATA_LOSS, "section 'weights' is not 64 KiB aligned");
    out.weightsOffset = weights->offset;
    out.weightsSize = weights->size;
  }
  return {};
}
