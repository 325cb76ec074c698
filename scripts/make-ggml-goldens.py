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
    quant/TYPE.bin     ggml_quantize_chunk of each set without an importance matrix (what llama.cpp's quantizer
                       writes); checked here to equal the reference quantizer (type_traits.from_float_ref =
                       quantize_row_TYPE_ref) for every type but iq4_nl, whose chunk quantizer tries 15 scales
    quant/imatrix.f32  random importance weights, one per column, per data set
    quant/TYPE.imatrix.bin  ggml_quantize_chunk of each set with them, for the types that take weights
    quant/dequantized.txt  a 64-bit FNV-1a of ggml's to_float of those blocks, per type and set
    gguf/imatrix.gguf, gguf/imatrix.dat  llama.cpp's importance-matrix files (GGUF written by gguf.GGUFWriter, the
                       legacy binary by struct, layouts cited below) for gguf/imatrix-model.gguf
    gguf/imatrix.expect  the weights llama-quantize takes from each, and ggml_quantize_chunk's blocks of the
                       model's tensors with them
    mix/MODEL.schema   llama.cpp's own expectations of llama_tensor_get_type (tests/snapshots/MODEL.schema of the
                       llama.cpp in the same sdist, written by its test-quant-type-selection --generate): per file
                       type, the tensors whose type is not the default; only the sections of the file types
                       numscope quantizes, and a line `# numscope: ...` with the model facts the test needs to list
                       the model's tensors (architecture, head size, whether output.weight exists)
    mix/mix-model.gguf a small llama model (8 blocks, F16 weights and F32 norms, an ffn_down row of 288 that no
                       256-block fits) for the file-type mixes end to end
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

    def quantize_chunk(self, t: int, x: np.ndarray, imatrix: np.ndarray | None = None) -> bytes:
        """ggml_quantize_chunk of the rows of x (what llama.cpp's quantizer calls), with importance weights (one per
        column, shared by every row, as for a 2-D tensor) or without."""
        x = np.ascontiguousarray(x, dtype=np.float32)
        rows, n = x.shape
        out = ctypes.create_string_buffer(rows * self.lib.ggml_row_size(t, n))
        w = None if imatrix is None else np.ascontiguousarray(imatrix, dtype=np.float32)
        self.lib.ggml_quantize_chunk(t, x.ctypes.data, out, 0, rows, n, None if w is None else w.ctypes.data)
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


# The types whose quantize_<type> takes quant_weights (ggml-quants.c; Q8_0, MXFP4 and NVFP4 ignore them).
IMATRIX_TYPES = ["q4_0", "q4_1", "q5_0", "q5_1", "q2_K", "q3_K", "q4_K", "q5_K", "q6_K", "iq4_nl", "iq4_xs"]


def importance_weights(rng, n: int) -> np.ndarray:
    """Random positive weights spanning a few decades, as llama.cpp's imatrix values (mean squared activations)
    do, with a few exact zeros (a column never activated)."""
    w = np.exp(rng.normal(0.0, 1.5, n))
    w[rng.random(n) < 0.03] = 0.0
    return w.astype(np.float32)


