#!/usr/bin/env python3
"""An independent parameter and KV counter, written from the Hugging Face modeling files' module structure (not from
numscope's code): for random small configs of every family it lists the state dict tensor by tensor, as the
modules' __init__ create them, and compares the sum with `numscope memory --config` (the weights row at bf16), and
the KV cache of a random number of tokens with the KV row: each layer holds every token, or the last `sliding_window`
ones where the family's configuration class makes the layer sliding (configuration_<family>.py: Mistral, Mixtral and
Phi-3 every layer; Qwen2/Qwen3 the layers from max_window_layers on, with use_sliding_window; Gemma 2 the even
layers; Gemma 3 all but every sliding_window_pattern-th; an explicit layer_types wins).

    python3 tests/memory/independent_count.py build/bin/numscope [--cases 40]

Sources per family: transformers src/transformers/models/<family>/modeling_<family>.py (LlamaAttention, LlamaMLP,
LlamaDecoderLayer, MixtralSparseMoeBlock, Qwen2MoeSparseMoeBlock, Qwen3Attention, Gemma2DecoderLayer,
Gemma3DecoderLayer, Phi3Attention/Phi3MLP, GPT2Block, MllamaCrossAttentionDecoderLayer, MllamaVisionModel,
SiglipVisionTransformer, Gemma3MultiModalProjector) and deepseek-ai's modeling_deepseek.py (DeepseekV3Attention,
DeepseekV3MoE, MoEGate).
"""
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path


def linear(sd, name, i, o, bias):
    sd[name + ".weight"] = o * i
    if bias:
        sd[name + ".bias"] = o


def rms(sd, name, n):
    sd[name + ".weight"] = n


def layernorm(sd, name, n):
    sd[name + ".weight"] = n
    sd[name + ".bias"] = n


def windows(c, t):
    """Per layer, the window it attends over, or None for every token (transformers configuration_<family>.py)."""
    L = c["num_hidden_layers"]
    if t in ("mistral", "mixtral", "phi3"):  # MistralConfig, MixtralConfig, Phi3Config: sliding_window, every layer
        return [c.get("sliding_window")] * L
    types = c.get("layer_types")
    if t in ("qwen2", "qwen3"):  # Qwen2Config / Qwen3Config.__post_init__: defaults 4096 and 28
        w = c.get("sliding_window", 4096) if c.get("use_sliding_window", False) else None
        types = types or ["sliding_attention" if w is not None and i >= c.get("max_window_layers", 28)
                          else "full_attention" for i in range(L)]
    elif t == "gemma2":  # Gemma2Config: sliding if (i + 1) % 2
        w = c.get("sliding_window", 4096)
        types = types or ["sliding_attention" if (i + 1) % 2 else "full_attention" for i in range(L)]
    elif t == "gemma3_text":  # Gemma3TextConfig: sliding if (i + 1) % sliding_window_pattern (6)
        w, n = c.get("sliding_window", 4096), c.get("sliding_window_pattern", 6)
        types = types or ["sliding_attention" if (i + 1) % n else "full_attention" for i in range(L)]
    else:
        return [None] * L
    return [w if k == "sliding_attention" else None for k in types]


def kv_elements(kv, seq):
    """The cached elements of seq tokens: kv is a per-token count (every layer full) or per layer (per token, window)."""
    if isinstance(kv, int):
        return kv * seq
    return sum(e * (min(seq, w) if w else seq) for e, w in kv)


