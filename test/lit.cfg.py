# -*- Python -*-
# lit configuration of Kiln's IR and tool tests (test/ mirrors the source tree).
import os

import lit.formats
from lit.llvm import llvm_config

config.name = "Kiln"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Inputs", "models", "python", "lit.cfg.py", "CMakeLists.txt"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.kiln_obj_root, "test")
config.substitutions.append(("%models", os.path.join(config.kiln_src_root, "test", "models")))
config.substitutions.append(("%srcroot", config.kiln_src_root))
config.substitutions.append(("%python", os.path.join(config.kiln_src_root, ".venv", "bin", "python")))

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.add_tool_substitutions(["kiln-opt", "kiln-import", "kiln-compile", "kiln-run",
                                    "kiln-runtime-tests", "kiln_run_model", "kiln-generate",
                                    "kiln_generate_example"],
                                   [config.kiln_tools_dir])
config.substitutions.append(("%kiln_lib", os.path.join(config.kiln_obj_root, "lib")))
if config.kiln_sanitized:
    config.available_features.add("sanitized")
if os.path.exists(os.path.join(config.kiln_src_root, ".venv", "bin", "python")):
    config.available_features.add("python")

# Execution tests (test/Integration) JIT the lowered IR with mlir-runner and its support libs.
llvm_config.add_tool_substitutions(["mlir-runner"], [config.llvm_tools_dir])
_llvm_lib_dir = os.path.normpath(os.path.join(config.llvm_tools_dir, "..", "lib"))
config.substitutions.append(("%mlir_runner_libs", ",".join(
    os.path.join(_llvm_lib_dir, lib)
    for lib in ("libmlir_runner_utils.so", "libmlir_c_runner_utils.so"))))
if os.path.exists(os.path.join(config.llvm_tools_dir, "mlir-runner")):
    config.available_features.add("mlir-runner")