def write_quant_goldens(g: Ggml):
    d = OUT / "quant"
    d.mkdir(parents=True, exist_ok=True)
    sets = data_sets()
    names = list(sets)
    (d / "inputs.f32").write_bytes(b"".join(sets[k].tobytes() for k in names))
    rng = np.random.default_rng(1717)
    weights = {k: importance_weights(rng, COLS) for k in names}
    (d / "imatrix.f32").write_bytes(b"".join(weights[k].tobytes() for k in names))
    lines = ["# inputs.f32: data sets " + " ".join(names) + f" of {ROWS}x{COLS} float32 each, in that order",
             "# TYPE SET FNV1A64(ggml to_float of TYPE.bin's blocks for SET, as float32 bytes); TYPE.imatrix: of",
             "# TYPE.imatrix.bin, ggml_quantize_chunk with imatrix.f32's weights for SET (one per column)"]
    for name, t in QUANT_TYPES.items():
        blobs, wblobs = [], []
        for k in names:
            # What llama.cpp's quantizer writes (ggml_quantize_chunk). It equals the reference quantizer
            # quantize_row_<type>_ref for every type but IQ4_NL, whose chunk quantizer tries 15 scales.
            q = g.quantize_chunk(t, sets[k])
            assert name == "iq4_nl" or q == g.quantize_ref(t, sets[k]), name
            blobs.append(q)
            y = g.to_float(t, q, ROWS * COLS)
            lines.append(f"{name} {k} {fnv1a64(y.tobytes()):016x}")
        for k in names if name in IMATRIX_TYPES else []:
            q = g.quantize_chunk(t, sets[k], weights[k])
            wblobs.append(q)
            y = g.to_float(t, q, ROWS * COLS)
            lines.append(f"{name}.imatrix {k} {fnv1a64(y.tobytes()):016x}")
        (d / f"{name}.bin").write_bytes(b"".join(blobs))
        if wblobs:
            (d / f"{name}.imatrix.bin").write_bytes(b"".join(wblobs))
    (d / "dequantized.txt").write_text("\n".join(lines) + "\n")


# ---- llama.cpp's importance-matrix files ------------------------------------------------------------------------
#
# Layouts (llama.cpp common/imatrix-loader.cpp common_imatrix_load / _load_legacy, tools/imatrix/imatrix.cpp
# save_imatrix / save_imatrix_legacy, as carried by llama-cpp-python 0.3.36):
#   GGUF: general.type = "imatrix", imatrix.datasets (string array), imatrix.chunk_count, imatrix.chunk_size (u32);
#     per weight tensor NAME a tensor NAME.in_sum2 (F32, ne = [ne0, n_mat]: the sums of squared activations) and
#     NAME.counts (F32, ne = [1, n_mat]: the tokens seen per matrix). llama-quantize uses in_sum2 / counts per
#     matrix (1 where a count is 0).
#   legacy .dat: i32 n_entries; per entry i32 name length, the name, i32 ncall, i32 nval, nval f32 (the sums
#     already divided by the count and multiplied by ncall); then optionally i32 chunk count, i32 length and the
#     dataset name. llama-quantize uses the values / ncall (the values themselves when ncall is 0).

IMATRIX_MODEL = {  # name: numpy shape (ggml's ne reversed)
    "token_embd.weight": (4, 256),
    "blk.0.attn_norm.weight": (256,),
    "blk.0.attn_q.weight": (6, 512),
    "blk.0.ffn_down_exps.weight": (3, 2, 256),
}
IMATRIX_ENTRIES = ["blk.0.attn_q.weight", "blk.0.ffn_down_exps.weight"]  # token_embd has none


