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
                       type and value, every tensor with its type, ne, offset and size; for types-v3.gguf (one
                       tensor per type, blocks from ggml) a hash of each tensor as gguf-py's dequantizers read it
    quant/inputs.f32   five data sets (normal, uniform, heavy-tailed, all-zero / constant / spiky blocks, a wide
                       dynamic range), 4 x 512 float32 each
    quant/TYPE.bin     ggml's reference quantizer (type_traits.from_float_ref = quantize_row_TYPE_ref) of each set
    quant/dequantized.txt  a 64-bit FNV-1a of ggml's to_float of those blocks, per type and set
    (quant/iq4_nl.bin and its hashes change from run to run: ggml leaves an all-zero iq4_nl block's indices as the
    previous block's, uninitialised memory for a row's first block; the test compares only their d)
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

        class Traits(ctypes.Structure):
            _fields_ = [("type_name", ctypes.c_char_p), ("blck_size", ctypes.c_int64),
                        ("blck_size_interleave", ctypes.c_int64), ("type_size", ctypes.c_size_t),
                        ("is_quantized", ctypes.c_bool), ("to_float", ctypes.c_void_p),
                        ("from_float_ref", ctypes.c_void_p)]
        L.ggml_get_type_traits.restype = ctypes.POINTER(Traits)
        L.ggml_get_type_traits.argtypes = [ctypes.c_int]
        self.row_fn = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64)

    def quantize_ref(self, t: int, x: np.ndarray) -> bytes:
        """ggml's reference quantizer of type t (type_traits.from_float_ref = quantize_row_<t>_ref) on rows of x."""
        x = np.ascontiguousarray(x, dtype=np.float32)
        rows, n = x.shape
        fn = self.row_fn(self.lib.ggml_get_type_traits(t).contents.from_float_ref)
        row = self.lib.ggml_row_size(t, n)
        out = ctypes.create_string_buffer(rows * row)
        for r in range(rows):
            fn(x[r].ctypes.data, ctypes.addressof(out) + r * row, n)
        return out.raw

    def to_float(self, t: int, blocks: bytes, n: int) -> np.ndarray:
        """ggml's dequantization of n elements of type t (type_traits.to_float)."""
        fn = self.row_fn(self.lib.ggml_get_type_traits(t).contents.to_float)
        y = np.zeros(n, dtype=np.float32)
        buf = ctypes.create_string_buffer(blocks, len(blocks))
        fn(ctypes.addressof(buf), y.ctypes.data, n)
        return y

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


def types_model(path: Path, g: "Ggml"):
    """One tensor of each type numscope reads, the blocks made by ggml's reference quantizers (gguf-py quantizes
    few types), so that reading them can be compared with gguf-py's own dequantizers."""
    w = gguf.GGUFWriter(path, "llama")
    rng = np.random.default_rng(7)
    x = (rng.standard_normal((2, 256)) * 0.05).astype(np.float32)
    w.add_tensor("f32", x)
    w.add_tensor("f16", x.astype(np.float16))
    w.add_tensor("bf16", gguf.quants.quantize(x, gguf.GGMLQuantizationType.BF16), raw_dtype=gguf.GGMLQuantizationType.BF16)
    for name, t in QUANT_TYPES.items():
        blocks = np.frombuffer(g.quantize_ref(t, x), dtype=np.uint8).reshape(2, -1)
        w.add_tensor(name, blocks, raw_dtype=gguf.GGMLQuantizationType(t))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def dequantized_hashes(path: Path) -> str:
    """'deq NAME FNV1A64' of each tensor as gguf-py's dequantizers read it (float32)."""
    lines = []
    for ti in gguf.GGUFReader(path).tensors:
        y = gguf.quants.dequantize(ti.data, ti.tensor_type).astype(np.float32)
        lines.append(f"deq {ti.name} {fnv1a64(y.tobytes()):016x}")
    return "\n".join(lines) + "\n"


def write_gguf_files(g: "Ggml"):
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
    types_model(d / "types-v3.gguf", g)
    (d / "types-v3.expect").write_text(describe(d / "types-v3.gguf") + dequantized_hashes(d / "types-v3.gguf"))


