// Tests of the architectures against published figures and independent transcriptions: the Hub's per-dtype
// tensor totals of DeepSeek-V3, vLLM's KV-cache page formulas, the window arithmetic of the issue, quantized
// checkpoints, expert parallelism and bad configs.
#include <catch2/catch.hpp>

#include <cmath>   // std::min
#include <string>  // std::string

#include "numscope/memory/estimate.h"
#include "numscope/memory/kv_cache.h"
#include "numscope/memory/model.h"
#include "numscope/memory/weights.h"
#include "numscope/support/error.h"

#include "helpers.h"

using namespace numscope;
using namespace numscope::memory;
using namespace numscope::memory::test;

namespace {


// vLLM's KV specs, transcribed (vllm/v1/kv_cache_interface.py): AttentionSpec.page_size_bytes =
// 2 * block_size * num_kv_heads * head_size * get_dtype_size(dtype); MLAAttentionSpec: block_size * num_kv_heads (1)
// * head_size (kv_lora_rank + qk_rope_head_dim) * dtype size. Per token: divide by block_size, times the layers.
double vllm_full_attention_per_token(std::int64_t layers, std::int64_t kv_heads, std::int64_t head_size, int dtype) {
  const std::int64_t block = 16;
  return static_cast<double>(layers) * (2.0 * block * kv_heads * head_size * dtype) / block;
}
double vllm_mla_per_token(std::int64_t layers, std::int64_t kv_lora_rank, std::int64_t rope, int dtype) {
  const std::int64_t block = 16;
  return static_cast<double>(layers) * (block * 1.0 * (kv_lora_rank + rope) * dtype) / block;
}

}  // namespace

