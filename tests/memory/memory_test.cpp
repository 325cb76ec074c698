// Tests of the memory estimator against published parameter counts, papers' worked examples and the users' notes.
#include <catch2/catch.hpp>

#include <cmath>    // std::round
#include <set>      // std::set
#include <string>   // std::string

#include "numscope/support/error.h"
#include "numscope/memory/estimate.h"
#include "numscope/memory/gpu.h"
#include "numscope/memory/model.h"

#include "helpers.h"

using namespace numscope;
using namespace numscope::memory;
using namespace numscope::memory::test;

namespace {


std::string fixture(const std::string& name) { return std::string(NUMSCOPE_MEMORY_FIXTURES) + "/" + name; }
std::string preset_file(const std::string& name) { return std::string(NUMSCOPE_PRESET_CONFIGS) + "/" + name; }

// Rounds to `digits` significant figures, as papers print them.
double sig(double v, int digits) {
  const double scale = std::pow(10.0, digits - 1 - static_cast<int>(std::floor(std::log10(std::fabs(v)))));
  return std::round(v * scale) / scale;
}

}  // namespace

TEST_CASE("every preset's parameter count equals its published count", "[memory][params]") {
  REQUIRE(presets().size() >= 49);
  int published = 0;
  for (const Architecture& a : presets()) {
    INFO(a.name);
    if (a.published_params == 0) continue;  // no exact published count (DeepSeek V3's is per dtype, tested apart)
    CHECK(param_count(a) == a.published_params);
    ++published;
  }
  CHECK(published >= 44);
  // The anchors of the issue, spelled out.
  CHECK(param_count(find_preset("llama-2-7b")) == 6'738'415'616);
  CHECK(param_count(find_preset("llama-3-8b")) == 8'030'261'248);
  CHECK(param_count(find_preset("gpt2")) == 124'439'808);
  CHECK(param_count(find_preset("Mixtral-8x7B")) == 46'702'792'704);
}

TEST_CASE("the presets the issue names are all there", "[memory][params]") {
  for (const char* name : {"llama-2-7b", "llama-2-13b", "llama-2-70b", "llama-3-8b", "llama-3-70b", "llama-3.1-405b",
                           "mistral-7b", "mixtral-8x7b", "qwen2.5-0.5b", "qwen2.5-7b", "qwen2.5-72b", "gemma-2b",
                           "gemma-7b", "phi-3-mini", "gpt2"})
    CHECK_NOTHROW(find_preset(name));
  // Issue 15: every model seed 003 lists (Llama 3/3.1/3.2/3.3, Qwen 2.5, QwQ, DeepSeek LLM, V3, R1 and its six
  // distills, Gemma 3), each with the model it is a fine-tune of also built in.
  const char* const seed003[] = {
      "llama-3-8b", "llama-3-70b", "llama-3.1-8b", "llama-3.1-70b", "llama-3.1-405b", "llama-3.2-1b", "llama-3.2-3b",
      "llama-3.2-11b-vision", "llama-3.2-90b-vision", "llama-3.3-70b", "qwen2.5-0.5b", "qwen2.5-1.5b", "qwen2.5-3b",
      "qwen2.5-7b", "qwen2.5-14b", "qwen2.5-32b", "qwen2.5-72b", "qwq-32b", "deepseek-llm-7b", "deepseek-llm-67b",
      "deepseek-v3", "deepseek-r1", "deepseek-r1-distill-qwen-1.5b", "deepseek-r1-distill-qwen-7b",
      "deepseek-r1-distill-llama-8b", "deepseek-r1-distill-qwen-14b", "deepseek-r1-distill-qwen-32b",
      "deepseek-r1-distill-llama-70b", "gemma-3-1b", "gemma-3-4b", "gemma-3-12b", "gemma-3-27b"};
  for (const char* name : seed003) {
    INFO(name);
    REQUIRE_NOTHROW(find_preset(name));
    CHECK(est({{"model", name}, {"seq", "4096"}}).params == param_count(find_preset(name)));
  }
  for (const Preset& p : preset_list()) {
    INFO(p.arch.name);
    if (!p.base.empty()) CHECK_NOTHROW(find_preset(p.base));
  }
  // A Hub id of the same architecture finds its preset: the organisation, Meta's prefix and the instruction or
  // format suffixes do not change config.json's architecture.
  const std::pair<const char*, const char*> hub_ids[] = {
      {"meta-llama/Llama-3.2-1B-Instruct", "llama-3.2-1b"},  {"meta-llama/Meta-Llama-3-8B-Instruct", "llama-3-8b"},
      {"Llama-2-7b-chat-hf", "llama-2-7b"},                  {"Qwen/Qwen2.5-32B-Instruct", "qwen2.5-32b"},
      {"google/gemma-3-27b-it", "gemma-3-27b"},              {"deepseek-ai/deepseek-llm-7b-chat", "deepseek-llm-7b"},
      {"deepseek-ai/DeepSeek-V3-Base", "deepseek-v3-base"}, {"mistralai/Mistral-7B-Instruct-v0.1", "mistral-7b"},
      {"meta-llama/Llama-3.2-90B-Vision-Instruct", "llama-3.2-90b-vision"}};
  for (const auto& [id, preset] : hub_ids) CHECK(find_preset(id).name == preset);
  CHECK_THROWS_AS(find_preset("llama-9"), InputError);
  CHECK_THROWS_AS(find_preset("mistralai/Mistral-7B-Instruct-v0.2"), InputError);  // no window, another context
  CHECK_THROWS_AS(find_preset("-instruct"), InputError);
  // A name of a megabyte of "-it" suffixes is refused at once (the suffix loop copied it once per suffix).
  std::string huge = "x";
  for (int i = 0; i < 400'000; ++i) huge += "-it";
  CHECK_THROWS_WITH(find_preset(huge), Catch::Contains("a name of 1200001 characters"));
  // A misspelt name gets the closest presets first.
  CHECK_THROWS_WITH(find_preset("llama3-8b"), Catch::Contains("did you mean llama-3-8b"));
  CHECK_THROWS_WITH(find_preset("google/gemma3-27b-it"), Catch::Contains("did you mean gemma-3-27b"));
  CHECK_THROWS_WITH(find_preset("falcon-7b"), !Catch::Contains("did you mean") && Catch::Contains("built-in models"));
}

TEST_CASE("a config.json per family gives the preset's count", "[memory][config]") {
  const std::pair<const char*, const char*> cases[] = {
      {"llama-2-7b.json", "llama-2-7b"},     {"llama-3-8b.json", "llama-3-8b"}, {"mistral-7b.json", "mistral-7b"},
      {"mixtral-8x7b.json", "mixtral-8x7b"}, {"qwen2.5-0.5b.json", "qwen2.5-0.5b"}, {"gemma-2b.json", "gemma-2b"},
      {"phi-3-mini.json", "phi-3-mini"},     {"gpt2.json", "gpt2"}};
  for (const auto& [file, preset] : cases) {
    INFO(file);
    const Architecture a = load_config_json(preset_file(file));
    CHECK(param_count(a) == param_count(find_preset(preset)));
    CHECK(a.kv_heads == find_preset(preset).kv_heads);
    CHECK(a.head_dim == find_preset(preset).head_dim);
  }
  // The same through the request.
  CHECK(est({{"config", preset_file("llama-3-8b.json")}}).params == 8'030'261'248);
}

TEST_CASE("bad config.json files name the problem", "[memory][config][errors]") {
  try {
    load_config_json(fixture("incomplete.json"));
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()).find("num_hidden_layers") != std::string::npos);
  }
  CHECK_THROWS_WITH(load_config_json(fixture("malformed.json")), Catch::Contains("not valid JSON"));
  CHECK_THROWS_WITH(load_config_json(fixture("missing.json")), Catch::Contains("cannot read"));
  CHECK_THROWS_WITH(parse_config_json(R"({"model_type": "bert"})"), Catch::Contains("unsupported model_type"));
  CHECK_THROWS_WITH(parse_config_json(R"({"hidden_size": 1})"), Catch::Contains("model_type"));
  CHECK_THROWS_WITH(parse_config_json("[1, 2]"), Catch::Contains("not a JSON object"));
  CHECK_THROWS_WITH(parse_config_json(R"({"model_type": "llama", "hidden_size": -4096, "num_hidden_layers": 2,
      "num_attention_heads": 2, "intermediate_size": 8, "vocab_size": 10})"),
                    Catch::Contains("hidden_size"));
  CHECK_THROWS_WITH(parse_config_json(R"({"model_type": "llama", "hidden_size": "4096", "num_hidden_layers": 2,
      "num_attention_heads": 2, "intermediate_size": 8, "vocab_size": 10})"),
                    Catch::Contains("hidden_size"));
  CHECK_THROWS_WITH(parse_config_json(R"({"model_type": "mixtral", "hidden_size": 64, "num_hidden_layers": 2,
      "num_attention_heads": 2, "intermediate_size": 8, "vocab_size": 10})"),
                    Catch::Contains("num_local_experts"));
}

