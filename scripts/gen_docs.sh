#!/usr/bin/env bash
# Regenerates the dialect and pass reference in docs/generated/ from the ODS definitions.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ninja -C "$root/build" mlir-doc >/dev/null
mkdir -p "$root/docs/generated"
cp "$root/build/docs/Dialects/ONNXDialect.md" "$root/build/docs/Dialects/TFMDialect.md" \
   "$root/build/docs/Dialects/KilnDialect.md" "$root/build/docs/KilnCPUPasses.md" \
   "$root/build/docs/KilnCommonPasses.md" "$root/build/docs/KilnCUDAPasses.md" \
   "$root/build/docs/KilnPasses.md" "$root/docs/generated/"
