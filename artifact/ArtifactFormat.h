//===- ArtifactFormat.h - The Kiln artifact file format -------------------===//
//
// Constants and fixed-size layouts of the artifact file (docs/design/runtime-and-artifact.md,
// section 2), shared by the writer and the reader in this folder. Plain C++17: the runtime
// must not depend on LLVM. All integers are little-endian.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_ARTIFACTFORMAT_H
#define KILN_RUNTIME_ARTIFACTFORMAT_H

#include <cstdint>

namespace kiln::artifact {

constexpr uint8_t kMagic[8] = {0x89, 'K', 'L', 'N', '\r', '\n', 0x1a, '\n'};
constexpr uint32_t kFormatVersion = 1;
constexpr uint32_t kHeaderSize = 64;
constexpr uint32_t kSectionEntrySize = 40;
constexpr uint32_t kMaxSections = 1024;
constexpr uint32_t kMaxRank = 64;
constexpr uint32_t kMaxString = 4096;
constexpr uint32_t kWeightsAlignment = 65536;
constexpr uint32_t kConstantAlignment = 64;

enum class Target : uint32_t { CPU = 1, CUDA = 2 };
constexpr uint32_t kMachineX86_64 = 62, kMachineAArch64 = 183;

enum class SectionKind : uint32_t { Metadata = 1, Code = 2, Weights = 3, CudaModule = 4, Source = 5 };
constexpr uint32_t kSectionOptional = 1;

enum class RecordTag : uint16_t {
  Strtab = 1,
  Target = 2,
  Symbol = 3,
  Entry = 4,
  Tensor = 5,
  Buffer = 6,
  Kernel = 7,
  Site = 8,
  CudaModule = 9,
};
constexpr uint16_t kRecordOptional = 1;
constexpr uint32_t kRecordHeaderSize = 8;
/// Minimum payload sizes of the records this version reads.
constexpr uint32_t kTargetRecordSize = 24;
constexpr uint32_t kEntryRecordSize = 32;
constexpr uint32_t kTensorRecordSize = 24;
constexpr uint32_t kTensorDimSize = 16;

constexpr uint8_t kTensorFlagHostValue = 1;

/// Byte offsets of the header fields.
namespace header {
constexpr unsigned magic = 0, formatVersion = 8, headerSize = 12, fileSize = 16, target = 24,
                   hostArch = 28, flags = 32, sectionCount = 36, sectionTableOffset = 40,
                   sectionEntrySize = 48, reserved = 52, rootChecksum = 56;
} // namespace header

/// Byte offsets of the section table entry fields.
namespace section {
constexpr unsigned kind = 0, flags = 4, offset = 8, size = 16, alignment = 24, reserved = 28,
                   checksum = 32;
} // namespace section

inline const char *sectionName(uint32_t kind) {
  switch (kind) {
  case 1: return "metadata";
  case 2: return "code";
  case 3: return "weights";
  case 4: return "cuda-module";
  case 5: return "source";
  default: return "unknown";
  }
}

} // namespace kiln::artifact

#endif // KILN_RUNTIME_ARTIFACTFORMAT_H