def imatrix_model(path: Path):
    w = gguf.GGUFWriter(path, "llama")
    rng = np.random.default_rng(99)
    for name, shape in IMATRIX_MODEL.items():
        w.add_tensor(name, (rng.standard_normal(shape) * 0.03).astype(np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def imatrix_sums(rng, name: str):
    """Sums of squared activations and counts per matrix for one entry (a 3-D tensor: one matrix per expert)."""
    shape = IMATRIX_MODEL[name]
    nmat, ne0 = (shape[0] if len(shape) == 3 else 1), shape[-1]
    sums = (np.exp(rng.normal(0.0, 1.5, (nmat, ne0))) * 300).astype(np.float32)
    counts = np.full((nmat, 1), 512.0, dtype=np.float32)
    if nmat > 1:
        counts[1, 0] = 0.0  # an expert never routed to: llama-quantize uses weights of 1
        counts[2, 0] = 1536.0
    return sums, counts


def imatrix_gguf(path: Path, entries):
    w = gguf.GGUFWriter(path, "")  # llama.cpp writes no general.architecture here; GGUFWriter always does (empty)
    w.add_type("imatrix")
    w.add_array("imatrix.datasets", ["numscope-test.txt"])
    w.add_uint32("imatrix.chunk_count", 3)
    w.add_uint32("imatrix.chunk_size", 512)
    for name, (sums, counts) in entries.items():
        w.add_tensor(name + ".in_sum2", sums)
        w.add_tensor(name + ".counts", counts)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def imatrix_dat(path: Path, entries, ncalls):
    out = [struct.pack("<i", len(entries))]
    for name, values in entries.items():
        b = name.encode()
        out += [struct.pack("<i", len(b)), b, struct.pack("<ii", ncalls[name], values.size), values.tobytes()]
    ds = b"numscope-test.txt"
    out += [struct.pack("<i", 3), struct.pack("<i", len(ds)), ds]
    path.write_bytes(b"".join(out))


def gguf_weights(sums, counts):
    """llama-quantize's weights from a GGUF imatrix: in_sum2 / count per matrix in fp32, 1 where the count is 0."""
    c = np.array([np.float32(round(float(v))) for v in counts[:, 0]], dtype=np.float32)  # lround, then (float)
    out = np.ones_like(sums)
    for m in range(sums.shape[0]):
        if c[m] > 0:
            out[m] = sums[m] / c[m]
    return out.reshape(-1)


def write_imatrix_goldens(g: Ggml):
    d = OUT / "gguf"
    imatrix_model(d / "imatrix-model.gguf")
    rng = np.random.default_rng(4242)
    entries = {n: imatrix_sums(rng, n) for n in IMATRIX_ENTRIES}
    imatrix_gguf(d / "imatrix.gguf", entries)
    ncalls = {"blk.0.attn_q.weight": 7, "blk.0.ffn_down_exps.weight": 5}
    legacy = {n: (entries[n][0].reshape(-1) * np.float32(0.37)).astype(np.float32) for n in IMATRIX_ENTRIES}
    imatrix_dat(d / "imatrix.dat", legacy, ncalls)
    weights = {"imatrix.gguf": {n: gguf_weights(*entries[n]) for n in IMATRIX_ENTRIES},
               "imatrix.dat": {n: (legacy[n] / np.float32(ncalls[n])).astype(np.float32) for n in IMATRIX_ENTRIES}}
    tensors = {ti.name: np.array(ti.data).reshape(IMATRIX_MODEL[ti.name])
               for ti in gguf.GGUFReader(d / "imatrix-model.gguf").tensors}
    lines = ["# weights FILE TENSOR COUNT FNV1A64(float32 bytes): llama-quantize's weights read from FILE",
             "# blocks FILE TENSOR TYPE FNV1A64: ggml_quantize_chunk of the tensor of imatrix-model.gguf with them",
             "# (per expert matrix for a 3-D tensor, as llama_tensor_quantize_impl does)"]
    for f, ws in weights.items():
        for n, w in ws.items():
            lines.append(f"weights {f} {n} {w.size} {fnv1a64(w.tobytes()):016x}")
        for n, w in ws.items():
            x = tensors[n].astype(np.float32)
            ne0 = x.shape[-1]
            mats = x.reshape(-1, x.shape[-2] if x.ndim == 3 else x.shape[0], ne0)
            for name in IMATRIX_TYPES:
                t = QUANT_TYPES[name]
                blob = b"".join(g.quantize_chunk(t, mats[m], w[m * ne0:(m + 1) * ne0]) for m in range(len(mats)))
                lines.append(f"blocks {f} {n} {name} {fnv1a64(blob):016x}")
    (d / "imatrix.expect").write_text("\n".join(lines) + "\n")


# ---- llama.cpp's file-type mixes ---------------------------------------------------------------------------

# The file types numscope quantizes whole (quantize/mix.cpp kMixes), in llama-quantize's spelling.
MIX_FTYPES = ["Q4_0", "Q4_1", "Q8_0", "Q5_0", "Q5_1", "Q2_K", "Q3_K_S", "Q3_K_M", "Q3_K_L", "Q4_K_S", "Q4_K_M",
              "Q5_K_S", "Q5_K_M", "Q6_K", "IQ4_NL", "IQ4_XS", "MXFP4_MOE"]
# Dense models of llama.cpp's snapshots, with their architecture and head size (general.architecture and
# key_length of the GGUF files; config.json head_dim: Qwen3 128, Llama 3.1 128, Gemma 3 256).
MIX_MODELS = {"qwen3-0.6b": ("qwen3", 128), "qwen3-14b": ("qwen3", 128),
              "meta-llama-3.1-70b-instruct": ("llama", 128), "gemma-3-4b-it": ("gemma3", 256)}


def llama_cpp_sources(work: Path) -> Path:
    found = sorted(work.glob("llama_cpp_python-*/vendor/llama.cpp"))
    if not found:
        build_ggml(work)  # downloads and unpacks the sdist
        found = sorted(work.glob("llama_cpp_python-*/vendor/llama.cpp"))
    return found[0]


def mix_model(path: Path):
    """A llama model of 8 blocks: two rows per weight (the rules read names and row lengths, not row counts)."""
    w = gguf.GGUFWriter(path, "llama")
    w.add_block_count(8)
    w.add_embedding_length(256)
    w.add_feed_forward_length(288)
    w.add_head_count(8)
    w.add_head_count_kv(2)
    rng = np.random.default_rng(23)
    f16 = lambda cols: (0.02 * rng.standard_normal((2, cols))).astype(np.float16)
    w.add_tensor("token_embd.weight", f16(256))
    for i in range(8):
        w.add_tensor(f"blk.{i}.attn_norm.weight", np.ones(256, dtype=np.float32))
        for t in ["attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up"]:
            w.add_tensor(f"blk.{i}.{t}.weight", f16(256))
        w.add_tensor(f"blk.{i}.ffn_down.weight", f16(288))
        w.add_tensor(f"blk.{i}.ffn_norm.weight", np.ones(256, dtype=np.float32))
    w.add_tensor("output_norm.weight", np.ones(256, dtype=np.float32))
    w.add_tensor("output.weight", f16(256))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def write_mix_goldens(work: Path):
    d = OUT / "mix"
    d.mkdir(parents=True, exist_ok=True)
    snapshots = llama_cpp_sources(work) / "tests" / "snapshots"
    for name, (arch, head_dim) in MIX_MODELS.items():
        lines = (snapshots / f"{name}.schema").read_text().splitlines()
        out, keep = [], True
        for line in lines:
            if line.startswith("["):
                keep = line[1:line.index("]")] in MIX_FTYPES
            if line.startswith("#") or keep:
                out.append(line)
        has_output = any(l.startswith("output.weight ") for l in lines)
        out.insert(2, f"# numscope: arch={arch} head_dim={head_dim} output={int(has_output)}")
        (d / f"{name}.schema").write_text("\n".join(out) + "\n")
    mix_model(d / "mix-model.gguf")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ggml-lib", type=Path, help="libggml-base.so (default: build it under --work)")
    ap.add_argument("--work", type=Path, default=Path("/tmp/oracle"), help="where ggml is built")
    ap.add_argument("--only-mix", action="store_true", help="write only mix/ (needs llama.cpp's sources)")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    write_mix_goldens(args.work)
    if args.only_mix:
        return
    g = Ggml(args.ggml_lib or build_ggml(args.work))
    write_types(g)
    write_gguf_files(g)
    write_quant_goldens(g)
    write_imatrix_goldens(g)
    total = sum(f.stat().st_size for f in OUT.rglob("*") if f.is_file())
    print(f"wrote {OUT.relative_to(ROOT)}: {total} bytes")


if __name__ == "__main__":
    main()