TEST_CASE("byte widths come from the format registry and the schemes", "[memory][dtype]") {
  CHECK(dtype_bytes("fp32") == 4);
  CHECK(dtype_bytes("tf32") == 4);  // 19 bits in a 32-bit container
  CHECK(dtype_bytes("bf16") == 2);
  CHECK(dtype_bytes("e4m3") == 1);
  CHECK(dtype_bytes("fp8") == 1);
  CHECK(dtype_bytes("int8") == 1);
  CHECK(dtype_bytes("int4") == 0.5);
  CHECK(dtype_bytes("int4-g128") == 4.125 / 8);
  CHECK(dtype_bytes("q8_0") == 8.5 / 8);
  CHECK(dtype_bytes("q4_0") == 4.5 / 8);
  CHECK(dtype_bytes("nf4") == 4.5 / 8);
  CHECK(dtype_bytes("nf4-dq") == Approx(4.127 / 8).epsilon(1e-3));
  CHECK(dtype_bytes("mxfp8") == 8.25 / 8);
  CHECK(dtype_bytes("mxfp6") == 6.25 / 8);
  CHECK(dtype_bytes("mxfp4") == 4.25 / 8);
  CHECK(dtype_bytes("nvfp4") == 4.5 / 8);
  CHECK_THROWS_WITH(dtype_bytes("fp12", "weights"), Catch::Contains("--weights"));
}

