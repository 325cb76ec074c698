#!/usr/bin/env python3
"""Makes the ggml golden files of tests/quantize/golden/ggml/ from ggml itself and from the `gguf` package.

The oracle is ggml, not a transcription of it: the script builds ggml's base library (libggml-base, which holds
ggml_quantize_chunk, the reference quantizers quantize_row_*_ref and the type traits' to_float) from the sources
that PyPI's llama-cpp-python source distribution carries, with GGML_NATIVE=OFF and -ffp-contract=off so that its
bits do not depend on the machine, and calls it through ctypes. GGUF test files are written by the `gguf` package
(an independent GGUF writer) and described by its own GGUFReader. CI uses the committed outputs; nothing of ggml's
code is committed.

    python3 -m venv /tmp/oracle/venv && /tmp/oracle/venv/bin/pip install numpy gguf
    /tmp/oracle/venv/bin/python scripts/make-ggml-goldens.py            # builds ggml into /tmp/oracle (minutes)
    /tmp/oracle/venv/bin/python scripts/make-ggml-goldens.py --ggml-lib /path/to/libggml-base.so

Outputs (small: the whole folder stays under a few hundred KB):
    types.txt          id, name, block size, bytes per block of every ggml type (ggml_type_name / blck_size /
                       type_size)
    gguf/*.gguf        GGUF files written by gguf.GGUFWriter (v3; v2 by patching the version field, the layouts
                       being equal), with every metadata value type, nested arrays and custom alignment
    gguf/*.expect      what gguf.GGUFReader reads from them: version, alignment, data offset, every key with its
                       type and value, every tensor with its type, ne, offset and size
"""
import argparse
import ctypes
import os
import struct
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import gguf

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "quantize" / "golden" / "ggml"
LLAMA_CPP_PYTHON = "llama-cpp-python==0.3.36"  # the ggml these goldens were made with (ggml 0.25.3)
GGML_TYPE_COUNT = 43  # ggml.h of that version; ggml_type_name past it reads outside its table


# ---- ggml, built from llama-cpp-python's sources -----------------------------------------------------------

def build_ggml(work: Path) -> Path:
    """Downloads the llama-cpp-python sdist and builds only ggml's base library from the ggml it vendors."""
    lib = work / "ggml-build" / "src" / "libggml-base.so"
    if lib.exists():
        return lib
    work.mkdir(parents=True, exist_ok=True)
    sdist = work / "sdist"
    subprocess.check_call([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                           LLAMA_CPP_PYTHON, "-d", str(sdist)])
    tar = next(sdist.glob("llama_cpp_python-*.tar.gz"))
    with tarfile.open(tar) as t:
        t.extractall(work, filter="data")
    src = next(work.glob("llama_cpp_python-*")) / "vendor" / "llama.cpp" / "ggml"
    (src / "ggml.pc.in").touch()  # the sdist leaves out this pkg-config template, which configure needs
    flags = "-ffp-contract=off"
    subprocess.check_call(["cmake", "-S", str(src), "-B", str(work / "ggml-build"), "-G", "Ninja",
                           "-DCMAKE_BUILD_TYPE=Release", "-DGGML_NATIVE=OFF", "-DBUILD_SHARED_LIBS=ON",
                           "-DGGML_OPENMP=OFF", f"-DCMAKE_C_FLAGS={flags}", f"-DCMAKE_CXX_FLAGS={flags}"])
    subprocess.check_call(["nice", "ninja", "-C", str(work / "ggml-build"), "ggml-base"])
    return lib


