//===- ExternalTools.cpp - temporary files and the tools codegen runs -----===//

#include "codegen/Common/ExternalTools.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <optional>

using namespace kiln;

llvm::Error kiln::makeCodegenError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

TempDir::~TempDir() {
  if (!path.empty())
    llvm::sys::fs::remove_directories(path);
}

llvm::Error TempDir::create(llvm::StringRef prefix) {
  if (std::error_code ec = llvm::sys::fs::createUniqueDirectory(prefix, path))
    return makeCodegenError("cannot create a temporary directory: " + ec.message());
  return llvm::Error::success();
}

std::string TempDir::file(llvm::StringRef name) const {
  llvm::SmallString<128> p(path);
  llvm::sys::path::append(p, name);
  return std::string(p);
}

llvm::Error kiln::writeFile(llvm::StringRef path, llvm::StringRef data) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec)
    return makeCodegenError("cannot write '" + path + "': " + ec.message());
  os << data;
  os.close();
  if (os.has_error()) {
    os.clear_error();
    return makeCodegenError("cannot write '" + path + "'");
  }
  return llvm::Error::success();
}

llvm::Expected<std::string> kiln::readFile(llvm::StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer)
    return makeCodegenError("cannot read '" + path + "': " + buffer.getError().message());
  return (*buffer)->getBuffer().str();
}

llvm::Error kiln::runTool(llvm::ArrayRef<llvm::StringRef> args, llvm::StringRef logPath,
                          llvm::StringRef what, std::string &output) {
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, logPath, logPath};
  std::string execError;
  int rc = llvm::sys::ExecuteAndWait(args[0], args, std::nullopt, redirects,
                                     /*SecondsToWait=*/300, 0, &execError);
  llvm::Expected<std::string> log = readFile(logPath);
  output = log ? *log : std::string();
  if (!log)
    llvm::consumeError(log.takeError());
  if (rc != 0)
    return makeCodegenError(what + " with '" + args[0] + "' failed (" +
                            (execError.empty() ? "exit " + std::to_string(rc) : execError) +
                            "):\n" + llvm::StringRef(output).take_back(2000));
  return llvm::Error::success();
}
