//===- KilnOps.td - the kiln dialect -----------------------*- tablegen -*-===//
//
// Ops of Kiln's own that sit between the target-neutral lowering and a target: what the
// program asks of the runtime, said once and lowered by each target its own way
// (docs/design/targets.md).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_KILN_OPS_TD
#define KILN_KILN_OPS_TD

include "mlir/IR/OpBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Kiln_Dialect : Dialect {
  let name = "kiln";
  let cppNamespace = "::kiln";
  let summary = "run-time services a compiled model asks of the runtime";
  let description = [{
    The lowering to linalg is the same for every target; where the program needs the runtime
    (to fail a run with a message naming the node), it says so with an op of this dialect, and
    each target lowers the op: the CPU to a call into its runtime, a GPU target to a write of
    the session's error word.
  }];
}

class Kiln_Op<string mnemonic, list<Trait> traits = []> : Op<Kiln_Dialect, mnemonic, traits>;

def Kiln_IndexErrorOp : Kiln_Op<"index_error", [MemoryEffects<[MemWrite]>]> {
  let summary = "fail the run: an index read from the graph's data is out of range";
  let description = [{
    Reached when `index` (the index as the graph gave it) is outside [-dim, dim) for a
    coordinate of size `dim`. The run fails with a message naming `site` (the op, its ONNX node
    and the axis: `Gather node 'x' (axis 0)`), the index and the dim, as onnxruntime does;
    the code around it reads and writes nothing out of range and carries on with zeros. The
    first error of a run is the one reported.

    ```mlir
    kiln.index_error %index, %dim {site = "Gather node 'embed' (axis 0)"}
    ```
  }];
  let arguments = (ins Index:$index, Index:$dim, StrAttr:$site);
  let assemblyFormat = "$index `,` $dim attr-dict";
}

#endif // KILN_KILN_OPS_TD
