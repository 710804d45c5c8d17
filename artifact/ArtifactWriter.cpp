//===- ArtifactWriter.cpp - Write a Kiln artifact file ---------------------===//

#include "artifact/ArtifactWriter.h"

#include "artifact/ArtifactFormat.h"
#include "artifact/XXHash.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>

using namespace llvm;
using namespace kiln;
using namespace kiln::artifact;

namespace {

uint64_t alignTo(uint64_t x, uint64_t a) { return (x + a - 1) / a * a; }

/// Little-endian byte buffer with the metadata record helpers.
class Bytes {
public:
  template <typename T> void put(T v) {
    char raw[sizeof v];
    std::memcpy(raw, &v, sizeof v);
    data.append(raw, sizeof v);
  }
  void padTo(uint64_t alignment) { data.resize(alignTo(data.size(), alignment), '\0'); }
  std::string data;
};

class MetadataBuilder {
public:
  MetadataBuilder() { strtab.push_back('\0'); }

  uint32_t string(StringRef s) {
    auto [it, inserted] = strings.try_emplace(s, uint32_t(strtab.size()));
    if (inserted) {
      strtab.append(s.begin(), s.end());
      strtab.push_back('\0');
    }
    return it->second;
  }

  void record(RecordTag tag, const Bytes &payload) {
    records.put(uint16_t(tag));
    records.put(uint16_t(0));
    records.put(uint32_t(payload.data.size()));
    records.data += payload.data;
    records.padTo(8);
  }

  std::string finish() {
    Bytes out;
    out.put(uint16_t(RecordTag::Strtab));
    out.put(uint16_t(0));
    out.put(uint32_t(strtab.size()));
    out.data += strtab;
    out.padTo(8);
    return out.data + records.data;
  }

private:
  std::string strtab;
  StringMap<uint32_t> strings;
  Bytes records;
};

std::string buildMetadata(const ArtifactDescription &a) {
  MetadataBuilder m;
  Bytes target;
  uint32_t lowestSm = 0;
  for (const auto &module : a.cudaModules)
    lowestSm = lowestSm ? std::min(lowestSm, module.sm) : module.sm;
  target.put(uint32_t(a.cuda ? Target::CUDA : Target::CPU));
  target.put(lowestSm);
  target.put(m.string(a.cpu));
  target.put(m.string(a.cpuFeatures));
  target.put(m.string(a.producer));
  target.put(m.string(a.modelName));
  m.record(RecordTag::Target, target);
  Bytes entry;
  entry.put(uint32_t(0));
  entry.put(m.string("main"));
  entry.put(uint32_t(a.inputs.size()));
  entry.put(uint32_t(a.outputs.size()));
  entry.put(~uint64_t(0)); // scratch: allocated by the code itself in format version 1
  entry.put(~uint64_t(0));
  m.record(RecordTag::Entry, entry);
  for (auto [role, list] : {std::pair{0, &a.inputs}, std::pair{1, &a.outputs}}) {
    for (auto [index, t] : llvm::enumerate(*list)) {
      Bytes r;
      r.put(uint32_t(0));
      r.put(uint8_t(role));
      r.put(uint8_t(t.hostValue ? kTensorFlagHostValue : 0));
      r.put(uint16_t(t.dims.size()));
      r.put(uint32_t(index));
      r.put(t.elementType);
      r.put(m.string(t.name));
      r.put(uint32_t(0));
      for (auto [dim, param] : llvm::zip(t.dims, t.dimParams)) {
        r.put(int64_t(dim));
        r.put(int32_t(-1));
        r.put(m.string(param));
      }
      m.record(RecordTag::Tensor, r);
    }
  }
  for (auto [index, module] : llvm::enumerate(a.cudaModules)) {
    Bytes r;
    r.put(uint32_t(index));
    r.put(module.sm);
    m.record(RecordTag::CudaModule, r);
    for (auto [kernel, function] : llvm::enumerate(a.kernels)) {
      Bytes k;
      k.put(uint32_t(kernel));
      k.put(uint32_t(index));
      k.put(m.string(function));
      k.put(uint32_t(0)); // no dynamic shared memory yet
      k.put(uint32_t(0));
      m.record(RecordTag::Kernel, k);
    }
  }
  for (auto [index, site] : llvm::enumerate(a.sites)) {
    Bytes r;
    r.put(uint32_t(index + 1));
    r.put(m.string(site));
    r.put(m.string(""));
    m.record(RecordTag::Site, r);
  }
  return m.finish();
}

struct SectionPlan {
  SectionKind kind;
  uint64_t offset, size;
  uint32_t alignment;
  uint64_t checksum;
};

/// Calls emit(bytes) over the weights section's content, padding included.
template <typename F> void forEachWeightsChunk(const ArtifactDescription &a, F emit) {
  static const char zeros[kConstantAlignment] = {};
  uint64_t at = 0;
  for (auto &[offset, bytes] : a.weights) {
    for (; at < offset; at += std::min<uint64_t>(offset - at, sizeof zeros))
      emit(StringRef(zeros, std::min<uint64_t>(offset - at, sizeof zeros)));
    emit(StringRef(bytes.data(), bytes.size()));
    at += bytes.size();
  }
  for (; at < a.weightsSize; at += std::min<uint64_t>(a.weightsSize - at, sizeof zeros))
    emit(StringRef(zeros, std::min<uint64_t>(a.weightsSize - at, sizeof zeros)));
}

} // namespace

