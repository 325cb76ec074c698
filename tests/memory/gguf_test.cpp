// --gguf against files written by the `gguf` package (scripts/make-gguf-models.py): numscope's bytes per ggml type
// must equal what gguf.GGUFReader reads (the .expect files), the architecture must come from the metadata, and
// broken files must be refused with one line.
#include <catch2/catch.hpp>

#include <array>       // std::array
#include <filesystem>  // std::filesystem
#include <fstream>     // std::ifstream, std::ofstream
#include <map>         // std::map
#include <sstream>     // std::istringstream
#include <string>      // std::string

#include "numscope/memory/estimate.h"
#include "numscope/memory/gguf_model.h"
#include "numscope/memory/kv_cache.h"
#include "numscope/support/ascii.h"
#include "numscope/support/error.h"

using namespace numscope;
using namespace numscope::memory;

namespace {

std::string file(const std::string& name) { return std::string(NUMSCOPE_MEMORY_GGUF) + "/" + name; }

struct Expect {
  std::map<std::string, std::array<std::uint64_t, 3>> types;  // lower-case type -> tensors, elements, bytes
  std::uint64_t elements = 0, bytes = 0;
};

Expect read_expect(const std::string& name) {
  Expect e;
  std::ifstream in(file(name));
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream s(line);
    std::string kind;
    s >> kind;
    if (kind == "type") {
      std::string t;
      std::array<std::uint64_t, 3> v{};
      s >> t >> v[0] >> v[1] >> v[2];
      e.types[ascii_lower(t)] = v;
    } else if (kind == "total") {
      s >> e.elements >> e.bytes;
    }
  }
  return e;
}

}  // namespace

// Every file scripts/make-gguf-models.py writes.
const char* const kFiles[] = {"tiny-llama",   "tiny-gemma3", "tiny-deepseek2", "tiny-mixtral",  "tiny-qwen2",
                              "tiny-qwen2moe", "tiny-qwen3", "tiny-qwen3moe",  "tiny-gemma",    "tiny-gemma2",
                              "tiny-gemma3-pattern", "tiny-phi3", "tiny-gpt2", "tiny-deepseek", "tiny-deepseek3"};

TEST_CASE("GGUF weights: every ggml type's bytes equal the gguf package's", "[memory][gguf]") {
  for (const char* name : kFiles) {
    INFO(name);
    const Expect want = read_expect(std::string(name) + ".expect");
    REQUIRE(!want.types.empty());
    const GgufModel m = load_gguf_model(file(std::string(name) + ".gguf"));
    CHECK(m.elements == want.elements);
    CHECK(m.bytes == want.bytes);
    CHECK(m.by_type.size() == want.types.size());
    for (const GgufModel::TypeTotal& t : m.by_type) {
      INFO(t.type);
      REQUIRE(want.types.count(ascii_lower(t.type)) == 1);
      const auto& v = want.types.at(ascii_lower(t.type));
      CHECK(t.tensors == v[0]);
      CHECK(t.elements == v[1]);
      CHECK(t.bytes == v[2]);
    }
    // The estimate's weight rows are the file's bytes.
    CHECK(estimate(make_request({{"gguf", file(std::string(name) + ".gguf")}})).weights ==
          static_cast<double>(want.bytes));
  }
  // tiny-llama holds a tensor of every type the gguf package sizes (34 types).
  CHECK(load_gguf_model(file("tiny-llama.gguf")).by_type.size() >= 30);
}

TEST_CASE("GGUF metadata gives the architecture and its KV cache", "[memory][gguf][kv]") {
  const Architecture l = load_gguf_model(file("tiny-llama.gguf")).arch;
  CHECK(l.layers == 2);
  CHECK(l.kv_heads == 2);
  CHECK(l.head_dim == 64);
  CHECK(l.vocab == 64);
  CHECK(l.context_length == 4096);
  CHECK(kv_bytes_per_token(l, kv_format("bf16")) == 2.0 * 2 * 2 * 64 * 2);
  // Gemma 3: window 512, layers 5 and 11 global of 12.
  CHECK(estimate(make_request({{"gguf", file("tiny-gemma3.gguf")}, {"batch", "1"}, {"seq", "2000"}})).kv_cache ==
        (2.0 * 2000 + 10.0 * 512) * 2 * 1 * 128 * 2);
  // deepseek2: the MLA latent, 3 × (512 + 64) × 2 bytes per token.
  const Architecture d = load_gguf_model(file("tiny-deepseek2.gguf")).arch;
  CHECK(kv_bytes_per_token(d, kv_format("bf16")) == 3.0 * 576 * 2);
  CHECK(d.experts == 8);
  CHECK(d.experts_per_token == 2);
}

