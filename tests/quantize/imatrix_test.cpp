// llama.cpp's importance-matrix files: the weights read from the GGUF and the legacy layout equal what
// llama-quantize computes from them, the blocks quantized with them equal ggml_quantize_chunk's (golden files
// written by the gguf package and ggml, scripts/make-ggml-goldens.py), Hugging Face names find their entries,
// and hostile files give one InputError.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <unistd.h>  // getpid
#include <vector>

#include "numscope/quantize/gguf_source.h"
#include "numscope/quantize/imatrix.h"
#include "numscope/quantize/names.h"
#include "numscope/quantize/quantize.h"
#include "numscope/support/error.h"

using namespace numscope;
namespace fs = std::filesystem;

namespace {

const std::string kDir = std::string(NUMSCOPE_GGML_GOLDEN) + "/gguf/";

std::uint64_t fnv1a64(const void* p, std::size_t n) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (std::size_t i = 0; i < n; ++i) h = (h ^ static_cast<const unsigned char*>(p)[i]) * 0x100000001b3ull;
  return h;
}
std::string hex64(std::uint64_t h) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return hex;
}
std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
std::string tmp(const std::string& name, const std::string& bytes) {
  const fs::path dir = fs::temp_directory_path() / ("numscope_imatrix_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string p = (dir / name).string();
  std::ofstream(p, std::ios::binary) << bytes;
  return p;
}
std::string i32(std::int32_t v) { return std::string(reinterpret_cast<const char*>(&v), 4); }
std::string f32(float v) { return std::string(reinterpret_cast<const char*>(&v), 4); }

/// The lines of imatrix.expect that start with `kind`, split into words.
std::vector<std::vector<std::string>> expect(const std::string& kind) {
  std::ifstream in(kDir + "imatrix.expect");
  REQUIRE(in);
  std::vector<std::vector<std::string>> out;
  for (std::string line; std::getline(in, line);) {
    std::istringstream ls(line);
    std::vector<std::string> w;
    for (std::string s; ls >> s;) w.push_back(s);
    if (!w.empty() && w[0] == kind) out.push_back(w);
  }
  return out;
}

}  // namespace

TEST_CASE("imatrix files: llama-quantize's weights from the GGUF and the legacy layout", "[quantize][imatrix]") {
  const auto lines = expect("weights");
  REQUIRE(lines.size() == 4);
  for (const auto& w : lines) {
    CAPTURE(w[1], w[2]);
    const Imatrix m = read_imatrix(kDir + w[1]);
    CHECK(m.legacy == (w[1] == "imatrix.dat"));
    CHECK(m.datasets == std::vector<std::string>{"numscope-test.txt"});
    CHECK(m.chunk_count == 3);
    const auto it = m.entries.find(w[2]);
    REQUIRE(it != m.entries.end());
    CHECK(it->second.weights.size() == std::stoull(w[3]));
    CHECK(hex64(fnv1a64(it->second.weights.data(), it->second.weights.size() * 4)) == w[4]);
  }
  CHECK(read_imatrix(kDir + "imatrix.gguf").entries.at("blk.0.ffn_down_exps.weight").matrices == 3);
}

TEST_CASE("imatrix: a model's tensors quantized with the file's weights give ggml_quantize_chunk's blocks",
          "[quantize][imatrix]") {
  const std::vector<TensorEntry> model = read_gguf_tensors(kDir + "imatrix-model.gguf");
  const auto lines = expect("blocks");
  REQUIRE(lines.size() == 2 * 2 * 11);
  for (const auto& b : lines) {
    CAPTURE(b[1], b[2], b[3]);
    const Imatrix m = read_imatrix(kDir + b[1]);
    const TensorEntry* e = nullptr;
    for (const TensorEntry& t : model)
      if (t.name == b[2]) e = &t;
    REQUIRE(e);
    const ImportanceWeights w = imatrix_weights(m, e->name, e->shape);
    REQUIRE(!w.values.empty());
    for (unsigned threads : {1u, 2u}) {
      std::ostringstream out;
      QuantizeOptions o;
      o.blocks = &out;
      o.imatrix = &w;
      o.threads = threads;
      o.chunk_elements = threads == 1 ? 1 << 20 : 192;  // whole rows, or rows cut inside a ggml row
      quantize_tensor(parse_scheme(b[3]), *e->source, tensor_stats(*e->source), o);
      CHECK(hex64(fnv1a64(out.str().data(), out.str().size())) == b[4]);
    }
  }
  // token_embd has no entry: no weights, as llama-quantize finds none.
  const Imatrix m = read_imatrix(kDir + "imatrix.gguf");
  CHECK(imatrix_weights(m, "token_embd.weight", std::vector<std::uint64_t>{4, 256}).values.empty());
  // A tensor whose shape does not fit its entry is refused, as llama-quantize refuses it.
  CHECK_THROWS_AS(imatrix_weights(m, "blk.0.attn_q.weight", std::vector<std::uint64_t>{6, 256}), InputError);
}