def llama_family(c, t):
    """Returns (state dict sizes, per layer (kv elements per token, window)) for the llama-shaped families."""
    sd = {}
    h, L, a, V = c["hidden_size"], c["num_hidden_layers"], c["num_attention_heads"], c["vocab_size"]
    kv = c.get("num_key_value_heads") or a
    d = c.get("head_dim") or h // a
    I = c["intermediate_size"]
    sd["model.embed_tokens.weight"] = V * h
    tied = c.get("tie_word_embeddings", t in ("gemma", "gemma2", "gemma3_text"))
    if not tied:
        sd["lm_head.weight"] = V * h
    rms(sd, "model.norm", h)
    bias = c.get("attention_bias", False)
    # MistralAttention, MixtralAttention and Phi3Attention have no biases whatever attention_bias says.
    qkv_bias = True if t in ("qwen2", "qwen2_moe") else False if t in ("mistral", "mixtral", "phi3") else bias
    o_bias = False if t in ("qwen2", "qwen2_moe", "mistral", "mixtral", "phi3") else bias
    mla = t in ("deepseek_v2", "deepseek_v3")
    kv_layers = []
    window = windows(c, t)
    for i in range(L):
        p = f"model.layers.{i}."
        if mla:
            r_q, r_kv = c.get("q_lora_rank"), c["kv_lora_rank"]
            nope, rope, vd = c["qk_nope_head_dim"], c["qk_rope_head_dim"], c["v_head_dim"]
            if r_q:
                linear(sd, p + "self_attn.q_a_proj", h, r_q, bias)
                rms(sd, p + "self_attn.q_a_layernorm", r_q)
                linear(sd, p + "self_attn.q_b_proj", r_q, a * (nope + rope), False)
            else:
                linear(sd, p + "self_attn.q_proj", h, a * (nope + rope), False)
            linear(sd, p + "self_attn.kv_a_proj_with_mqa", h, r_kv + rope, bias)
            rms(sd, p + "self_attn.kv_a_layernorm", r_kv)
            linear(sd, p + "self_attn.kv_b_proj", r_kv, a * (nope + vd), False)
            linear(sd, p + "self_attn.o_proj", a * vd, h, bias)
            kv_layers.append((r_kv + rope, None))
        elif t == "phi3":
            linear(sd, p + "self_attn.qkv_proj", h, a * d + 2 * kv * d, False)
            linear(sd, p + "self_attn.o_proj", a * d, h, False)
            kv_layers.append((2 * kv * d, window[i]))
        else:
            linear(sd, p + "self_attn.q_proj", h, a * d, qkv_bias)
            linear(sd, p + "self_attn.k_proj", h, kv * d, qkv_bias)
            linear(sd, p + "self_attn.v_proj", h, kv * d, qkv_bias)
            linear(sd, p + "self_attn.o_proj", a * d, h, o_bias)
            if t in ("qwen3", "qwen3_moe", "gemma3_text"):
                rms(sd, p + "self_attn.q_norm", d)
                rms(sd, p + "self_attn.k_norm", d)
            kv_layers.append((2 * kv * d, window[i]))
        moe = False
        if t == "mixtral":
            moe, E, width = True, c["num_local_experts"], I
        elif t in ("qwen2_moe", "qwen3_moe"):
            step = c.get("decoder_sparse_step", 1)
            moe = i not in c.get("mlp_only_layers", []) and (i + 1) % step == 0
            E, width = c["num_experts"], c["moe_intermediate_size"]
        elif t in ("deepseek", "deepseek_v2", "deepseek_v3") and c.get("n_routed_experts"):
            moe = i >= c.get("first_k_dense_replace", 0) and i % c.get("moe_layer_freq", 1) == 0
            E, width = c["n_routed_experts"], c["moe_intermediate_size"]
        if moe:
            linear(sd, p + "mlp.gate", h, E, False)
            if t == "deepseek_v3":
                sd[p + "mlp.gate.e_score_correction_bias"] = E
            for e in range(E):
                for m in ("gate_proj", "up_proj"):
                    linear(sd, p + f"mlp.experts.{e}.{m}", h, width, False)
                linear(sd, p + f"mlp.experts.{e}.down_proj", width, h, False)
            if t.startswith("deepseek") and c.get("n_shared_experts"):
                s = c["n_shared_experts"] * width
                for m in ("gate_proj", "up_proj"):
                    linear(sd, p + f"mlp.shared_experts.{m}", h, s, False)
                linear(sd, p + "mlp.shared_experts.down_proj", s, h, False)
            if t == "qwen2_moe":
                s = c["shared_expert_intermediate_size"]
                for m in ("gate_proj", "up_proj"):
                    linear(sd, p + f"mlp.shared_expert.{m}", h, s, False)
                linear(sd, p + "mlp.shared_expert.down_proj", s, h, False)
                linear(sd, p + "mlp.shared_expert_gate", h, 1, False)
        elif t == "phi3":
            linear(sd, p + "mlp.gate_up_proj", h, 2 * I, False)
            linear(sd, p + "mlp.down_proj", I, h, False)
        else:
            mb = c.get("mlp_bias", False) if t == "llama" else False
            linear(sd, p + "mlp.gate_proj", h, I, mb)
            linear(sd, p + "mlp.up_proj", h, I, mb)
            linear(sd, p + "mlp.down_proj", I, h, mb)
        rms(sd, p + "input_layernorm", h)
        rms(sd, p + "post_attention_layernorm", h)
        if t in ("gemma2", "gemma3_text"):
            rms(sd, p + "pre_feedforward_layernorm", h)
            rms(sd, p + "post_feedforward_layernorm", h)
    return sd, kv_layers