TEST_CASE("the notes' table: 7B in fp32 / fp16 / int8 / int4 is 28 / 14 / 7 / 3.5 GB", "[memory][notes]") {
  const std::pair<const char*, double> rows[] = {{"fp32", 28e9}, {"fp16", 14e9}, {"bf16", 14e9}, {"int8", 7e9},
                                                 {"int4", 3.5e9}};
  for (const auto& [dtype, bytes] : rows) {
    INFO(dtype);
    const MemoryEstimate e = est({{"params", "7B"}, {"weights", dtype}});
    CHECK(e.weights == bytes);
    CHECK(e.total_bytes == bytes);
  }
  // 7B in fp32 is 28 GB = 26.08 GiB (the notes mix the units).
  CHECK(sig(est({{"params", "7B"}, {"weights", "fp32"}}).total_bytes / (1024.0 * 1024 * 1024), 4) == 26.08);
  // 13B: 52 / 26 / 13 / 6.5 GB.
  CHECK(est({{"params", "13B"}, {"weights", "int4"}}).weights == 6.5e9);
}

TEST_CASE("the notes' 13B mixed-precision Adam: 26 + 26 + 156 = 208 GB", "[memory][notes]") {
  const MemoryEstimate e =
      est({{"params", "13B"}, {"mode", "train"}, {"weights", "fp16"}, {"optimizer", "adam"}});
  CHECK(e.weights == 26e9);
  CHECK(e.gradients == 26e9);
  CHECK(e.master == 52e9);
  CHECK(e.optimizer == 104e9);
  CHECK(e.master + e.optimizer == 156e9);
  CHECK(e.total_bytes == 208e9);
}