TEST_CASE("imatrix: Hugging Face names find their GGUF entry, one expert its matrix", "[quantize][imatrix]") {
  CHECK(gguf_name("model.layers.12.self_attn.v_proj.weight")->name == "blk.12.attn_v.weight");
  CHECK(gguf_name("model.layers.0.mlp.down_proj.weight")->name == "blk.0.ffn_down.weight");
  CHECK(gguf_name("model.layers.3.self_attn.qkv_proj.weight")->name == "blk.3.attn_qkv.weight");
  CHECK(gguf_name("model.embed_tokens.weight")->name == "token_embd.weight");
  CHECK(gguf_name("lm_head.weight")->name == "output.weight");
  CHECK(gguf_name("model.language_model.layers.1.mlp.gate_proj.weight")->name == "blk.1.ffn_gate.weight");
  const auto e = gguf_name("model.layers.5.block_sparse_moe.experts.7.w2.weight");
  REQUIRE(e);
  CHECK(e->name == "blk.5.ffn_down_exps.weight");
  CHECK(e->expert == 7u);
  CHECK(gguf_name("model.layers.5.mlp.experts.3.up_proj.weight")->name == "blk.5.ffn_up_exps.weight");
  CHECK(gguf_name("model.layers.2.mlp.gate.weight")->name == "blk.2.ffn_gate_inp.weight");
  CHECK(gguf_name("blk.4.attn_k.weight")->name == "blk.4.attn_k.weight");
  CHECK_FALSE(gguf_name("encoder.block.0.layer.0.weight"));
  CHECK_FALSE(gguf_name("model.layers.x.self_attn.q_proj.weight"));
  const Imatrix m = read_imatrix(kDir + "imatrix.gguf");
  const ImportanceWeights w =
      imatrix_weights(m, "model.layers.0.mlp.experts.2.down_proj.weight", std::vector<std::uint64_t>{2, 256});
  const std::vector<float>& all = m.entries.at("blk.0.ffn_down_exps.weight").weights;
  CHECK(w.values == std::vector<float>(all.begin() + 512, all.end()));
  CHECK_THROWS_AS(imatrix_weights(m, "model.layers.0.mlp.experts.3.down_proj.weight", std::vector<std::uint64_t>{2, 256}),
                  InputError);
  CHECK(imatrix_weights(m, "model.layers.0.self_attn.q_proj.weight", std::vector<std::uint64_t>{6, 512}).values.size() ==
        512);
}

TEST_CASE("imatrix: hostile files give one InputError, never a read outside the file", "[quantize][imatrix]") {
  auto refused = [](const std::string& bytes, const std::string& what) {
    const std::string p = tmp("bad.dat", bytes);
    try {
      read_imatrix(p);
      FAIL("accepted: " << what);
    } catch (const InputError& e) {
      CHECK(std::string(e.what()).find(what) != std::string::npos);
      CHECK(std::string(e.what()).find('\n') == std::string::npos);
    }
  };
  refused(i32(0), "no entries");
  refused(i32(1) + i32(-5), "negative name length");
  refused(i32(1) + i32(3) + "abc" + i32(1) + i32(0), "has no values");
  refused(i32(1) + i32(3) + "abc" + i32(1) + i32(1000000) + f32(1), "runs past the end");
  refused(i32(1) + i32(3) + "abc" + i32(2) + i32(2) + f32(1) + f32(NAN), "NaN or inf");
  refused(i32(2) + i32(3) + "abc" + i32(2) + i32(1) + f32(1), "entry 2");
  refused("", "runs past the end");
  // Every truncation and many byte changes of both golden files: accepted or refused with InputError, nothing else.
  for (const char* name : {"imatrix.dat", "imatrix.gguf"}) {
    const std::string good = slurp(kDir + name);
    for (std::size_t n = 0; n < good.size(); n += (n < 512 ? 1 : 97)) {
      CAPTURE(name, n);
      try {
        read_imatrix(tmp("cut", good.substr(0, n)));
      } catch (const InputError&) {
      }
    }
    std::mt19937_64 rng(17);
    for (int k = 0; k < 400; ++k) {
      std::string b = good;
      b[rng() % b.size()] = static_cast<char>(rng());
      try {
        read_imatrix(tmp("flip", b));
      } catch (const InputError&) {
      }
    }
  }
}