# ---- Quantized blocks: ggml's reference quantizers and to_float ----------------------------------------------

# The ggml types numscope quantizes (ggml_type ids) and the data sets, ROWS x COLS float32 each.
QUANT_TYPES = {"q8_0": 8, "q4_0": 2, "q4_1": 3, "q5_0": 6, "q5_1": 7, "q2_K": 10, "q3_K": 11, "q4_K": 12,
               "q5_K": 13, "q6_K": 14, "iq4_nl": 20, "iq4_xs": 23, "mxfp4": 39, "nvfp4": 40}
ROWS, COLS = 4, 512


def data_sets():
    rng = np.random.default_rng(2024)
    sets = {}
    sets["normal"] = rng.standard_normal((ROWS, COLS)) * 0.02
    sets["uniform"] = rng.uniform(-1, 1, (ROWS, COLS))
    heavy = rng.standard_t(3, (ROWS, COLS)) * 0.02
    heavy[rng.random((ROWS, COLS)) < 0.002] *= 40  # a few outliers, as in LLM weights
    sets["heavy"] = heavy
    # All-zero, constant, single-spike, two-valued and sign-alternating blocks of 32 (and so of 256 too).
    b = np.zeros((ROWS * COLS // 32, 32))
    for k in range(b.shape[0]):
        kind = k % 8
        if kind == 1:
            b[k] = 0.75
        elif kind == 2:
            b[k] = -3.0e-3
        elif kind == 3:
            b[k, k % 32] = 1.5
        elif kind == 4:
            b[k] = np.where(np.arange(32) % 2 == 0, 1.0, -1.0)
        elif kind == 5:
            b[k] = np.where(np.arange(32) < 16, 2.0, -2.0) * (k % 5 + 1)
        elif kind == 6:
            b[k] = rng.standard_normal(32) * 0.5
        elif kind == 7:
            b[k] = np.linspace(-1, 1, 32)
    sets["blocks"] = b.reshape(ROWS, COLS)
    # A wide dynamic range: magnitudes from 1e-4 to 1e2 with random signs.
    sets["wide"] = np.exp(rng.uniform(np.log(1e-4), np.log(1e2), (ROWS, COLS))) * rng.choice([-1, 1], (ROWS, COLS))
    return {k: v.astype(np.float32) for k, v in sets.items()}


def fnv1a64(b: bytes) -> int:
    h = 0xcbf29ce484222325
    for c in b:
        h = ((h ^ c) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def write_quant_goldens(g: Ggml):
    d = OUT / "quant"
    d.mkdir(parents=True, exist_ok=True)
    sets = data_sets()
    names = list(sets)
    (d / "inputs.f32").write_bytes(b"".join(sets[k].tobytes() for k in names))
    lines = ["# inputs.f32: data sets " + " ".join(names) + f" of {ROWS}x{COLS} float32 each, in that order",
             "# TYPE SET FNV1A64(ggml to_float of TYPE.bin's blocks for SET, as float32 bytes)"]
    for name, t in QUANT_TYPES.items():
        blobs = []
        for k in names:
            q = g.quantize_ref(t, sets[k])
            blobs.append(q)
            y = g.to_float(t, q, ROWS * COLS)
            lines.append(f"{name} {k} {fnv1a64(y.tobytes()):016x}")
        (d / f"{name}.bin").write_bytes(b"".join(blobs))
    (d / "dequantized.txt").write_text("\n".join(lines) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ggml-lib", type=Path, help="libggml-base.so (default: build it under --work)")
    ap.add_argument("--work", type=Path, default=Path("/tmp/oracle"), help="where ggml is built")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    g = Ggml(args.ggml_lib or build_ggml(args.work))
    write_types(g)
    write_gguf_files(g)
    write_quant_goldens(g)
    total = sum(f.stat().st_size for f in OUT.rglob("*") if f.is_file())
    print(f"wrote {OUT.relative_to(ROOT)}: {total} bytes")


if __name__ == "__main__":
    main()
