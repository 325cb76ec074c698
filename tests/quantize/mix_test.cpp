// llama.cpp's file-type mixes (quantize/mix.h) against llama.cpp's own expectations: the snapshots its
// test-quant-type-selection keeps (tests/snapshots/*.schema, copied by scripts/make-ggml-goldens.py into
// golden/ggml/mix/), and a table transcribed by hand from src/llama-quant.cpp for the rules those dense models
// do not reach (eight experts, Falcon, rows no block fits).
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "numscope/quantize/mix.h"
#include "numscope/support/error.h"

using namespace numscope;

namespace {

struct Snapshot {
  MixModel model;
  std::vector<MixTensor> tensors;
  // per file type: the default type and the tensors that differ from it
  std::vector<std::pair<std::string, std::pair<std::string, std::map<std::string, std::string>>>> sections;
};

std::uint64_t field(const std::string& line, const std::string& key) {
  const std::size_t at = line.find(key + "=");
  REQUIRE(at != std::string::npos);
  return std::stoull(line.substr(at + key.size() + 1));
}

/// The snapshot, and the tensors of the dense model it describes, as llama.cpp's converter names and shapes them
/// (ne: row length first); norms are 1-D and never quantized.
Snapshot read_snapshot(const std::string& name) {
  std::ifstream f(std::string(NUMSCOPE_GGML_GOLDEN) + "/mix/" + name + ".schema");
  REQUIRE(f.good());
  Snapshot s;
  std::string line, arch;
  std::uint64_t n_embd = 0, n_ff = 0, n_vocab = 0, head_dim = 0;
  bool output = false;
  while (std::getline(f, line)) {
    if (line.rfind("# n_embd=", 0) == 0) {
      n_embd = field(line, "n_embd"), n_ff = field(line, "n_ff"), n_vocab = field(line, "n_vocab");
      s.model.n_layer = field(line, "n_layer"), s.model.n_head = field(line, "n_head");
      s.model.n_head_kv = field(line, "n_head_kv");
    } else if (line.rfind("# numscope: ", 0) == 0) {
      std::istringstream in(line.substr(12));
      std::string kv;
      while (in >> kv) {
        const std::string k = kv.substr(0, kv.find('=')), v = kv.substr(kv.find('=') + 1);
        if (k == "arch") s.model.arch = v;
        if (k == "head_dim") head_dim = std::stoull(v);
        if (k == "output") output = v == "1";
      }
    } else if (!line.empty() && line[0] == '[') {
      s.sections.push_back({line.substr(1, line.find(']') - 1), {line.substr(line.find(']') + 2), {}}});
    } else if (!line.empty() && line[0] != '#') {
      REQUIRE(!s.sections.empty());
      s.sections.back().second.second[line.substr(0, line.rfind(' '))] = line.substr(line.rfind(' ') + 1);
    }
  }
  REQUIRE((n_embd && head_dim && s.model.n_layer));
  const std::uint64_t q = s.model.n_head * head_dim, kv = s.model.n_head_kv * head_dim;
  s.tensors.push_back({"token_embd.weight", {n_embd, n_vocab}});
  s.tensors.push_back({"output_norm.weight", {n_embd}});
  if (output) s.tensors.push_back({"output.weight", {n_embd, n_vocab}});
  for (std::uint64_t i = 0; i < s.model.n_layer; ++i) {
    const std::string b = "blk." + std::to_string(i) + ".";
    s.tensors.push_back({b + "attn_norm.weight", {n_embd}});
    s.tensors.push_back({b + "attn_q_norm.weight", {head_dim}});
    s.tensors.push_back({b + "attn_q.weight", {n_embd, q}});
    s.tensors.push_back({b + "attn_k.weight", {n_embd, kv}});
    s.tensors.push_back({b + "attn_v.weight", {n_embd, kv}});
    s.tensors.push_back({b + "attn_output.weight", {q, n_embd}});
    s.tensors.push_back({b + "ffn_norm.weight", {n_embd}});
    s.tensors.push_back({b + "ffn_gate.weight", {n_embd, n_ff}});
    s.tensors.push_back({b + "ffn_up.weight", {n_embd, n_ff}});
    s.tensors.push_back({b + "ffn_down.weight", {n_ff, n_embd}});
  }
  return s;
}

const FileTypeMix& mix(std::string_view name) {
  const FileTypeMix* m = find_file_type_mix("llama:" + std::string(name));
  REQUIRE(m != nullptr);
  return *m;
}

}  // namespace

