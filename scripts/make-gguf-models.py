#!/usr/bin/env python3
"""Writes the GGUF model files of tests/memory/gguf/ with the `gguf` package (llama.cpp's own GGUF writer), and
beside each a .expect file of what gguf.GGUFReader reads back: the metadata numscope uses and, per ggml type, the
tensors, elements and bytes. numscope's --gguf must give the same bytes (tests/memory/gguf_test.cpp).

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install numpy gguf
    /tmp/venv/bin/python scripts/make-gguf-models.py

The tensors hold zero bytes of the right size for their type (numscope reads no tensor data); every ggml type the
package knows a block size for appears once in tiny-llama, so the files stay a few dozen KB. The other files hold one
small file per architecture numscope reads (families()), with the metadata keys llama.cpp reads for it. Left out: Q8_K and Q8_1, ggml's
intermediate types for dot products that no GGUF stores (and for Q8_1 gguf-py's table says 40 bytes per block where
ggml's sizeof(block_q8_1) is 36), and the repacked Q4_0_4_4-style types that newer ggml no longer writes.
"""
from pathlib import Path

import numpy as np
import gguf

OUT = Path(__file__).resolve().parent.parent / "tests" / "memory" / "gguf"
Q = gguf.GGMLQuantizationType


def write(name, arch, meta, tensors):
    path = OUT / f"{name}.gguf"
    w = gguf.GGUFWriter(str(path), arch)
    for key, value in meta.items():
        if isinstance(value, list):
            w.add_array(f"{arch}.{key}", value)
        else:
            w.add_uint32(f"{arch}.{key}", value)
    for tname, qtype, shape in tensors:  # shape in C order, as numpy (2-D, or 3-D for merged experts)
        block, size = gguf.GGML_QUANT_SIZES[qtype]
        n = int(np.prod(shape))
        assert shape[-1] % block == 0, (tname, qtype)  # ggml blocks run along a row
        raw = np.zeros(tuple(shape[:-1]) + (shape[-1] // block * size,), np.uint8)
        w.add_tensor(tname, raw, raw_dtype=qtype)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    r = gguf.GGUFReader(str(path))
    totals = {}
    for t in r.tensors:
        c = totals.setdefault(t.tensor_type.name, [0, 0, 0])
        c[0] += 1
        c[1] += int(t.n_elements)
        c[2] += int(t.n_bytes)
    with open(OUT / f"{name}.expect", "w") as f:
        f.write(f"# {name}.gguf as gguf.GGUFReader reads it: per ggml type, tensors elements bytes\n")
        f.write(f"architecture {arch}\n")
        for key in meta:
            f.write(f"meta {key} {meta[key]}\n")
        for t, (k, e, b) in sorted(totals.items()):
            f.write(f"type {t} {k} {e} {b}\n")
        f.write(f"total {sum(v[1] for v in totals.values())} {sum(v[2] for v in totals.values())}\n")


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    # A tiny llama: 2 layers, hidden 256, 4 heads of 64, 2 KV heads; one tensor of every ggml type with a block size.
    types = [q for q in Q if q in gguf.GGML_QUANT_SIZES and q.name not in ("Q4_0_4_4", "Q4_0_4_8", "Q4_0_8_8", "IQ4_NL_4_4", "IQ4_NL_4_8", "IQ4_NL_8_8", "Q8_K", "Q8_1")]
    tensors = [("token_embd.weight", Q.F16, (64, 256))]
    for i, q in enumerate(types):
        tensors.append((f"blk.{i % 2}.t{i}.weight", q, (2, 256)))
    write("tiny-llama", "llama", {"block_count": 2, "embedding_length": 256, "attention.head_count": 4,
                                  "attention.head_count_kv": 2, "feed_forward_length": 512, "context_length": 4096},
          tensors)
    # Gemma 3 metadata: sliding window 512, one global layer in six.
    write("tiny-gemma3", "gemma3", {"block_count": 12, "embedding_length": 256, "attention.head_count": 4,
                                    "attention.head_count_kv": 1, "attention.key_length": 128,
                                    "feed_forward_length": 512, "context_length": 32768,
                                    "attention.sliding_window": 512},
          [("token_embd.weight", Q.Q8_0, (64, 256))])
    # DeepSeek V2/V3 (llama.cpp's deepseek2): MLA ranks in the metadata.
    write("tiny-deepseek2", "deepseek2", {"block_count": 3, "embedding_length": 256, "attention.head_count": 4,
                                          "attention.head_count_kv": 4, "attention.key_length": 192,
                                          "attention.value_length": 128, "attention.kv_lora_rank": 512,
                                          "rope.dimension_count": 64, "feed_forward_length": 512,
                                          "expert_count": 8, "expert_used_count": 2,
                                          "expert_feed_forward_length": 128, "context_length": 163840},
          [("token_embd.weight", Q.BF16, (64, 256)), ("blk.0.attn_kv_a_mqa.weight", Q.Q4_K, (64, 256))])
    families()
    hostile()


def families():
    """One small file per architecture numscope reads from config.json, with the metadata keys llama.cpp reads for
    it (src/models/<arch>.cpp load_arch_hparams) and, for MoE files, merged expert tensors (blk.N.ffn_*_exps) so that
    the active count comes from the tensor table."""
    emb = ("token_embd.weight", Q.F16, (32, 64))  # vocabulary 32

    def experts(layer, n_expert, n_ff, n_embd, qtype=Q.Q4_0):
        return [(f"blk.{layer}.ffn_{p}_exps.weight", qtype, (n_expert, n_ff, n_embd) if p != "down" else
                 (n_expert, n_embd, n_ff)) for p in ("gate", "up", "down")]

    base = {"embedding_length": 64, "attention.head_count": 4, "feed_forward_length": 128, "context_length": 2048}
    # Mixtral is llama.cpp's llama architecture with expert_count / expert_used_count.
    write("tiny-mixtral", "llama", {**base, "feed_forward_length": 32, "block_count": 2, "attention.head_count_kv": 2,
                                    "expert_count": 8, "expert_used_count": 2},
          [emb] + experts(1, 8, 32, 64))
    write("tiny-qwen2", "qwen2", {**base, "block_count": 3, "attention.head_count_kv": 2,
                                  "attention.sliding_window": 1024}, [emb])
    write("tiny-qwen2moe", "qwen2moe", {**base, "block_count": 2, "attention.head_count_kv": 4, "expert_count": 4,
                                        "expert_used_count": 2, "expert_feed_forward_length": 32,
                                        "expert_shared_feed_forward_length": 96},
          [emb] + experts(1, 4, 32, 64) +
          [("blk.0.ffn_up_shexp.weight", Q.F16, (96, 64))])
    # Qwen3: head_dim 32 given by key_length (embedding_length / head_count would be 16).
    write("tiny-qwen3", "qwen3", {**base, "block_count": 2, "attention.head_count_kv": 2,
                                  "attention.key_length": 32, "attention.value_length": 32}, [emb])
    write("tiny-qwen3moe", "qwen3moe", {**base, "block_count": 2, "attention.head_count_kv": 2,
                                        "attention.key_length": 32, "attention.value_length": 32,
                                        "expert_count": 8, "expert_used_count": 2, "expert_feed_forward_length": 32},
          [emb] + experts(1, 8, 32, 64))
    write("tiny-gemma", "gemma", {**base, "block_count": 2, "attention.head_count_kv": 1,
                                  "attention.key_length": 32, "attention.value_length": 32}, [emb])
    # Gemma 2 without attention.sliding_window: llama.cpp's default 4096 on every second layer.
    write("tiny-gemma2", "gemma2", {**base, "block_count": 4, "attention.head_count_kv": 2,
                                    "attention.key_length": 32, "attention.value_length": 32}, [emb])
    # Gemma 3 with the per-layer pattern as bools (layers 1 and 4 global).
    write("tiny-gemma3-pattern", "gemma3", {**base, "block_count": 5, "attention.head_count_kv": 1,
                                            "attention.key_length": 32, "attention.value_length": 32,
                                            "attention.sliding_window": 256,
                                            "attention.sliding_window_pattern": [True, False, True, True, False]},
          [emb])
    # Phi-3: the file carries sliding_window 2047, which llama.cpp does not apply (phi3.cpp).
    write("tiny-phi3", "phi3", {**base, "block_count": 2, "attention.head_count_kv": 4,
                                "attention.sliding_window": 2047}, [emb])
    write("tiny-gpt2", "gpt2", {**base, "block_count": 2}, [emb, ("position_embd.weight", Q.F16, (64, 64))])
    # DeepSeek v1 MoE: one leading dense layer, two shared experts.
    write("tiny-deepseek", "deepseek", {**base, "block_count": 3, "attention.head_count_kv": 4,
                                        "leading_dense_block_count": 1, "expert_count": 8, "expert_used_count": 2,
                                        "expert_feed_forward_length": 32, "expert_shared_count": 2},
          [emb] + experts(2, 8, 32, 64))
    # DeepSeek V3 as newer converters write it: the absorbed MLA sizes in key_length / value_length, the per-head
    # ones in key_length_mla / value_length_mla, and one MTP block counted in block_count (nextn_predict_layers).
    write("tiny-deepseek3", "deepseek2", {**base, "block_count": 4, "attention.head_count_kv": 1,
                                          "attention.key_length": 576, "attention.value_length": 512,
                                          "attention.key_length_mla": 192, "attention.value_length_mla": 128,
                                          "attention.q_lora_rank": 96, "attention.kv_lora_rank": 512,
                                          "rope.dimension_count": 64, "leading_dense_block_count": 1,
                                          "expert_count": 8, "expert_used_count": 2, "expert_shared_count": 1,
                                          "expert_feed_forward_length": 32, "nextn_predict_layers": 1},
          [emb] + experts(2, 8, 32, 64))


def raw_gguf(name, kvs=(), tensors=(), tensor_count=None, kv_count=None, tail=b""):
    """A GGUF v3 file written byte by byte (ggml docs/gguf.md), for the hostile files the gguf package refuses
    to write: kvs are (key, type, packed value), tensors (name, ne, ggml type, offset)."""
    import struct

    def string(t):
        b = t.encode() if isinstance(t, str) else t
        return struct.pack("<Q", len(b)) + b
    out = b"GGUF" + struct.pack("<IQQ", 3, len(tensors) if tensor_count is None else tensor_count,
                                len(kvs) if kv_count is None else kv_count)
    for key, vtype, value in kvs:
        out += string(key) + struct.pack("<I", vtype) + value
    for tname, ne, ttype, offset in tensors:
        out += string(tname) + struct.pack("<I", len(ne)) + b"".join(struct.pack("<Q", d) for d in ne)
        out += struct.pack("<IQ", ttype, offset)
    (OUT / f"{name}.gguf").write_bytes(out + tail)


def hostile():
    """Files that lie (tests/cli/bad_input.txt): each must exit 2 with one line, never read past the file."""
    import struct
    u32 = lambda v: struct.pack("<I", v)
    u64 = lambda v: struct.pack("<Q", v)
    s = lambda t: struct.pack("<Q", len(t)) + t.encode()
    arch = lambda a: ("general.architecture", 8, s(a))
    raw_gguf("hostile-tensor-count", tensor_count=1 << 62)
    raw_gguf("hostile-kv-count", kv_count=1 << 40)
    raw_gguf("hostile-key-length", kv_count=1, tail=u64(1 << 62))  # a key of 2^62 bytes
    raw_gguf("hostile-string-length", kvs=[("general.name", 8, u64(1 << 62))])
    raw_gguf("hostile-array", kvs=[("general.tags", 9, u32(4) + u64(1 << 61))])
    raw_gguf("hostile-dims", kvs=[arch("llama")], tensors=[("t", [1, 1, 1, 1, 1], 0, 0)])
    raw_gguf("hostile-shape", kvs=[arch("llama")], tensors=[("t", [1 << 32, 1 << 32, 1 << 32], 0, 0)])
    raw_gguf("hostile-type", kvs=[arch("llama")], tensors=[("t", [32], 9999, 0)])
    raw_gguf("hostile-offset", kvs=[arch("llama")], tensors=[("t", [32], 0, 1 << 40)])
    raw_gguf("hostile-block-count", kvs=[arch("llama"), ("llama.block_count", 10, u64(1 << 50))])
    raw_gguf("hostile-zero-layers", kvs=[arch("llama"), ("llama.block_count", 4, u32(0))])
    raw_gguf("hostile-nextn", kvs=[arch("deepseek2"), ("deepseek2.block_count", 4, u32(2)),
                                   ("deepseek2.nextn_predict_layers", 4, u32(2))])
    raw_gguf("hostile-huge-hidden", kvs=[arch("llama"), ("llama.block_count", 4, u32(2)),
                                         ("llama.embedding_length", 10, u64(1 << 40)),
                                         ("llama.attention.head_count", 4, u32(4))])
    raw_gguf("hostile-swa-pattern", kvs=[arch("gemma3"), ("gemma3.block_count", 4, u32(6)),
                                         ("gemma3.embedding_length", 4, u32(64)),
                                         ("gemma3.attention.head_count", 4, u32(4)),
                                         ("gemma3.attention.sliding_window", 4, u32(512)),
                                         ("gemma3.attention.sliding_window_pattern", 9, u32(7) + u64(2) + b"\x01\x00")])
    (OUT / "hostile-truncated.gguf").write_bytes((OUT / "tiny-llama.gguf").read_bytes()[:100])


if __name__ == "__main__":
    main()
