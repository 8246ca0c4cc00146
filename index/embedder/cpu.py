"""The int8 families: which one this CPU's kernels suit (AVX2, AVX-512, VNNI, ARM), which one an
index keeps, and which backends' vectors can share an index."""

from __future__ import annotations

import os
from pathlib import Path

from newsdex.errors import ModelUnavailable

# The CPU families sentence-transformers (through optimum) quantizes for. Each has its own
# weight type (avx2 takes unsigned int8, the others signed), so each is its own vector family.
INT8_CONFIGS = ("avx512_vnni", "avx512", "avx2", "arm64")


def cpu_int8_config() -> str:
    """The quantization configuration that suits this CPU (one of INT8_CONFIGS).

    ONNX Runtime runs every configuration's model on any CPU; the choice only picks the
    kernels that are fastest here. An index keeps the configuration it was built with
    (`resolve_int8_config`), because each gives slightly different vectors."""
    if os.uname().machine in ("aarch64", "arm64"):
        return "arm64"
    try:
        flags = set(Path("/proc/cpuinfo").read_text().split())
    except OSError:
        flags = set()
    if "avx512_vnni" in flags:
        return "avx512_vnni"
    if "avx512f" in flags:
        return "avx512"
    return "avx2"


def resolve_int8_config(setting: str, recorded: str | None = None) -> str:
    """The configuration to quantize with: a forced setting first, then the one an existing
    index was built with (its vectors must not change family), then this CPU's."""
    if setting != "auto":
        if setting not in INT8_CONFIGS:
            raise ModelUnavailable(f"unknown int8 configuration {setting!r}: choose auto or one of "
                                   f"{', '.join(INT8_CONFIGS)}")
        return setting
    return recorded or cpu_int8_config()


def vector_family(backend: str, int8_config: str | None = None) -> str:
    """Backends whose vectors can share an index have one family: torch and onnx compute the
    same numbers; int8 quantization does not, and each configuration quantizes differently."""
    if not backend.endswith("int8"):
        return "float"
    return f"int8-{int8_config}" if int8_config else "int8"
