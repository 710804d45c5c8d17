#!/bin/sh
# check_stages.sh KILN-IMPORT KILN-COMPILE KILN-OPT MODEL.onnx DIR --fusion=true|false
# [--target=cpu|cuda]: each
# stage kiln-compile prints equals kiln-opt's stage pipeline run on the previous stage's IR (the
# imported model for the first).
set -eu
import=$1 compile=$2 opt=$3 model=$4 dir=$5 fusion=${6#--fusion=} target=${7:---target=cpu}
target=${target#--target=}
mkdir -p "$dir"
flags=--mlir-print-debuginfo
nofusion=
[ "$fusion" = false ] && nofusion=--no-fusion
"$import" "$model" $flags -o "$dir/import.mlir"
# The IR to compare: as printed, except after the llvm stage, where the names and the order of
# the constants' globals (memref.global, named as bufferization meets them, which follows use
# lists that printing does not keep) are not compared, nor the time the NVPTX backend took
# (a property of each CUDA kernel object). Locations are kept up to there.
normal() {
  if [ "$2" = llvm ]; then
    sed -e 's/loc(#loc[0-9]*)//g' -e '/^#loc/d' -e 's/@__constant_[A-Za-z0-9_]*/@__constant/g' \
      -e 's/LLVMIRToISATimeInMs = [0-9]*/LLVMIRToISATimeInMs/g' "$1" \
      > "$1.normal"
    grep 'llvm.mlir.global private constant @__constant' "$1.normal" | sort
    grep -v 'llvm.mlir.global private constant @__constant' "$1.normal"
  else
    cat "$1"
  fi
}
prev=import
for stage in onnx tfm linalg llvm; do
  "$compile" "$model" --emit=$stage --target=$target $nofusion $flags -o "$dir/$stage.mlir"
  case $stage in
    tfm) pipeline="kiln-stage-tfm{fusion=$fusion}" ;;
    linalg|llvm) pipeline="kiln-stage-$stage{target=$target}" ;;
    *) pipeline="kiln-stage-$stage" ;;
  esac
  "$opt" "$dir/$prev.mlir" $flags --pass-pipeline="builtin.module($pipeline)" \
    -o "$dir/$stage.replayed.mlir"
  normal "$dir/$stage.mlir" $stage > "$dir/$stage.compared"
  normal "$dir/$stage.replayed.mlir" $stage > "$dir/$stage.replayed.compared"
  if ! cmp -s "$dir/$stage.compared" "$dir/$stage.replayed.compared"; then
    echo "stage $stage: kiln-compile and kiln-opt differ ($dir)" >&2
    exit 1
  fi
  prev=$stage
done