class Ggml:
    """The few ggml entry points the goldens need, through ctypes."""

    def __init__(self, path: Path):
        self.lib = ctypes.CDLL(str(path))
        L = self.lib
        L.ggml_type_name.restype = ctypes.c_char_p
        L.ggml_type_name.argtypes = [ctypes.c_int]
        L.ggml_blck_size.restype = ctypes.c_int64
        L.ggml_blck_size.argtypes = [ctypes.c_int]
        L.ggml_type_size.restype = ctypes.c_size_t
        L.ggml_type_size.argtypes = [ctypes.c_int]
        L.ggml_row_size.restype = ctypes.c_size_t
        L.ggml_row_size.argtypes = [ctypes.c_int, ctypes.c_int64]
        L.ggml_quantize_init.argtypes = [ctypes.c_int]
        L.ggml_quantize_chunk.restype = ctypes.c_size_t
        L.ggml_quantize_chunk.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64,
                                          ctypes.c_int64, ctypes.c_int64, ctypes.c_void_p]

    def types(self):
        for t in range(GGML_TYPE_COUNT):
            name = self.lib.ggml_type_name(t)
            yield t, name.decode(), self.lib.ggml_blck_size(t), self.lib.ggml_type_size(t)


def write_types(g: Ggml):
    lines = ["# id name block bytes: ggml_type_name, ggml_blck_size, ggml_type_size (removed types: block 0)"]
    for t, name, block, size in g.types():
        if block == 0:
            name = "removed"
        lines.append(f"{t} {name} {block} {size}")
    (OUT / "types.txt").write_text("\n".join(lines) + "\n")


# ---- GGUF files written by the gguf package ----------------------------------------------------------------

def value_text(field: gguf.ReaderField) -> str:
    """A field's value as gguf.GGUFReader reads it: scalars in full, arrays as type, count and first element."""
    t = gguf.GGUFValueType
    vt = field.types[0]
    if vt == t.ARRAY:
        sub = field.types[1] if len(field.types) > 1 else t.UINT8
        n = int(field.parts[4][0])  # the stored count (field.data flattens nested arrays)
        first = ""
        if n and sub == t.STRING:
            first = " " + bytes(field.parts[field.data[0]]).decode("utf-8")
        elif n and sub != t.ARRAY:
            first = " " + scalar_text(sub, field.parts[field.data[0]][0])
        return f"array {sub.name.lower()} {n}{first}"
    if vt == t.STRING:
        return "string " + bytes(field.parts[field.data[0]]).decode("utf-8")
    return vt.name.lower() + " " + scalar_text(vt, field.parts[field.data[0]][0])


def scalar_text(vt, v) -> str:
    t = gguf.GGUFValueType
    if vt in (t.FLOAT32, t.FLOAT64):
        return repr(float(v))  # shortest round trip of the stored value (fp32 values are exact in double)
    if vt == t.BOOL:
        return "true" if bool(v) else "false"
    return str(int(v))


def describe(path: Path) -> str:
    r = gguf.GGUFReader(path)
    version = int(r.fields["GGUF.version"].parts[-1][0])
    lines = [f"version {version}", f"alignment {r.alignment}", f"data_offset {r.data_offset}"]
    for name, field in r.fields.items():
        if name.startswith("GGUF."):
            continue
        lines.append(f"kv {name} {value_text(field)}")
    for ti in r.tensors:
        ne = ",".join(str(int(d)) for d in ti.shape)
        lines.append(f"tensor {ti.name} {ti.tensor_type.name.lower()} {ne} {int(ti.data_offset) - r.data_offset} "
                     f"{int(ti.n_bytes)}")
    return "\n".join(lines) + "\n"