TEST_CASE("mixed-precision Adam is 16 bytes per parameter and the ZeRO paper's table", "[memory][zero]") {
  // Rajbhandari et al. 2019, Figure 1: Psi = 7.5B, N_d = 64: baseline 120 GB, P_os 31.4 GB, P_os+g 16.6 GB,
  // P_os+g+p 1.88 GB.
  const std::vector<std::pair<std::string, std::string>> base = {
      {"params", "7.5B"}, {"mode", "train"}, {"weights", "fp16"}, {"grads", "fp16"},
      {"master", "fp32"}, {"optimizer", "adam"}, {"optimizer-dtype", "fp32"}, {"gpus", "64"},
      {"zero-accounting", "paper"}};
  auto with_zero = [&](const char* stage) {
    auto kv = base;
    kv.emplace_back("zero", stage);
    return estimate(make_request(kv));
  };
  const MemoryEstimate z0 = with_zero("0");
  CHECK(z0.total_bytes == 16 * 7.5e9);
  CHECK(z0.per_gpu_bytes == 120e9);
  CHECK(sig(with_zero("1").per_gpu_bytes / 1e9, 3) == 31.4);
  CHECK(sig(with_zero("2").per_gpu_bytes / 1e9, 3) == 16.6);
  CHECK(sig(with_zero("3").per_gpu_bytes / 1e9, 3) == 1.88);
  // Exactly 4Ψ + 12Ψ/N, 2Ψ + 14Ψ/N, 16Ψ/N.
  const double psi = 7.5e9;
  CHECK(with_zero("1").per_gpu_bytes == Approx(4 * psi + 12 * psi / 64));
  CHECK(with_zero("2").per_gpu_bytes == Approx(2 * psi + 14 * psi / 64));
  CHECK(with_zero("3").per_gpu_bytes == Approx(16 * psi / 64));
  // The default training recipe is the same 16 bytes: bf16 weights and grads, fp32 master, AdamW in fp32.
  CHECK(est({{"params", "1B"}, {"mode", "train"}}).total_bytes == 16e9);
}

TEST_CASE("Korthikanti et al. 2022: activations per layer", "[memory][activations]") {
  // GPT-3 175B: s = 2048, h = 12288, a = 96: sbh(34 + 5as/h) = sbh(34 + 80).
  const double s = 2048, h = 12288, a = 96, b = 1;
  CHECK(5 * a * s / h == 80);
  const double sbh = s * b * h;
  CHECK(activation_bytes_per_layer(s, b, h, a, 34, 1, false, Recompute::kNone) == sbh * 114);
  CHECK(activation_bytes_per_layer(s, b, h, a, 34, 8, false, Recompute::kNone) == sbh * (10 + 24.0 / 8 + 80.0 / 8));
  CHECK(activation_bytes_per_layer(s, b, h, a, 34, 8, true, Recompute::kNone) == sbh * (34.0 / 8 + 80.0 / 8));
  CHECK(activation_bytes_per_layer(s, b, h, a, 34, 8, false, Recompute::kSelective) == sbh * (10 + 24.0 / 8));
  CHECK(activation_bytes_per_layer(s, b, h, a, 34, 8, true, Recompute::kSelective) == sbh * 34.0 / 8);
  CHECK(activation_bytes_per_layer(s, b, h, a, 34, 1, false, Recompute::kFull) == 2 * sbh);
  // Through the request: GPT-3's architecture (96 layers, plain 4h MLP), one sequence, 16-bit activations.
  const MemoryEstimate e = est({{"layers", "96"},  {"hidden", "12288"}, {"heads", "96"}, {"intermediate", "49152"},
                                {"vocab", "50257"}, {"mlp", "plain"},   {"mode", "train"}, {"batch", "1"},
                                {"seq", "2048"}});
  CHECK(e.activations == 96 * sbh * 114);
  const MemoryEstimate sel = est({{"layers", "96"},  {"hidden", "12288"}, {"heads", "96"}, {"intermediate", "49152"},
                                  {"vocab", "50257"}, {"mlp", "plain"},   {"mode", "train"}, {"batch", "1"},
                                  {"seq", "2048"},    {"recompute", "selective"}, {"tp", "8"}, {"sp", "true"}});
  CHECK(component(sel, "activations").per_gpu_bytes == 96 * sbh * 34.0 / 8);
}