TEST_CASE("file-type mixes: every tensor's type equals llama.cpp's snapshots of real models", "[quantize][mix]") {
  for (const char* model : {"qwen3-0.6b", "qwen3-14b", "meta-llama-3.1-70b-instruct", "gemma-3-4b-it"}) {
    const Snapshot s = read_snapshot(model);
    INFO(model);
    REQUIRE(s.sections.size() == 17);  // every file type of MIX_FTYPES in the script
    for (const auto& [ftype, expect] : s.sections) {
      INFO(ftype);
      const FileTypeMix& m = mix(ftype);
      CHECK(m.default_type->name == expect.first);
      const std::vector<const GgmlType*> got = mix_types(m, s.model, s.tensors);
      std::size_t overridden = 0;
      for (std::size_t i = 0; i < s.tensors.size(); ++i) {
        INFO(s.tensors[i].name);
        const bool is_1d = s.tensors[i].ne.size() == 1;
        CHECK((got[i] == nullptr) == is_1d);  // norms are copied, every 2-D weight is quantized
        if (!got[i]) continue;
        const auto it = expect.second.find(s.tensors[i].name);
        overridden += it != expect.second.end();
        CHECK(got[i]->name == (it != expect.second.end() ? it->second : expect.first));
      }
      CHECK(overridden == expect.second.size());  // every tensor the snapshot names is one of the model's
    }
  }
}