TEST_CASE("DeepSeek-V3's checkpoint holds the Hub's exact tensor counts per dtype", "[memory][deepseek]") {
  // huggingface.co/api/models/deepseek-ai/DeepSeek-V3 "safetensors": BF16 3,918,786,560, F8_E4M3 680,571,043,840,
  // F32 41,555,600, total 684,531,386,000 (quoted in public repositories, e.g. search "680571043840"). The
  // F8 tensors are every block projection of the 61 layers and the MTP layer, the F32 ones their 128×128 block
  // scales and the routers' e_score_correction_bias, BF16 the rest with the MTP layer's stored embedding and head.
  const auto c = checkpoint_elements(find_preset("deepseek-v3"));
  CHECK(c.at("BF16") == 3'918'786'560);
  CHECK(c.at("F8_E4M3") == 680'571'043'840);
  CHECK(c.at("F32") == 41'555'600);
  CHECK(c.size() == 3);
  const ParamBreakdown b = param_breakdown(find_preset("deepseek-v3"));
  // 671B main model (README_WEIGHTS.md) and the MTP module apart; the 926,679,040-element embedding and head are
  // stored twice more under the MTP layer.
  CHECK(b.total == 671'026'419'200);
  CHECK(b.total + b.mtp + 2 * 926'679'040 == 684'531'386'000 - 41'555'600 + 15'104);
  // About 37B active: DeepSeek counts 36.6B without the 0.93B embedding lookup.
  CHECK(b.active == 37'552'297'472);
  CHECK(b.active - b.embedding == 36'625'618'432);
}

TEST_CASE("published totals: DeepSeek-V3's plain total, DeepSeek LLM 67B, Llama 3.2 90B Vision", "[memory][params]") {
  // DeepSeek-V3's plain total on the Hub (huggingface.co/api/models/deepseek-ai/DeepSeek-V3 "safetensors.total"):
  // 684,531,386,000 tensor elements; in bytes (bf16 2, fp8 1, fp32 4) 688,574,839,360. The repository's weight files
  // total 688,586,727,753 bytes (public records of the artifact, search "688586727753"): 11,888,393 more, the
  // 163 shards' JSON headers.
  std::int64_t elements = 0;
  for (const auto& [dtype, n] : checkpoint_elements(find_preset("deepseek-v3"))) elements += n;
  CHECK(elements == 684'531'386'000);
  CHECK(3'918'786'560LL * 2 + 680'571'043'840LL + 41'555'600LL * 4 == 688'574'839'360LL);
  // DeepSeek LLM 67B: pytorch_model.bin.index.json total_size 134,850,002,944 bytes of bf16 tensors.
  CHECK(param_count(find_preset("deepseek-llm-67b")) * 2 == 134'850'002'944);
  // Llama 3.2 90B Vision has no exact published count (Meta's card rounds to "88.8", and its "10.6" for the 11B is
  // not the Hub's exact 10,670,220,835 either). It is derived here from two exact Hub counts and modeling_mllama.py:
  // the 11B's vision tower (its total less Llama-3.1-8B's 8,030,261,248, the 8 extra embedding rows and 8 cross-
  // attention layers, less its 7680 → 4096 projector) and Llama-3.1-70B's 70,553,706,496 with 20 cross-attention
  // layers (MllamaCrossAttentionDecoderLayer: a self-attention layer's modules + q_norm, k_norm of head_dim 128 and
  // two scalar gates), 8 extra embedding rows and a 7680 → 8192 projector with bias.
  auto layer = [](std::int64_t h, std::int64_t kv, std::int64_t I) {
    return 2 * h * h + 2 * h * kv + 3 * h * I + 2 * h;  // q, o; k, v; gate, up, down; two RMSNorms
  };
  const std::int64_t cross_extra = 2 * 128 + 2;
  const std::int64_t text_11b = 8'030'261'248 + 8 * 4096 + 8 * (layer(4096, 1024, 14336) + cross_extra);
  const std::int64_t vision = 10'670'220'835 - text_11b - (7680 * 4096 + 4096);
  const std::int64_t text_90b = 70'553'706'496 + 8 * 8192 + 20 * (layer(8192, 1024, 28672) + cross_extra);
  CHECK(param_count(find_preset("llama-3.2-90b-vision")) == text_90b + vision + 7680 * 8192 + 8192);
  CHECK(param_count(find_preset("llama-3.2-90b-vision")) == 88'593'355'323);
}

TEST_CASE("KV bytes per token per family equal vLLM's page formulas", "[memory][kv]") {
  const KvFormat bf16 = kv_format("bf16");
  // MLA: DeepSeek V3 in bf16, 61 × (512 + 64) × 2 = 70,272 B per token (the issue's figure).
  CHECK(kv_bytes_per_token(find_preset("deepseek-v3"), bf16) == 70'272);
  CHECK(kv_bytes_per_token(find_preset("deepseek-v3"), bf16) == vllm_mla_per_token(61, 512, 64, 2));
  CHECK(kv_bytes_per_token(find_preset("deepseek-v2-lite"), bf16) == vllm_mla_per_token(27, 512, 64, 2));
  CHECK(kv_bytes_per_token(find_preset("llama-3-8b"), bf16) == 131'072);
  struct Case {
    const char* model;
    std::int64_t layers, kv_heads, head_dim;
  };
  for (const Case& c : {Case{"llama-3.2-1b", 16, 8, 64}, {"llama-3.1-405b", 126, 8, 128}, {"qwen2.5-7b", 28, 4, 128},
                        {"qwen3-8b", 36, 8, 128}, {"qwen3-30b-a3b", 48, 4, 128}, {"qwen1.5-moe-a2.7b", 24, 16, 128},
                        {"mixtral-8x7b", 32, 8, 128}, {"gemma-2-9b", 42, 8, 256}, {"gemma-3-27b", 62, 16, 128},
                        {"gemma-3-1b", 26, 1, 256}, {"phi-3-mini", 32, 32, 96}, {"gpt2", 12, 12, 64},
                        {"deepseek-moe-16b", 28, 16, 128}, {"deepseek-llm-67b", 95, 8, 128},
                        // Mllama: only the 32 self-attention layers cache text tokens.
                        {"llama-3.2-11b-vision", 32, 8, 128}}) {
    INFO(c.model);
    CHECK(kv_bytes_per_token(find_preset(c.model), bf16) ==
          vllm_full_attention_per_token(c.layers, c.kv_heads, c.head_dim, 2));
  }
}

TEST_CASE("sliding-window layers hold min(window, tokens)", "[memory][kv][window]") {
  // The issue: Mistral-7B-v0.1 at 32k tokens holds 4096 tokens per layer: 0.50 GiB, not 4.00 GiB.
  CHECK(est({{"model", "mistral-7b"}, {"batch", "1"}, {"seq", "32768"}}).kv_cache == 32.0 * 4096 * 2 * 8 * 128 * 2);
  CHECK(est({{"model", "mistral-7b"}, {"batch", "1"}, {"seq", "32768"}}).kv_cache == 0.5 * (1 << 30));
  // Gemma-3-27B at 128k: 10 global layers hold 131072 tokens, 52 local layers 1024 (layer i is global when
  // (i + 1) % 6 == 0): about 10.4 GiB.
  const double per = 2.0 * 16 * 128 * 2;
  CHECK(est({{"model", "gemma-3-27b"}, {"batch", "1"}, {"seq", "131072"}}).kv_cache ==
        (10.0 * 131072 + 52.0 * 1024) * per);
  // Gemma 2 alternates: 21 of 42 layers local (4096).
  CHECK(est({{"model", "gemma-2-9b"}, {"batch", "2"}, {"seq", "8192"}, {"kv", "bf16"}}).kv_cache ==
        (21.0 * 8192 + 21.0 * 4096) * 2 * 8 * 256 * 2 * 2);
  // Below the window nothing changes.
  CHECK(est({{"model", "mistral-7b"}, {"batch", "1"}, {"seq", "1000"}}).kv_cache == 1000.0 * 32 * 2 * 8 * 128 * 2);
  // The configuration classes' defaults and nulls (transformers configuration_qwen2.py: sliding_window 4096,
  // max_window_layers 28, layer i sliding when i >= max_window_layers; sliding_window null means no window).
  const std::string qwen = R"({"model_type": "qwen2", "hidden_size": 64, "num_hidden_layers": 30,
      "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 128, "vocab_size": 100,
      "use_sliding_window": true)";
  const KvFormat bf16 = kv_format("bf16");
  auto kv_bytes = [&](const std::string& json, std::int64_t seq) {
    double sum = 0;
    for (const KvRow& r : kv_cache_rows(parse_config_json(json), bf16, KvRequest{1, seq})) sum += r.bytes;
    return sum;
  };
  const double per_layer_token = 2.0 * 2 * 16 * 2;
  CHECK(kv_bytes(qwen + "}", 5000) == (28.0 * 5000 + 2.0 * 4096) * per_layer_token);
  CHECK(kv_bytes(qwen + R"(, "sliding_window": null})", 5000) == 30.0 * 5000 * per_layer_token);
  CHECK(kv_bytes(qwen + R"(, "sliding_window": 100, "max_window_layers": 0})", 5000) == 30.0 * 100 * per_layer_token);
  // Gemma 2 with sliding_window null: its "sliding" layers attend to every token.
  const std::string gemma2 = R"({"model_type": "gemma2", "hidden_size": 64, "num_hidden_layers": 4, "head_dim": 16,
      "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 128, "vocab_size": 100)";
  CHECK(kv_bytes(gemma2 + "}", 5000) == (2.0 * 5000 + 2.0 * 4096) * per_layer_token);
  CHECK(kv_bytes(gemma2 + R"(, "sliding_window": null})", 5000) == 4.0 * 5000 * per_layer_token);
  // Sliding layers named with no window are refused rather than guessed.
  CHECK_THROWS_WITH(kv_bytes(gemma2 + R"(, "sliding_window": null, "layer_types": ["sliding_attention",
      "full_attention", "sliding_attention", "sliding_attention"]})", 5000),
                    Catch::Contains("need a sliding window size"));
}

TEST_CASE("paged KV blocks, KV formats with scales, cross-attention", "[memory][kv]") {
  // vLLM rounds each sequence up to whole blocks: 1000 tokens in blocks of 16 are 1008.
  CHECK(est({{"model", "llama-3-8b"}, {"batch", "3"}, {"seq", "1000"}, {"kv-block", "16"}}).kv_cache ==
        3.0 * 1008 * 131072);
  // fp8 halves; int8 adds an fp16 scale and zero point per token and head (4 B per 128 elements).
  CHECK(est({{"model", "llama-3-8b"}, {"batch", "1"}, {"seq", "8192"}, {"kv", "fp8"}}).kv_cache == 0.5 * (1 << 30));
  CHECK(est({{"model", "llama-3-8b"}, {"batch", "1"}, {"seq", "1"}, {"kv", "int8"}}).kv_cache ==
        32.0 * 2 * 8 * (128 + 4));
  // nvfp4: 4-bit elements with an e4m3 scale per 16: 4.5 bits per element.
  CHECK(est({{"model", "llama-3-8b"}, {"batch", "1"}, {"seq", "1"}, {"kv", "nvfp4"}}).kv_cache ==
        32.0 * 2 * 8 * 128 * 4.5 / 8);
  // Llama 3.2 Vision: 8 cross-attention layers cache one image of 4 tiles × 1601 patches.
  const MemoryEstimate v = est({{"model", "llama-3.2-11b-vision"}, {"batch", "1"}, {"seq", "1"}});
  CHECK(component(v, "kv_cache_cross").bytes == 8.0 * 4 * 1601 * 2 * 8 * 128 * 2);
  CHECK(component(v, "kv_cache").bytes == 32.0 * 2 * 8 * 128 * 2);
  CHECK(est({{"model", "llama-3.2-11b-vision"}, {"batch", "1"}, {"seq", "1"}, {"images", "0"}}).kv_cache ==
        32.0 * 2 * 8 * 128 * 2);
  // MLA under tensor parallelism: the latent is on every rank.
  const MemoryEstimate m = est({{"model", "deepseek-v3"}, {"batch", "1"}, {"seq", "1000"}, {"tp", "8"}});
  CHECK(component(m, "kv_cache").per_gpu_bytes == 1000.0 * 70'272);
}

TEST_CASE("the KV cache defaults to the activation dtype", "[memory][kv]") {
  // fp8 weights no longer put the KV cache in fp8; fp32 weights run fp32 activations.
  CHECK(component(est({{"model", "llama-3-8b"}, {"weights", "e4m3"}, {"batch", "1"}, {"seq", "1"}}), "kv_cache")
            .dtype == "bf16");
  CHECK(component(est({{"model", "llama-3-8b"}, {"weights", "fp32"}, {"batch", "1"}, {"seq", "1"}}), "kv_cache")
            .dtype == "fp32");
  CHECK(component(est({{"model", "llama-3-8b"}, {"weights", "fp16"}, {"batch", "1"}, {"seq", "1"}}), "kv_cache")
            .dtype == "fp16");
  CHECK(component(est({{"model", "llama-3-8b"}, {"weights", "int4-g128"}, {"batch", "1"}, {"seq", "1"}}),
                  "kv_cache")
            .dtype == "bf16");
}

TEST_CASE("quantized weights store the linear layers; embeddings and head stay 16-bit", "[memory][quantized]") {
  // Llama-3.1-8B int4-g128: 6,979,321,856 linear weights at 4 + 16/128 bits, 1,050,939,392 others in bf16.
  const MemoryEstimate e = est({{"model", "llama-3.1-8b"}, {"weights", "int4-g128"}});
  CHECK(component(e, "weights").bytes == 6'979'321'856.0 * 4.125 / 8);
  CHECK(component(e, "weights_other").bytes == 1'050'939'392.0 * 2);
  CHECK(e.weights == Approx(5.70e9).epsilon(0.001));
  const MemoryEstimate q = est({{"model", "llama-3.1-8b"}, {"weights", "int4-g128"}, {"quantize-embeddings", ""}});
  CHECK(component(q, "weights").elements == 6'979'321'856.0 + 2 * 525'336'576);
  CHECK(component(q, "weights_other").bytes == 266'240.0 * 2);  // the norms
  // Training with narrow weights keeps them 16-bit too (they were stored in --weights: int4-g128 norm vectors,
  // e4m3 embeddings), as inference and LoRA do: 1,050,939,392 others × 2 B in the model's bf16.
  for (const char* w : {"int4-g128", "e4m3", "int8"}) {
    const MemoryEstimate t = est({{"model", "llama-3.1-8b"}, {"mode", "train"}, {"weights", w}});
    CHECK(component(t, "weights_other").dtype == "bf16");
    CHECK(component(t, "weights_other").bytes == 1'050'939'392.0 * 2);
  }
  // A config's quantization_config sets the default: DeepSeek V3 in fp8 with 128×128 fp32 block scales.
  const MemoryEstimate d = est({{"model", "deepseek-v3"}});
  CHECK(component(d, "weights").dtype == "e4m3");
  // Its scales: the checkpoint's F32 tensors less the router biases (59 × 256) and the MTP layer's 702,264 scales.
  CHECK(component(d, "weights").bytes == 669'065'609'216.0 + 4.0 * (41'555'600 - 15'104 - 702'264));
}

TEST_CASE("MoE: active parameters and expert parallelism", "[memory][moe]") {
  // Mixtral 8x7B: 12.9B active of 46.7B (top-2 of 8).
  CHECK(param_breakdown(find_preset("mixtral-8x7b")).active == 12'879'925'248);
  CHECK(param_breakdown(find_preset("qwen3-30b-a3b")).active == 3'353'032'704);
  const MemoryEstimate one = est({{"model", "mixtral-8x7b"}});
  const MemoryEstimate ep = est({{"model", "mixtral-8x7b"}, {"ep", "8"}});
  const double experts = 32.0 * 8 * 3 * 4096 * 14336 * 2;
  CHECK(component(ep, "weights").per_gpu_bytes == one.weights - experts + experts / 8);
  CHECK_THROWS_WITH(est({{"model", "llama-3-8b"}, {"ep", "2"}}), Catch::Contains("mixture-of-experts"));
  CHECK_THROWS_WITH(est({{"model", "mixtral-8x7b"}, {"ep", "3"}}), Catch::Contains("must divide"));
}

TEST_CASE("bad configs exit with one line naming the field", "[memory][config][errors]") {
  const std::string base = R"("model_type": "llama", "num_hidden_layers": 2, "num_attention_heads": 4,
      "intermediate_size": 8, "vocab_size": 10)";
  CHECK_THROWS_WITH(parse_config_json("{" + base + R"(, "hidden_size": 30})"), Catch::Contains("not a multiple"));
  CHECK_THROWS_WITH(parse_config_json(R"({"model_type": "llama", "hidden_size": 64, "num_hidden_layers": 0,
      "num_attention_heads": 4, "intermediate_size": 8, "vocab_size": 10})"),
                    Catch::Contains("num_hidden_layers"));
  CHECK_THROWS_WITH(parse_config_json("{" + base + R"(, "hidden_size": 1099511627776})"),
                    Catch::Contains("larger than 2^31"));
  CHECK_THROWS_WITH(parse_config_json(R"({"model_type": "llama", "hidden_size": 2147483648, "num_hidden_layers": 2,
      "num_attention_heads": 1, "intermediate_size": 8, "vocab_size": 10})"),
                    Catch::Contains("10^15"));
  // Products past 10^15 parameters are refused, not wrapped.
  CHECK_THROWS_WITH(parse_config_json(R"({"model_type": "llama", "hidden_size": 1048576, "num_hidden_layers": 100000,
      "num_attention_heads": 1, "intermediate_size": 1048576, "vocab_size": 10})"),
                    Catch::Contains("10^15"));
  CHECK_THROWS_WITH(parse_config_json(R"({"model_type": "falcon"})"), Catch::Contains("deepseek_v3"));
  CHECK_THROWS_WITH(parse_config_json(R"({"model_type": "deepseek_v3", "hidden_size": 64, "num_hidden_layers": 2,
      "num_attention_heads": 4, "intermediate_size": 8, "vocab_size": 10})"),
                    Catch::Contains("kv_lora_rank"));
  CHECK_THROWS_WITH(parse_config_json(R"({"model_type": "mllama"})"), Catch::Contains("text_config"));
  CHECK_THROWS_WITH(parse_config_json(R"({"model_type": "gemma2", "hidden_size": 64, "num_hidden_layers": 2,
      "num_attention_heads": 4, "intermediate_size": 8, "vocab_size": 10, "head_dim": 16,
      "layer_types": ["full_attention"]})"),
                    Catch::Contains("layer_types"));
}