TEST_CASE("KV cache bytes per token", "[memory][kv]") {
  // Llama-3-8B in bf16: 2 · 32 layers · 8 KV heads · 128 · 2 bytes = 131,072 bytes per token.
  CHECK(est({{"model", "llama-3-8b"}, {"batch", "1"}, {"seq", "1"}, {"kv", "bf16"}}).kv_cache == 131072);
  CHECK(est({{"model", "llama-3-8b"}, {"seq", "8192"}, {"batch", "1"}, {"kv", "bf16"}}).kv_cache ==
        131072.0 * 8192);
  CHECK(est({{"model", "llama-3-8b"}, {"seq", "1"}, {"batch", "1"}, {"kv", "fp8"}}).kv_cache == 65536);
  // int8 KV keeps an fp16 scale and zero point per token and head (LMDeploy): 65,536 + 32 · 2 · 8 · 4 bytes.
  CHECK(est({{"model", "llama-3-8b"}, {"seq", "1"}, {"batch", "1"}, {"kv", "int8"}}).kv_cache == 65536 + 2048);
  // vLLM paper (Kwon et al. 2023): OPT-13B, 40 layers, hidden 5120, fp16: 819,200 bytes per token.
  CHECK(est({{"layers", "40"}, {"hidden", "5120"}, {"heads", "40"}, {"intermediate", "20480"}, {"vocab", "50272"},
             {"weights", "fp16"}, {"batch", "1"}, {"seq", "1"}})
            .kv_cache == 819200);
  // Default KV dtype: the activation dtype (bf16 under quantized weights).
  CHECK(component(est({{"model", "llama-3-8b"}, {"batch", "1"}, {"seq", "1"}, {"weights", "nf4"}}), "kv_cache")
            .dtype == "bf16");
  // Tensor parallel splits the KV heads.
  const MemoryEstimate tp = est({{"model", "llama-3-8b"}, {"batch", "1"}, {"seq", "1"}, {"tp", "4"}});
  CHECK(component(tp, "kv_cache").per_gpu_bytes == 131072 / 4);
}