Error kiln::writeArtifact(StringRef path, const ArtifactDescription &a) {
  std::string metadata = buildMetadata(a);
  std::vector<SectionPlan> sections;
  uint32_t count = (a.weightsSize ? 3 : 2) + a.cudaModules.size();
  uint64_t at = kHeaderSize + uint64_t(count) * kSectionEntrySize;
  auto place = [&](SectionKind kind, uint64_t size, uint32_t alignment, uint64_t checksum) {
    at = alignTo(at, alignment);
    sections.push_back({kind, at, size, alignment, checksum});
    at += size;
  };
  place(SectionKind::Metadata, metadata.size(), 8, XXH64::hash(metadata.data(), metadata.size()));
  place(SectionKind::Code, a.code.size(), 16, XXH64::hash(a.code.data(), a.code.size()));
  for (const auto &module : a.cudaModules)
    place(SectionKind::CudaModule, module.image.size(), 256,
          XXH64::hash(module.image.data(), module.image.size()));
  if (a.weightsSize) {
    XXH64 h;
    forEachWeightsChunk(a, [&](StringRef s) { h.update(s.data(), s.size()); });
    place(SectionKind::Weights, a.weightsSize, kWeightsAlignment, h.digest());
  }
  uint64_t fileSize = at;

  Bytes table;
  for (const SectionPlan &s : sections) {
    table.put(uint32_t(s.kind));
    table.put(uint32_t(0));
    table.put(s.offset);
    table.put(s.size);
    table.put(s.alignment);
    table.put(uint32_t(0));
    table.put(s.checksum);
  }
  Bytes header;
  header.data.append(reinterpret_cast<const char *>(kMagic), sizeof kMagic);
  header.put(kFormatVersion);
  header.put(kHeaderSize);
  header.put(fileSize);
  header.put(uint32_t(a.cuda ? Target::CUDA : Target::CPU));
#if defined(__aarch64__)
  header.put(kMachineAArch64);
#else
  header.put(kMachineX86_64);
#endif
  header.put(uint32_t(0));
  header.put(count);
  header.put(uint64_t(kHeaderSize));
  header.put(kSectionEntrySize);
  header.put(uint32_t(0));
  header.put(uint64_t(0));
  XXH64 root;
  root.update(header.data.data(), header.data.size());
  root.update(table.data.data(), table.data.size());
  uint64_t rootChecksum = root.digest();
  std::memcpy(&header.data[kHeaderSize - 8], &rootChecksum, 8);

  // Write next to the destination and rename, so a failed or interrupted compile leaves
  // nothing and a loaded artifact is never rewritten in place.
  SmallString<256> tmp;
  int fd;
  if (std::error_code ec = sys::fs::createUniqueFile(path + ".tmp-%%%%%%", fd, tmp))
    return createStringError(ec, "cannot create '%s.tmp-*': %s", path.str().c_str(),
                             ec.message().c_str());
  {
    raw_fd_ostream os(fd, /*shouldClose=*/true);
    uint64_t written = 0;
    auto padTo = [&](uint64_t offset) {
      for (; written < offset; ++written)
        os << '\0';
    };
    os << header.data << table.data;
    written = header.data.size() + table.data.size();
    unsigned cudaModule = 0;
    for (const SectionPlan &s : sections) {
      padTo(s.offset);
      if (s.kind == SectionKind::Metadata)
        os << metadata;
      else if (s.kind == SectionKind::Code)
        os.write(reinterpret_cast<const char *>(a.code.data()), a.code.size());
      else if (s.kind == SectionKind::CudaModule) {
        const std::vector<char> &image = a.cudaModules[cudaModule++].image;
        os.write(image.data(), image.size());
      } else
        forEachWeightsChunk(a, [&](StringRef bytes) { os << bytes; });
      written += s.size;
    }
    os.close();
    if (os.has_error()) {
      std::error_code ec = os.error();
      os.clear_error();
      sys::fs::remove(tmp);
      return createStringError(ec, "error writing '%s': %s", tmp.c_str(), ec.message().c_str());
    }
  }
  if (std::error_code ec = sys::fs::rename(tmp, path)) {
    sys::fs::remove(tmp);
    return createStringError(ec, "cannot rename '%s' to '%s': %s", tmp.c_str(),
                             path.str().c_str(), ec.message().c_str());
  }
  return Error::success();
}