def tiny_model(path: Path, alignment: int | None = None):
    """A small llama-like file: every metadata type, nested arrays, tensors of several ggml types."""
    w = gguf.GGUFWriter(path, "llama")
    if alignment:
        w.add_custom_alignment(alignment)
    w.add_name("numscope tiny test model")
    w.add_block_count(2)
    w.add_context_length(4096)
    w.add_embedding_length(64)
    w.add_feed_forward_length(128)
    w.add_head_count(4)
    w.add_head_count_kv(2)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_file_type(7)  # LLAMA_FTYPE_MOSTLY_Q8_0
    V = gguf.GGUFValueType
    w.add_key_value("test.u8", 200, V.UINT8)
    w.add_key_value("test.i8", -100, V.INT8)
    w.add_key_value("test.u16", 60000, V.UINT16)
    w.add_key_value("test.i16", -30000, V.INT16)
    w.add_key_value("test.u32", 4000000000, V.UINT32)
    w.add_key_value("test.i32", -2000000000, V.INT32)
    w.add_key_value("test.f32", 0.1, V.FLOAT32)
    w.add_key_value("test.u64", 2**63 + 5, V.UINT64)
    w.add_key_value("test.i64", -(2**62), V.INT64)
    w.add_key_value("test.f64", 0.1, V.FLOAT64)
    w.add_key_value("test.bool", True, V.BOOL)
    w.add_key_value("test.string", "héllo, GGUF", V.STRING)
    w.add_key_value("test.array_f32", [0.5, -1.25, 3.0], V.ARRAY, sub_type=V.FLOAT32)
    w.add_key_value("test.array_i32", [-7, 8, 9, 10], V.ARRAY, sub_type=V.INT32)
    w.add_key_value("test.array_bool", [True, False], V.ARRAY, sub_type=V.BOOL)
    w.add_key_value("test.array_nested", [[1, 2], [3]], V.ARRAY, sub_type=V.ARRAY)
    w.add_token_list(["<s>", "</s>", "hello", "world"])
    w.add_token_scores([0.0, -1.0, -2.5, -3.75])
    rng = np.random.default_rng(17)
    w.add_tensor("token_embd.weight", rng.standard_normal((4, 64), dtype=np.float32))
    w.add_tensor("blk.0.attn_norm.weight", np.ones(64, dtype=np.float32))
    w.add_tensor("blk.0.attn_q.weight", rng.standard_normal((64, 64)).astype(np.float16))
    bf16 = gguf.quants.quantize(rng.standard_normal((2, 64), dtype=np.float32), gguf.GGMLQuantizationType.BF16)
    w.add_tensor("blk.0.ffn_up.weight", bf16, raw_dtype=gguf.GGMLQuantizationType.BF16)
    q8 = gguf.quants.quantize(rng.standard_normal((3, 64), dtype=np.float32), gguf.GGMLQuantizationType.Q8_0)
    w.add_tensor("blk.1.ffn_down.weight", q8, raw_dtype=gguf.GGMLQuantizationType.Q8_0)
    q4 = gguf.quants.quantize(rng.standard_normal((2, 32), dtype=np.float32), gguf.GGMLQuantizationType.Q4_0)
    w.add_tensor("blk.1.attn_k.weight", q4, raw_dtype=gguf.GGMLQuantizationType.Q4_0)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def write_gguf_files():
    d = OUT / "gguf"
    d.mkdir(parents=True, exist_ok=True)
    tiny_model(d / "tiny-v3.gguf")
    (d / "tiny-v3.expect").write_text(describe(d / "tiny-v3.gguf"))
    # Version 2 has the layout of version 3 for little-endian files: the same file with its version field set to 2.
    tiny_model(d / "align64-v2.gguf", alignment=64)
    b = bytearray((d / "align64-v2.gguf").read_bytes())
    b[4:8] = struct.pack("<I", 2)
    (d / "align64-v2.gguf").write_bytes(bytes(b))
    (d / "align64-v2.expect").write_text(describe(d / "align64-v2.gguf"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ggml-lib", type=Path, help="libggml-base.so (default: build it under --work)")
    ap.add_argument("--work", type=Path, default=Path("/tmp/oracle"), help="where ggml is built")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    g = Ggml(args.ggml_lib or build_ggml(args.work))
    write_types(g)
    write_gguf_files()
    total = sum(f.stat().st_size for f in OUT.rglob("*") if f.is_file())
    print(f"wrote {OUT.relative_to(ROOT)}: {total} bytes")


if __name__ == "__main__":
    main()