TEST_CASE("broken GGUF files are refused with one line", "[memory][gguf][errors]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "numscope-gguf-test";
  fs::create_directories(dir);
  std::ifstream in(file("tiny-llama.gguf"), std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (std::size_t cut : {std::size_t{3}, std::size_t{24}, std::size_t{200}, bytes.size() / 2, bytes.size() - 40}) {
    INFO(cut);
    const fs::path p = dir / "cut.gguf";
    std::ofstream(p, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(cut));
    CHECK_THROWS_AS(load_gguf_model(p.string()), InputError);
  }
  // A GGUF whose metadata does not describe a transformer: no block_count.
  const fs::path p = dir / "nometa.gguf";
  std::string copy = bytes;
  const std::size_t at = copy.find("llama.block_count");
  REQUIRE(at != std::string::npos);
  copy[at + 6] = 'X';  // llama.Xlock_count
  std::ofstream(p, std::ios::binary).write(copy.data(), static_cast<std::streamsize>(copy.size()));
  CHECK_THROWS_WITH(load_gguf_model(p.string()), Catch::Contains("block_count"));
  fs::remove_all(dir);
}

namespace {

double kv_per_token(const std::string& name) {
  return kv_bytes_per_token(load_gguf_model(file(name + ".gguf")).arch, kv_format("bf16"));
}

MemoryEstimate gguf_est(const std::string& name, const std::string& seq) {
  return estimate(make_request({{"gguf", file(name + ".gguf")}, {"seq", seq}}));
}

bool has_note(const MemoryEstimate& e, const std::string& part) {
  for (const std::string& n : e.notes)
    if (n.find(part) != std::string::npos) return true;
  return false;
}

}  // namespace

// The expected values below follow llama.cpp's rules for each architecture (src/llama-model.cpp load_hparams and
// src/models/<arch>.cpp), applied by hand to the metadata make-gguf-models.py writes.
TEST_CASE("GGUF metadata of every family, read as llama.cpp reads it", "[memory][gguf][kv]") {
  // Mixtral is llama with expert_count 8, expert_used_count 2; head_dim 64 / 4 = 16. Per token and layer K and V:
  // 2 × 2 KV heads × 16 × 2 B. Active: the merged *_exps tensors hold 3 × 8 × 32 × 64 elements, 6 of 8 idle.
  const GgufModel mix = load_gguf_model(file("tiny-mixtral.gguf"));
  CHECK(mix.arch.experts == 8);
  CHECK(mix.arch.experts_per_token == 2);
  CHECK(mix.routed_expert_elements == 3u * 8 * 32 * 64);
  CHECK(mix.active_elements == mix.elements - 3u * 32 * 64 * 6);
  CHECK(kv_per_token("tiny-mixtral") == 2.0 * 2 * 2 * 16 * 2);
  // Qwen2: llama.cpp reads no window for qwen2 (qwen2.cpp), so the file's sliding_window 1024 is not applied, and
  // the output says so.
  const MemoryEstimate q2 = gguf_est("tiny-qwen2", "2000");
  CHECK(q2.kv_cache == 2000.0 * 3 * 2 * 2 * 16 * 2);
  CHECK(has_note(q2, "not applied by llama.cpp"));
  // Qwen2-MoE: expert_feed_forward_length 32, one gated shared expert of expert_shared_feed_forward_length 96.
  const GgufModel q2m = load_gguf_model(file("tiny-qwen2moe.gguf"));
  CHECK(q2m.arch.moe_intermediate == 32);
  CHECK(q2m.arch.shared_expert_intermediate == 96);
  CHECK(q2m.arch.shared_expert_gate);
  CHECK(q2m.active_elements == q2m.elements - 3u * 32 * 64 * 2);
  CHECK(kv_per_token("tiny-qwen2moe") == 2.0 * 2 * 4 * 16 * 2);
  // Qwen3: head_dim from attention.key_length (32), not embedding_length / head_count (16).
  CHECK(load_gguf_model(file("tiny-qwen3.gguf")).arch.head_dim == 32);
  CHECK(kv_per_token("tiny-qwen3") == 2.0 * 2 * 2 * 32 * 2);
  const GgufModel q3m = load_gguf_model(file("tiny-qwen3moe.gguf"));
  CHECK(q3m.arch.experts == 8);
  CHECK(q3m.arch.moe_intermediate == 32);
  CHECK(q3m.active_elements == q3m.elements - 3u * 32 * 64 * 6);
  CHECK(kv_per_token("tiny-gemma") == 2.0 * 2 * 1 * 32 * 2);
  // Gemma 2 with no attention.sliding_window: gemma2.cpp's default 4096 on layers 0 and 2 (il % 2 < 1).
  const MemoryEstimate g2 = gguf_est("tiny-gemma2", "5000");
  CHECK(g2.kv_cache == (2.0 * 5000 + 2.0 * 4096) * 2 * 2 * 32 * 2);
  // Gemma 3 with attention.sliding_window_pattern as per-layer bools: layers 0, 2, 3 slide over 256 tokens.
  const MemoryEstimate g3 = gguf_est("tiny-gemma3-pattern", "1000");
  CHECK(g3.kv_cache == (2.0 * 1000 + 3.0 * 256) * 2 * 1 * 32 * 2);
  // Phi-3: phi3.cpp turns the window off; the cache is full length, with the reason.
  const MemoryEstimate phi = gguf_est("tiny-phi3", "4000");
  CHECK(phi.kv_cache == 4000.0 * 2 * 2 * 4 * 16 * 2);
  CHECK(has_note(phi, "phi3"));
  // GPT-2: LayerNorm, a plain MLP, head_count_kv absent (= head_count).
  const Architecture gpt = load_gguf_model(file("tiny-gpt2.gguf")).arch;
  CHECK(gpt.norm == Norm::kLayer);
  CHECK(!gpt.gated_mlp);
  CHECK(kv_per_token("tiny-gpt2") == 2.0 * 2 * 4 * 16 * 2);
  // DeepSeek v1: leading_dense_block_count 1, then MoE with expert_shared_count 2.
  const GgufModel ds = load_gguf_model(file("tiny-deepseek.gguf"));
  CHECK(ds.arch.shared_experts == 2);
  CHECK(!is_moe_layer(ds.arch, 0));
  CHECK(is_moe_layer(ds.arch, 1));
  CHECK(is_moe_layer(ds.arch, 2));
  CHECK(ds.active_elements == ds.elements - 3u * 32 * 64 * 6);
  // DeepSeek V3 from a newer converter: block_count 4 holds one MTP block (nextn_predict_layers), so 3 layers
  // cache the MLA latent 512 + 64; per-head sizes from key_length_mla 192 / value_length_mla 128, not the absorbed
  // key_length 576 / value_length 512.
  const GgufModel d3 = load_gguf_model(file("tiny-deepseek3.gguf"));
  CHECK(d3.arch.layers == 3);
  CHECK(d3.arch.mtp_layers == 1);
  CHECK(d3.arch.head_dim == 192);
  CHECK(d3.arch.qk_nope_head_dim == 128);
  CHECK(d3.arch.v_head_dim == 128);
  CHECK(d3.arch.q_lora_rank == 96);
  CHECK(d3.arch.shared_experts == 1);
  CHECK(kv_per_token("tiny-deepseek3") == 3.0 * (512 + 64) * 2);
  // Every family numscope reads from config.json has a file here, and none falls back to the shared keys only.
  for (const char* name : kFiles) {
    INFO(name);
    CHECK(!has_note(gguf_est(name, "16"), "per-architecture keys are not read"));
  }
}