def gpt2(c):
    sd = {}
    h, L, V, P = c["n_embd"], c["n_layer"], c["vocab_size"], c["n_positions"]
    I = c.get("n_inner") or 4 * h
    sd["transformer.wte.weight"] = V * h
    sd["transformer.wpe.weight"] = P * h
    for i in range(L):
        p = f"transformer.h.{i}."
        layernorm(sd, p + "ln_1", h)
        sd[p + "attn.c_attn.weight"] = h * 3 * h
        sd[p + "attn.c_attn.bias"] = 3 * h
        sd[p + "attn.c_proj.weight"] = h * h
        sd[p + "attn.c_proj.bias"] = h
        layernorm(sd, p + "ln_2", h)
        sd[p + "mlp.c_fc.weight"] = h * I
        sd[p + "mlp.c_fc.bias"] = I
        sd[p + "mlp.c_proj.weight"] = I * h
        sd[p + "mlp.c_proj.bias"] = h
    layernorm(sd, "transformer.ln_f", h)
    return sd, L * 2 * h


def gemma3(c):
    sd, kv = llama_family(c["text_config"], "gemma3_text")
    v, th = c["vision_config"], c["text_config"]["hidden_size"]
    d, I, L, p, img = v["hidden_size"], v["intermediate_size"], v["num_hidden_layers"], v["patch_size"], v["image_size"]
    q = "vision_tower.vision_model."
    sd[q + "embeddings.patch_embedding.weight"] = d * 3 * p * p
    sd[q + "embeddings.patch_embedding.bias"] = d
    sd[q + "embeddings.position_embedding.weight"] = (img // p) ** 2 * d
    for i in range(L):
        r = q + f"encoder.layers.{i}."
        for m in ("q_proj", "k_proj", "v_proj", "out_proj"):
            linear(sd, r + "self_attn." + m, d, d, True)
        layernorm(sd, r + "layer_norm1", d)
        layernorm(sd, r + "layer_norm2", d)
        linear(sd, r + "mlp.fc1", d, I, True)
        linear(sd, r + "mlp.fc2", I, d, True)
    layernorm(sd, q + "post_layernorm", d)
    sd["multi_modal_projector.mm_input_projection_weight"] = d * th
    sd["multi_modal_projector.mm_soft_emb_norm.weight"] = d
    return sd, kv


def mllama(c):
    t, v = c["text_config"], c["vision_config"]
    h, L, a, kv, I, V = (t["hidden_size"], t["num_hidden_layers"], t["num_attention_heads"],
                         t["num_key_value_heads"], t["intermediate_size"], t["vocab_size"])
    d = h // a
    sd = {"language_model.model.embed_tokens.weight": (V + 8) * h, "language_model.lm_head.weight": V * h}
    rms(sd, "language_model.model.norm", h)
    kv_token = 0
    for i in range(L):
        p = f"language_model.model.layers.{i}."
        cross = i in t["cross_attention_layers"]
        s = "cross_attn." if cross else "self_attn."
        linear(sd, p + s + "q_proj", h, a * d, False)
        linear(sd, p + s + "k_proj", h, kv * d, False)
        linear(sd, p + s + "v_proj", h, kv * d, False)
        linear(sd, p + s + "o_proj", a * d, h, False)
        if cross:
            rms(sd, p + s + "q_norm", d)
            rms(sd, p + s + "k_norm", d)
            sd[p + "cross_attn_attn_gate"] = 1
            sd[p + "cross_attn_mlp_gate"] = 1
        else:
            kv_token += 2 * kv * d
        linear(sd, p + "mlp.gate_proj", h, I, False)
        linear(sd, p + "mlp.up_proj", h, I, False)
        linear(sd, p + "mlp.down_proj", I, h, False)
        rms(sd, p + "input_layernorm", h)
        rms(sd, p + "post_attention_layernorm", h)
    vd, vi, patch, img, tiles = v["hidden_size"], v["intermediate_size"], v["patch_size"], v["image_size"], v["max_num_tiles"]
    ratios = len(v["supported_aspect_ratios"]) + 1
    n = (img // patch) ** 2 + 1
    q = "vision_model."
    sd[q + "patch_embedding.weight"] = vd * 3 * patch * patch
    sd[q + "class_embedding"] = vd
    sd[q + "gated_positional_embedding.gate"] = 1
    sd[q + "gated_positional_embedding.embedding"] = n * vd
    sd[q + "gated_positional_embedding.tile_embedding.weight"] = ratios * tiles * n * vd
    for e in ("pre_tile_positional_embedding", "post_tile_positional_embedding"):
        sd[q + e + ".embedding.weight"] = ratios * tiles * vd
        sd[q + e + ".gate"] = 1
    layernorm(sd, q + "layernorm_pre", vd)
    layernorm(sd, q + "layernorm_post", vd)
    for enc, layers, gated in (("transformer", v["num_hidden_layers"], False), ("global_transformer", v["num_global_layers"], True)):
        for i in range(layers):
            r = q + f"{enc}.layers.{i}."
            for m in ("q_proj", "k_proj", "v_proj", "o_proj"):
                linear(sd, r + "self_attn." + m, vd, vd, False)
            linear(sd, r + "mlp.fc1", vd, vi, True)
            linear(sd, r + "mlp.fc2", vi, vd, True)
            layernorm(sd, r + "input_layernorm", vd)
            layernorm(sd, r + "post_attention_layernorm", vd)
            if gated:
                sd[r + "gate_attn"] = 1
                sd[r + "gate_ffn"] = 1
    linear(sd, "multi_modal_projector", v["vision_output_dim"], h, True)
    return sd, kv_token


def random_config(t, rnd):
    kvh = rnd.choice([1, 2, 4])
    a = kvh * rnd.choice([1, 2, 3])
    d = rnd.choice([8, 16, 32])
    c = {"model_type": t, "hidden_size": rnd.choice([32, 48, 64, 96]), "num_hidden_layers": rnd.randint(1, 6),
         "num_attention_heads": a, "num_key_value_heads": kvh, "head_dim": d,
         "intermediate_size": rnd.choice([40, 64, 100]), "vocab_size": rnd.randint(50, 500),
         "tie_word_embeddings": rnd.random() < 0.5, "attention_bias": rnd.random() < 0.3, "torch_dtype": "bfloat16"}
    if t == "llama":
        c["mlp_bias"] = rnd.random() < 0.3
    if t == "mixtral":
        c["num_local_experts"] = rnd.randint(2, 6)
        c["num_experts_per_tok"] = rnd.randint(1, c["num_local_experts"])
    if t in ("qwen2_moe", "qwen3_moe"):
        c.update(num_experts=rnd.randint(2, 6), moe_intermediate_size=rnd.choice([16, 24]),
                 decoder_sparse_step=rnd.randint(1, 2),
                 mlp_only_layers=sorted(rnd.sample(range(c["num_hidden_layers"]), rnd.randint(0, 1))))
        c["num_experts_per_tok"] = rnd.randint(1, c["num_experts"])
        if t == "qwen2_moe":
            c["shared_expert_intermediate_size"] = rnd.choice([16, 40])
    if t.startswith("deepseek"):
        c.update(n_routed_experts=rnd.randint(2, 6), moe_intermediate_size=rnd.choice([16, 24]),
                 n_shared_experts=rnd.randint(0, 2), first_k_dense_replace=rnd.randint(0, 2),
                 moe_layer_freq=rnd.randint(1, 2))
        c["num_experts_per_tok"] = rnd.randint(1, c["n_routed_experts"])
    if t in ("deepseek_v2", "deepseek_v3"):
        c.update(q_lora_rank=rnd.choice([None, 24]), kv_lora_rank=rnd.choice([16, 32]), qk_nope_head_dim=8,
                 qk_rope_head_dim=rnd.choice([4, 8]), v_head_dim=rnd.choice([8, 12]), num_key_value_heads=a)
    # Windows smaller than the random sequence lengths below, sometimes as explicit layer_types.
    L = c["num_hidden_layers"]
    if t in ("mistral", "mixtral", "phi3") and rnd.random() < 0.7:
        c["sliding_window"] = rnd.randint(1, 48)
    if t in ("qwen2", "qwen3") and rnd.random() < 0.7:
        c["use_sliding_window"] = True
        if rnd.random() < 0.8:
            c["sliding_window"] = rnd.randint(1, 48)
        if rnd.random() < 0.8:
            c["max_window_layers"] = rnd.randint(0, L)
    if t in ("gemma2", "gemma3_text"):
        c["sliding_window"] = rnd.randint(1, 48) if rnd.random() < 0.9 else None
        if t == "gemma3_text" and rnd.random() < 0.5:
            c["sliding_window_pattern"] = rnd.randint(1, 4)
    if t in ("qwen2", "qwen3", "gemma2", "gemma3_text") and rnd.random() < 0.25 and c.get("sliding_window", 1):
        c["layer_types"] = [rnd.choice(["full_attention", "sliding_attention"]) for _ in range(L)]
    if t == "gpt2":
        c = {"model_type": "gpt2", "n_embd": 16 * rnd.randint(1, 4), "n_layer": rnd.randint(1, 4), "n_head": 4,
             "vocab_size": rnd.randint(50, 300), "n_positions": rnd.randint(16, 64), "torch_dtype": "bfloat16"}
        if rnd.random() < 0.5:
            c["n_inner"] = rnd.choice([40, 80])
    return c


def main():
    numscope = sys.argv[1]
    cases = int(sys.argv[sys.argv.index("--cases") + 1]) if "--cases" in sys.argv else 30
    rnd = random.Random(15)
    families = ["llama", "mistral", "mixtral", "qwen2", "qwen2_moe", "qwen3", "qwen3_moe", "gemma", "gemma2",
                "gemma3_text", "phi3", "gpt2", "deepseek", "deepseek_v2", "deepseek_v3", "gemma3", "mllama"]
    failures = checked = 0
    with tempfile.TemporaryDirectory() as tmp:
        for t in families:
            for k in range(cases):
                if t == "gemma3":
                    c = {"model_type": "gemma3", "torch_dtype": "bfloat16",
                         "text_config": dict(random_config("gemma3_text", rnd), model_type="gemma3_text"),
                         "vision_config": {"hidden_size": 16 * rnd.randint(1, 3), "intermediate_size": 40,
                                           "num_hidden_layers": rnd.randint(1, 3), "num_attention_heads": 2,
                                           "patch_size": 4, "image_size": 4 * rnd.randint(1, 4)}}
                    sd, kv = gemma3(c)
                elif t == "mllama":
                    layers = rnd.randint(2, 6)
                    c = {"model_type": "mllama", "torch_dtype": "bfloat16",
                         "text_config": {"hidden_size": 64, "num_hidden_layers": layers, "num_attention_heads": 4,
                                         "num_key_value_heads": rnd.choice([1, 2, 4]), "intermediate_size": 80,
                                         "vocab_size": rnd.randint(50, 300),
                                         "cross_attention_layers": sorted(rnd.sample(range(layers), rnd.randint(1, 2)))},
                         "vision_config": {"hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": rnd.randint(1, 3),
                                           "num_global_layers": rnd.randint(0, 2), "attention_heads": 2,
                                           "patch_size": 4, "image_size": 8 * rnd.randint(1, 2), "max_num_tiles": rnd.randint(1, 4),
                                           "vision_output_dim": 64,
                                           "supported_aspect_ratios": [[1, 1], [1, 2], [2, 1]][: rnd.randint(1, 3)]}}
                    sd, kv = mllama(c)
                elif t == "gpt2":
                    c = random_config(t, rnd)
                    sd, kv = gpt2(c)
                else:
                    c = random_config(t, rnd)
                    if t == "phi3" or t in ("gemma",):
                        c.pop("head_dim") if t == "phi3" else None
                        if t == "phi3":
                            c["num_attention_heads"] = c["hidden_size"] // 16
                            c["num_key_value_heads"] = c["num_attention_heads"]
                    sd, kv = llama_family(c, t)
                path = Path(tmp) / f"{t}-{k}.json"
                path.write_text(json.dumps(c))
                seq = rnd.choice([1, rnd.randint(2, 96)])
                out = subprocess.run([numscope, "memory", "--config", str(path), "--batch", "1", "--seq", str(seq),
                                      "--weights", "bf16", "--kv", "bf16", "-o", "json"], capture_output=True, text=True)
                if out.returncode != 0:
                    print(f"FAIL {t} #{k}: exit {out.returncode}: {out.stderr.strip()}\n  {json.dumps(c)}")
                    failures += 1
                    continue
                rows = {r["name"]: r for r in json.loads(out.stdout)["tables"]["breakdown"]}
                got_params = int(rows["weights"]["elements"])
                got_kv = int(rows["kv_cache"]["bytes"]) // 2 if "kv_cache" in rows else 0
                want, want_kv = sum(sd.values()), kv_elements(kv, seq)
                checked += 1
                if got_params != want or got_kv != want_kv:
                    failures += 1
                    print(f"FAIL {t} #{k} seq {seq}: params {got_params} vs {want}, kv {got_kv} vs {want_kv}\n  {json.dumps(c)}")
    print(f"independent count: {checked} configs of {len(families)} families, {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