TEST_CASE("LoRA counts r·(d_in + d_out) per adapted matrix", "[memory][lora]") {
  // The notes (seed 002): "Trainable: 20971520 | total: 7262703616" is Mistral-7B with r = 8 on all seven
  // projections (PEFT's print_trainable_parameters).
  const MemoryEstimate e = est({{"model", "mistral-7b"}, {"mode", "lora"}});
  CHECK(e.trainable_params == 20'971'520);
  CHECK(e.params + e.trainable_params == 7'262'703'616);
  // Frozen base (bf16) + adapters with bf16 grads, fp32 master and two fp32 Adam states: 16 bytes each.
  CHECK(e.weights == 2.0 * 7'241'732'096);
  CHECK(e.lora == 16.0 * 20'971'520);
  CHECK(e.gradients == 0);
  // q and v only, r = 16, on Llama-2-7B: 32 · 16 · (2·8192) = 8,388,608.
  CHECK(est({{"model", "llama-2-7b"}, {"mode", "lora"}, {"lora-rank", "16"}, {"lora-targets", "q_proj,v_proj"}})
            .trainable_params == 8'388'608);
  // QLoRA: the linear layers in NF4 (4.5 bits), the rest in bf16.
  const MemoryEstimate q = est({{"model", "llama-2-7b"}, {"mode", "qlora"}});
  const ParamBreakdown b = param_breakdown(find_preset("llama-2-7b"));
  CHECK(component(q, "weights").dtype == "nf4");
  CHECK(component(q, "weights").bytes == b.linear * 4.5 / 8);
  CHECK(component(q, "weights_other").bytes == (b.total - b.linear) * 2.0);
}

TEST_CASE("GPU catalog and fit", "[memory][gpu]") {
  CHECK(find_gpu("H100-80GB").capacity_bytes == 81559LL * 1024 * 1024);
  CHECK(find_gpu("h100").capacity_bytes == 81559LL * 1024 * 1024);
  CHECK(find_gpu("MI300X").capacity_bytes == 205'822'885'888);
  CHECK(find_gpu("rtx 4090").capacity_bytes == 24564LL * 1024 * 1024);
  std::set<std::string> names;
  for (const Gpu& g : gpus()) names.insert(std::string(g.name));
  for (const char* n : {"H100-80GB", "H100-NVL", "H200", "A100-40GB", "A100-80GB", "A800", "H800", "H20", "L40S",
                        "A30", "V100-16GB", "V100-32GB", "T4", "RTX-4090", "RTX-3090", "B200", "MI300X"})
    CHECK(names.count(n) == 1);
  CHECK_THROWS_AS(find_gpu("GTX-1080"), InputError);

  // Llama-2-70B in fp16 (137.95 GB) does not fit one H100; tensor parallel needs a divisor of 64 heads: 2.
  const MemoryEstimate e = est({{"model", "llama-2-70b"}, {"weights", "fp16"}, {"gpu", "H100-80GB,RTX-4090"}});
  REQUIRE(e.fits.size() == 2);
  CHECK_FALSE(e.fits[0].fits);
  CHECK(e.fits[0].gpus_needed == 2);
  // RTX 4090 (24564 MiB = 25.76 GB) with the 1 GB CUDA context: PP=5 puts 16 layers (855,638,016 params each)
  // and the 262,144,000-parameter embedding on stage 0: 27.9 GB + 1 GB, too much; six GPUs fit, as TP=1 × PP=6
  // (14 layers: 23.96 GB + 1) or TP=2 × PP=3 (27 layers and the head over two: 23.36 GB + 1), and the wider TP wins.
  CHECK(e.fits[1].gpus_needed == 6);
  CHECK(e.fits[1].how == "TP=2 × PP=3");
  // Training with ZeRO-3: 16 bytes per parameter over N cards.
  const MemoryEstimate t = est({{"params", "7.5B"}, {"mode", "train"}, {"gpu", "A100-40GB"}});
  REQUIRE(t.fits.size() == 1);
  CHECK(t.fits[0].gpus_needed == 3);  // 120 GB / 42.9 GB
  CHECK(est({{"params", "7B"}, {"weights", "int4"}, {"gpu", "T4"}}).fits[0].fits);
}

TEST_CASE("the overflow check uses the format engine", "[memory][overflow]") {
  const MemoryEstimate e = est({{"params", "7B"}, {"mode", "train"}, {"weights", "fp16"}, {"max-abs", "123456.789"}});
  bool saw_fp16 = false, saw_fp32 = false;
  for (const OverflowCheck& c : e.overflow) {
    if (c.dtype == "fp16") {
      saw_fp16 = true;
      CHECK(c.status == "overflow");
      CHECK(c.max == "65504");
      CHECK(c.stored == "inf");
    }
    if (c.dtype == "fp32") {
      saw_fp32 = true;
      CHECK(c.status == "rounded");
      CHECK(c.stored == "123456.7890625");
    }
  }
  CHECK(saw_fp16);
  CHECK(saw_fp32);
  bool advice = false;
  for (const std::string& n : e.notes) advice |= n.find("bf16 (stores it as 123392)") != std::string::npos;
  CHECK(advice);
  const MemoryEstimate b = est({{"params", "7B"}, {"weights", "bf16"}, {"max-abs", "123456.789"}});
  REQUIRE_FALSE(b.overflow.empty());
  CHECK(b.overflow[0].dtype == "bf16");
  CHECK(b.overflow[0].stored == "123392");
  CHECK(b.overflow[0].status == "rounded");
  CHECK(est({{"params", "7B"}, {"weights", "fp16"}, {"max-abs", "2048"}}).overflow[0].status == "exact");
  CHECK(est({{"params", "7B"}, {"weights", "nf4"}, {"max-abs", "1e6"}}).overflow[0].status == "scaled");
}

TEST_CASE("bad and contradictory input names the problem", "[memory][errors]") {
  using KV = std::vector<std::pair<std::string, std::string>>;
  const std::pair<KV, const char*> cases[] = {
      {{{"model", "llama-9b"}}, "unknown model"},
      {{{"params", "7B"}, {"weights", "fp12"}}, "unknown dtype"},
      {{{"params", "0"}}, "positive"},
      {{{"params", "-7B"}}, "parameter count"},
      {{{"params", "1.5"}}, "whole number"},
      {{{"params", "7B"}, {"gpus", "0"}}, "--gpus"},
      {{{"params", "7B"}, {"batch", "-1"}}, "--batch"},
      {{{"model", "gpt2"}, {"params", "7B"}}, "contradictory model sources"},
      {{{"params", "7B"}, {"optimizer", "adam"}}, "--optimizer adam contradicts --mode inference"},
      {{{"params", "7B"}, {"mode", "train"}, {"lora-rank", "8"}}, "--lora-rank contradicts --mode train"},
      {{{"model", "gpt2"}, {"mode", "train"}, {"kv", "fp8"}}, "--kv contradicts"},
      {{{"model", "gpt2"}, {"tp", "8"}, {"gpus", "4"}}, "--tp 8 contradicts --gpus 4"},
      {{{"model", "gpt2"}, {"tp", "5"}}, "divide the attention head count"},
      {{{"params", "7B"}, {"batch", "1"}, {"seq", "2048"}}, "need the architecture"},
      {{{"model", "gpt2"}, {"batch", "1"}}, "--batch needs --seq"},
      {{{"model", "gpt2"}, {"kv", "fp8"}}, "--kv needs --seq"},
      {{{"model", "gpt2"}, {"kv-block", "16"}}, "--kv-block needs --seq"},
      {{{"model", "llama-3.2-11b-vision"}, {"images", "2"}}, "--images needs --seq"},
      {{{"model", "gpt2"}, {"mode", "train"}, {"optimizer", "sgd"}, {"optimizer-dtype", "fp32"}}, "no states"},
      {{{"layers", "2"}, {"hidden", "64"}}, "missing --heads"},
      {{{"params", "7B"}, {"zero", "4"}}, "--zero"},
      {{{"params", "7B"}, {"gpu", "GTX-1080"}}, "unknown GPU"},
      {{{"params", "7B"}, {"max-abs", "-3"}}, "--max-abs"},
      {{{"params", "7B"}, {"overhead", "lots"}}, "--overhead"},
      {{{"params", "7B"}, {"colour", "red"}}, "unknown memory option"},
      {{}, "no model"},
  };
  for (const auto& [kv, message] : cases) {
    INFO(message);
    CHECK_THROWS_WITH(estimate(make_request(kv)), Catch::Contains(message));
  }
}

TEST_CASE("key=value construction and get()", "[memory][api]") {
  MemoryRequest r;
  set_option(r, "model=llama-3-8b");
  set_option(r, "--seq", "8192");
  set_option(r, "batch", "1");
  set_option(r, "kv", "bf16");
  const MemoryEstimate e = estimate(r);
  CHECK(e.get("kv_cache") == 131072.0 * 8192);
  CHECK(e.get("params") == 8'030'261'248.0);
  CHECK(e.get("total") == e.total_bytes);
  CHECK_FALSE(e.get("nonsense").has_value());
  CHECK(parse_param_count("7B") == 7'000'000'000);
  CHECK(parse_param_count("1.5B") == 1'500'000'000);
  CHECK(parse_param_count("350M") == 350'000'000);
  CHECK(parse_param_count("124439808") == 124'439'808);
  CHECK(group_thousands(6'738'415'616) == "6,738,415,616");
  // Overhead: a percentage of the rows, or a fixed size per GPU.
  CHECK(est({{"params", "7B"}, {"weights", "fp32"}, {"overhead", "20%"}}).total_bytes == Approx(28e9 * 1.2));
  CHECK(est({{"params", "7B"}, {"weights", "fp32"}, {"overhead", "1.5GiB"}}).overhead == 1.5 * 1073741824.0);
}
