#!/usr/bin/env bash
# Configures and builds Kiln into build/ (or $KILN_BUILD_DIR). Extra arguments go to CMake;
# KILN_BUILD_TARGET builds one target instead of everything.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${KILN_BUILD_DIR:-$root/build}"
# Paths below the checkout are hashed relative to it, so clones in other folders (CI) share
# the compiler cache.
export CCACHE_BASEDIR="$root"
# Builds with debug info (the sanitizer trees) would otherwise hash the build directory too,
# and a clone in another folder would recompile all of them.
export CCACHE_NOHASHDIR=1
if [ ! -f "$build/build.ninja" ] || [ $# -gt 0 ]; then
  cmake -G Ninja -S "$root" -B "$build" \
    -DCMAKE_BUILD_TYPE=Release \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit "$@" >/dev/null
fi
ninja -C "$build" ${KILN_NINJA_JOBS:+-j "$KILN_NINJA_JOBS"} ${KILN_BUILD_TARGET:-}
