//===- ExternalTools.h - temporary files and the tools codegen runs -*- C++ -*-===//
//
// The system compiler driver links host code (HostCode.cpp) and ptxas assembles kernels
// (CUDA/CUDAArtifact.cpp); both work on files in a temporary directory removed afterwards.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_COMMON_EXTERNALTOOLS_H
#define KILN_CODEGEN_COMMON_EXTERNALTOOLS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"

#include <string>

namespace kiln {

llvm::Error makeCodegenError(const llvm::Twine &message);

/// A uniquely named temporary directory, removed with everything in it on destruction.
class TempDir {
public:
  TempDir() = default;
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;
  ~TempDir();
  llvm::Error create(llvm::StringRef prefix);
  /// The path of `name` inside the directory.
  std::string file(llvm::StringRef name) const;

private:
  llvm::SmallString<128> path;
};

llvm::Error writeFile(llvm::StringRef path, llvm::StringRef data);
llvm::Expected<std::string> readFile(llvm::StringRef path);

/// Runs `args` (args[0] is the program's path) with stdout and stderr in `logPath`; `output`
/// receives the log. A non-zero exit is an error naming `what` with the log's tail.
llvm::Error runTool(llvm::ArrayRef<llvm::StringRef> args, llvm::StringRef logPath,
                    llvm::StringRef what, std::string &output);

} // namespace kiln

#endif // KILN_CODEGEN_COMMON_EXTERNALTOOLS_H