TEST_CASE("file-type mixes: the rules these models do not reach, transcribed from llama-quant.cpp", "[quantize][mix]") {
  // Mixtral 8x7B (llama, 32 blocks, 32 heads over 8 KV heads, 8 experts): attn_v and attn_k go to Q8_0 ("for
  // the 8-expert model, bumping this to Q8_0 trades just ~128MB"), attn_output to Q5_K under Q4_K_M, and the
  // 3-D expert ffn_down takes the layer from its name: use_more_bits(i, 32) holds for i < 4, i >= 28 and
  // (i - 4) % 3 == 2.
  MixModel mixtral{"llama", 32, 32, 8, 8, false};
  std::vector<MixTensor> t = {{"token_embd.weight", {4096, 32000}}, {"output.weight", {4096, 32000}}};
  for (int i = 0; i < 32; ++i) {
    const std::string b = "blk." + std::to_string(i) + ".";
    t.push_back({b + "attn_v.weight", {4096, 1024}});
    t.push_back({b + "attn_k.weight", {4096, 1024}});
    t.push_back({b + "attn_output.weight", {4096, 4096}});
    t.push_back({b + "ffn_gate_inp.weight", {4096, 8}});  // the router: never quantized
    t.push_back({b + "ffn_down_exps.weight", {14336, 4096, 8}});
  }
  const std::vector<const GgmlType*> got = mix_types(mix("Q4_K_M"), mixtral, t);
  CHECK(got[0]->name == "q4_K");  // token_embd: output.weight exists, so not tied
  CHECK(got[1]->name == "q6_K");
  for (int i = 0; i < 32; ++i) {
    const std::size_t b = 2 + 5 * static_cast<std::size_t>(i);
    INFO(i);
    CHECK(got[b]->name == "q8_0");
    CHECK(got[b + 1]->name == "q8_0");
    CHECK(got[b + 2]->name == "q5_K");
    CHECK(got[b + 3] == nullptr);
    const bool more = i < 4 || i >= 28 || (i - 4) % 3 == 2;
    CHECK(got[b + 4]->name == (more ? "q6_K" : "q4_K"));
  }
  // Without a blk.N. a MoE ffn tensor's layer is unknown: llama-quantize fails, and so does this.
  std::vector<MixTensor> bad = {{"ffn_down_exps.weight", {256, 256, 8}}};
  CHECK_THROWS_AS(mix_types(mix("Q4_K_M"), mixtral, bad), InputError);

  // Falcon 7B (32 blocks, fused attn_qkv): the output is Q8_0 for Falcon; attn_qkv counts as attn_v
  // (category_is_attn_v), so Q4_K_M gives it Q6_K where use_more_bits; ffn_down: Q6_K below n/16, Q5_K where
  // use_more_bits, else Q4_K.
  MixModel falcon{"falcon", 32, 71, 1, 0, false};
  std::vector<MixTensor> f = {{"output.weight", {4544, 65024}}};
  for (int i = 0; i < 32; ++i) {
    f.push_back({"blk." + std::to_string(i) + ".attn_qkv.weight", {4544, 4672}});
    f.push_back({"blk." + std::to_string(i) + ".ffn_down.weight", {18176, 4544}});
  }
  // 4544 = 17.75 * 256 and 18176 = 71 * 256: attn_qkv's q4_K / q6_K fall back to q5_0 / q8_0.
  const std::vector<const GgmlType*> fg = mix_types(mix("Q4_K_M"), falcon, f);
  CHECK(fg[0]->name == "q8_0");
  for (int i = 0; i < 32; ++i) {
    INFO(i);
    const bool more = i < 4 || i >= 28 || (i - 4) % 3 == 2;
    CHECK(fg[1 + 2 * static_cast<std::size_t>(i)]->name == (more ? "q8_0" : "q5_0"));
    CHECK(fg[2 + 2 * static_cast<std::size_t>(i)]->name == (i < 2 ? "q6_K" : more ? "q5_K" : "q4_K"));
  }

  // tensor_type_fallback: a row of 100 fits no 32-block either: F16. Q4_0 keeps a 32-block type.
  MixModel plain{"llama", 2, 4, 4, 0, false};
  std::vector<MixTensor> odd = {{"blk.0.attn_q.weight", {100, 64}}, {"blk.0.attn_k.weight", {96, 64}}};
  const std::vector<const GgmlType*> og = mix_types(mix("Q4_K_S"), plain, odd);
  CHECK(og[0]->name == "f16");
  CHECK(og[1]->name == "q5_0");
  CHECK(mix_types(mix("Q4_0"), plain, odd)[1]->name == "q4_0");
  CHECK(mix_types(mix("IQ4_XS"), plain, odd)[1]->name == "iq4_nl");

  // Q4_0 with an importance matrix: ffn_down of the first n/8 layers takes Q4_1.
  MixModel eight{"llama", 8, 8, 8, 0, true};
  std::vector<MixTensor> d;
  for (int i = 0; i < 8; ++i) d.push_back({"blk." + std::to_string(i) + ".ffn_down.weight", {256, 256}});
  const std::vector<const GgmlType*> dg = mix_types(mix("Q4_0"), eight, d);
  CHECK(dg[0]->name == "q4_1");
  CHECK(dg[1]->name == "q4_0");
  eight.has_imatrix = false;
  CHECK(mix_types(mix("Q4_0"), eight, d)[0]->name == "q4_0");

  // More blocks than llama.cpp loads (LLAMA_MAX_LAYERS = 512): refused, as llama.cpp refuses the model.
  MixModel huge{"llama", 513, 8, 8, 0, false};
  CHECK_THROWS_AS(mix_types(mix("Q4_K_M"), huge, d), InputError);
  huge.n_layer = 512;
  CHECK(mix_types(mix("Q4_K_M"), huge, d).size() == 8);
}

TEST_CASE("file-type mix names and the model read from tensors", "[quantize][mix]") {
  CHECK(find_file_type_mix("Q4_K_M") == &mix("Q4_K_M"));
  CHECK(find_file_type_mix("q3_k_l") == &mix("Q3_K_L"));
  CHECK(find_file_type_mix("LLAMA:q8_0") == &mix("Q8_0"));
  CHECK(find_file_type_mix("q8_0") == nullptr);  // the single-type scheme
  CHECK(find_file_type_mix("Q6_K") == nullptr);
  CHECK(find_file_type_mix("llama:Q9_K_M") == nullptr);
  CHECK(mix_scheme_name(mix("Q5_K_S")) == "llama:Q5_K_S");
  const std::vector<MixTensor> t = {{"blk.0.attn_q.weight", {4096, 4096}},
                                    {"blk.0.attn_k.weight", {4096, 1024}},
                                    {"blk.31.ffn_down_exps.weight", {14336, 4096, 8}}};
  const MixModel m = mix_model_from_tensors(t, "llama");
  CHECK(m.n_layer == 32);
  CHECK(m.n_head / m.n_head_kv == 4);
  CHECK(m.n_expert == 8);
  CHECK(m.arch == "llama");
}
