#!/usr/bin/env bash
# Idempotent set-up for Kiln on Debian 12: installs the apt packages Kiln builds against and a
# Python virtual environment (.venv) with the test-only Python packages. Safe to run repeatedly;
# it only installs what is missing.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

apt_packages=(
  cmake ninja-build ccache g++ git
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools clang-22 libclang-rt-22-dev
  libonnx-dev libprotobuf-dev protobuf-compiler
  libgtest-dev python3 python3-venv python3-pip
  # Run time only: the GEMM the runtime dlopens (it falls back to its own loop without it).
  libopenblas0-pthread
)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing apt packages: ${missing[*]}"
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Test-only Python packages, pinned so conformance figures are reproducible.
venv="$root/.venv"
py_requirements="$root/scripts/requirements-test.txt"
stamp="$venv/.kiln-requirements"
if [ ! -x "$venv/bin/python" ]; then
  echo "setup: creating $venv"
  python3 -m venv "$venv"
fi
if ! cmp -s "$py_requirements" "$stamp"; then
  echo "setup: installing Python test packages"
  "$venv/bin/python" -m pip install -q --upgrade pip
  "$venv/bin/python" -m pip install -q -r "$py_requirements"
  cp "$py_requirements" "$stamp"
fi
