// `numscope quantize` in-process: the JSON contract, the recommendation, written files and bad input (exit 2).
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <unistd.h>  // getpid
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "numscope/quantize/quantize.h"
#include "numscope/io/tensor_io.h"
#include "numscope/tools/cli/command.h"

using namespace numscope;
namespace fs = std::filesystem;

namespace {
struct Run {
  int rc;
  std::string out, err;
};
Run run(std::vector<std::string> args) {
  args.insert(args.begin(), {"numscope", "quantize"});
  std::istringstream in;
  std::ostringstream out, err;
  cli::Context ctx{in, out, err};
  const int rc = cli::run_main(args, ctx);
  return {rc, out.str(), err.str()};
}
/// A refused run: exit 2, nothing on stdout, one line on stderr that says `what`.
void expect_refused(std::vector<std::string> args, const std::string& what) {
  const Run r = run(std::move(args));
  CHECK(r.rc == 2);
  CHECK(r.out.empty());
  CHECK(r.err.find(what) != std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
}
std::string tmp(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("numscope_quant_cli_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return (dir / name).string();
}
std::string le(std::uint64_t v, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return s;
}
/// A float32 safetensors file with the given tensors (name, shape, values), in order.
std::string write_st(const std::string& name, const std::vector<std::tuple<std::string, std::vector<int>, std::vector<float>>>& ts) {
  nlohmann::json h;
  std::string data;
  for (const auto& [n, shape, v] : ts) {
    h[n] = {{"dtype", "F32"}, {"shape", shape}, {"data_offsets", {data.size(), data.size() + 4 * v.size()}}};
    data.append(reinterpret_cast<const char*>(v.data()), 4 * v.size());
  }
  const std::string hs = h.dump();
  const std::string p = tmp(name);
  std::ofstream(p, std::ios::binary) << le(hs.size(), 8) << hs << data;
  return p;
}
}  // namespace

TEST_CASE("quantize -o json: one object per scheme, sorted by bits", "[quantize][cli]") {
  const Run r = run({"--synthetic", "normal:n=4096,seed=1", "-o", "json"});
  REQUIRE(r.rc == 0);
  CHECK(r.err.empty());
  const auto doc = nlohmann::json::parse(r.out);
  const auto j = doc["tables"]["schemes"];
  REQUIRE(j.is_array());
  REQUIRE(j.size() == default_scheme_names().size());
  CHECK(doc["tables"]["input"][0]["elements"] == 4096);
  double prev = 0;
  for (const auto& row : j) {
    for (const char* k : {"scheme", "bits_per_element", "bytes", "mse", "sqnr_db", "max_abs_error", "cosine",
                          "clipped_fraction", "underflow_fraction"})
      CHECK(row.contains(k));
    CHECK(row["bits_per_element"].get<double>() >= prev);
    prev = row["bits_per_element"].get<double>();
  }
  const Run t = run({"--synthetic", "normal:n=4096,seed=1"});
  CHECK(t.out.find("MX scale rule of the mx* rows: floor") != std::string::npos);
}

TEST_CASE("quantize recommends the cheapest scheme meeting the bars", "[quantize][cli]") {
  const Run r = run({"--synthetic", "normal:n=4096,seed=1", "-s", "q4_0,q8_0,fp16,int4-g128", "--min-sqnr", "30"});
  REQUIRE(r.rc == 0);
  CHECK(r.out.find("recommended: q8_0") != std::string::npos);
  CHECK(r.out.find("q4_0: SQNR") != std::string::npos);
  const Run j = run({"--synthetic", "normal:n=4096,seed=1", "-s", "q4_0,q8_0", "--max-bits", "8", "-o", "json"});
  const auto a = nlohmann::json::parse(j.out)["tables"]["schemes"];
  CHECK(a[0]["recommended"] == true);
  CHECK(a[0]["scheme"] == "q4_0");
}

TEST_CASE("quantize reads safetensors shards, --tensor and --all", "[quantize][cli]") {
  std::vector<float> w(64 * 2), v(32);
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = std::sin(float(i));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = std::cos(float(i));
  const std::string a = write_st("a.safetensors", {{"layer.0.weight", {2, 64}, w}});
  const std::string b = write_st("b.safetensors", {{"layer.1.weight", {32}, v}});
  const Run one = run({"-i", a, "-i", b, "--tensor", "layer.1.weight", "-s", "q8_0", "-o", "json"});
  REQUIRE(one.rc == 0);
  // 1-D tensors (norms, biases) are left out of --all unless --include-1d, and the note says so.
  const Run no1d = run({"-i", a, "-i", b, "--all", "-s", "q8_0"});
  REQUIRE(no1d.rc == 0);
  CHECK(no1d.out.find("left out by the tensor filter (1 tensors): layer.1.weight (1-D)") != std::string::npos);
  const Run glob = run({"-i", a, "-i", b, "--all", "--include-1d", "--exclude", "layer.0.*", "-s", "q8_0"});
  REQUIRE(glob.rc == 0);
  CHECK(glob.out.find("layer.0.weight (excluded by 'layer.0.*')") != std::string::npos);
  const Run none = run({"-i", a, "-i", b, "--all", "--include", "nothing*"});
  CHECK(none.rc == 2);
  CHECK(none.err.find("every tensor was left out") != std::string::npos);
  const Run all = run({"-i", a, "-i", b, "--all", "--include-1d", "-s", "q8_0,nf4", "-o", "json"});
  REQUIRE(all.rc == 0);
  const auto j = nlohmann::json::parse(all.out)["tables"]["schemes"];
  REQUIRE(j.size() == 6);  // 2 tensors x 2 schemes + 2 totals
  int totals = 0;
  for (const auto& row : j) totals += row["tensor"] == "total";
  CHECK(totals == 2);
  const Run miss = run({"-i", a, "-i", b, "--tensor", "layer.2.weight"});
  CHECK(miss.rc == 2);
  CHECK(miss.err.find("closest: layer.") != std::string::npos);
  // --all skips tensors of other dtypes and says so; naming one is an error that names the dtype.
  nlohmann::json h = {{"w", {{"dtype", "F32"}, {"shape", {32}}, {"data_offsets", {0, 128}}}},
                      {"ids", {{"dtype", "I64"}, {"shape", {2}}, {"data_offsets", {128, 144}}}}};
  const std::string hs = h.dump(), mixed = tmp("mixed.safetensors");
  std::ofstream(mixed, std::ios::binary) << le(hs.size(), 8) << hs << std::string(144, '\0');
  const Run skip = run({"-i", mixed, "--all", "--include-1d", "-s", "q8_0"});
  CHECK(skip.rc == 0);
  CHECK(skip.out.find("skipped (not a float tensor the quantizer reads, or empty): ids (I64)") != std::string::npos);
  const Run named = run({"-i", mixed, "--tensor", "ids"});
  CHECK(named.rc == 2);
  CHECK(named.err.find("dtype I64 is not supported") != std::string::npos);
  const Run many = run({"-i", a, "-i", b});
  CHECK(many.rc == 2);
  CHECK(many.err.find("--tensor NAME or --all") != std::string::npos);
}

TEST_CASE("quantize --write-blocks writes ggml's bytes, --dump-dequantized the tensor", "[quantize][cli]") {
  std::vector<float> w(2 * 64);
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = float(int(i % 37) - 18) / 7.0f;
  const std::string in = write_st("w.safetensors", {{"w", {2, 64}, w}});
  const std::string blocks = tmp("w.q8_0"), dump = tmp("w.npy");
  const Run r = run({"-i", in, "-s", "q8_0", "--write-blocks", blocks, "--dump-dequantized", dump});
  REQUIRE(r.rc == 0);
  std::ifstream f(blocks, std::ios::binary);
  const std::string got((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  REQUIRE(got.size() == 4 * 34);
  for (int b = 0; b < 4; ++b) {
    unsigned char want[34];
    ggml_quantize_q8_0(w.data() + 32 * b, want);
    CHECK(std::string(reinterpret_cast<const char*>(want), 34) == got.substr(34 * b, 34));
  }
  const TensorEntry d = read_npy(dump);
  CHECK(d.shape == std::vector<std::uint64_t>{2, 64});
  std::vector<double> y(128);
  d.source->read_rows(0, 2, y.data());
  const std::vector<double> x(w.begin(), w.end());
  CHECK(y == quantize_dequantize(parse_scheme("q8_0"), x, 2, 64));
  const Run two = run({"-i", in, "-s", "q8_0,q4_0", "--write-blocks", blocks});
  CHECK(two.rc == 2);
  const Run odd = run({"--synthetic", "normal:shape=2x40", "-s", "q4_0", "--write-blocks", blocks});
  CHECK(odd.rc == 2);
  CHECK(odd.err.find("multiple of 32") != std::string::npos);
}

TEST_CASE("quantize bad input: one line, exit 2", "[quantize][cli]") {
  const auto bad = expect_refused;
  bad({}, "--input FILE");
  bad({"-i", tmp("nothing-here.npy")}, "cannot open");
  bad({"--synthetic", "normal", "-s", "int4-g128,q7_k"}, "unknown scheme 'q7_k'");
  bad({"--synthetic", "normal", "--mx-scale", "up"}, "--mx-scale");
  bad({"--synthetic", "normal", "--min-sqnr", "lots"}, "--min-sqnr needs a number");
  const std::string nan = write_st("nan.safetensors", {{"t", {4}, {1.0f, NAN, 2.0f, INFINITY}}});
  bad({"-i", nan}, "2 NaN or inf values");
  const Run ok = run({"-i", nan, "--ignore-nonfinite", "-s", "int8-tensor", "-o", "json"});
  REQUIRE(ok.rc == 0);
  CHECK(nlohmann::json::parse(ok.out)["tables"]["schemes"][0]["sqnr_db"].get<double>() > 40);
  const std::string junk = tmp("junk.bin");
  std::ofstream(junk) << "just some text";
  bad({"-i", junk}, "not a .npy, .safetensors or GGUF file");
}

TEST_CASE("quantize reads GGUF models: every tensor dequantized as ggml does, hostile files exit 2", "[quantize][cli]") {
  const std::string dir = NUMSCOPE_GGML_GOLDEN "/gguf/";
  // Re-quantizing ggml's own q8_0 blocks with numscope's q8_0 gives them back exactly.
  const Run r = run({"-i", dir + "types-v3.gguf", "-t", "q8_0", "-s", "q8_0", "-o", "json"});
  REQUIRE(r.rc == 0);
  const auto j = nlohmann::json::parse(r.out);
  CHECK(j["tables"]["input"][0]["dtype"] == "q8_0");
  CHECK(j["tables"]["schemes"][0]["mse"].get<double>() == 0);
  const Run all = run({"-i", dir + "types-v3.gguf", "--all", "-s", "q4_K"});
  CHECK(all.rc == 0);
  // Truncated or lying files: one line, exit 2.
  std::ifstream in(dir + "tiny-v3.gguf", std::ios::binary);
  const std::string good((std::istreambuf_iterator<char>(in)), {});
  auto bad = [](const std::string& path, const std::string& what) {
    const Run b = run({"-i", path, "--all"});
    CHECK(b.rc == 2);
    CHECK(b.out.empty());
    CHECK(b.err.find(what) != std::string::npos);
    CHECK(std::count(b.err.begin(), b.err.end(), '\n') == 1);
  };
  const std::string cut = tmp("cut.gguf");
  std::ofstream(cut, std::ios::binary) << good.substr(0, 3000);
  bad(cut, "past the end of the file");
  std::string lie = good;
  lie[8] = '\xff';  // the tensor count's low byte: 255 tensors
  const std::string liar = tmp("lie.gguf");
  std::ofstream(liar, std::ios::binary) << lie;
  bad(liar, "is not a valid GGUF file");
}

TEST_CASE("quantize --imatrix: llama.cpp's weights for the ggml schemes that take them; bad files exit 2",
          "[quantize][cli][imatrix]") {
  const std::string dir = NUMSCOPE_GGML_GOLDEN "/gguf/";
  for (const char* file : {"imatrix.gguf", "imatrix.dat"}) {
    const Run r = run({"-i", dir + "imatrix-model.gguf", "--all", "-s", "q4_K,q8_0", "--imatrix", dir + file, "-o", "json"});
    REQUIRE(r.rc == 0);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j["request"]["imatrix"] == dir + file);
    const Run text = run({"-i", dir + "imatrix-model.gguf", "--all", "-s", "q4_K", "--imatrix", dir + file});
    CHECK(text.out.find("has no weights for 1 tensor(s)") != std::string::npos);
    CHECK(text.out.find("token_embd.weight") != std::string::npos);
  }
  // Weighted and unweighted q4_K differ; q8_0 ignores the weights (a note says so when it is the only scheme).
  const Run w = run({"-i", dir + "imatrix-model.gguf", "-t", "blk.0.attn_q.weight", "-s", "q4_K", "--imatrix",
                     dir + "imatrix.gguf", "-o", "json"});
  const Run u = run({"-i", dir + "imatrix-model.gguf", "-t", "blk.0.attn_q.weight", "-s", "q4_K", "-o", "json"});
  REQUIRE((w.rc == 0 && u.rc == 0));
  CHECK(nlohmann::json::parse(w.out)["tables"]["schemes"][0]["mse"] != nlohmann::json::parse(u.out)["tables"]["schemes"][0]["mse"]);
  const Run q8 = run({"-i", dir + "imatrix-model.gguf", "-t", "blk.0.attn_q.weight", "-s", "q8_0", "--imatrix",
                      dir + "imatrix.gguf"});
  CHECK(q8.out.find("no scheme of this run takes importance weights") != std::string::npos);
  const auto bad = expect_refused;
  const std::string model = dir + "imatrix-model.gguf";
  bad({"-i", model, "--all", "-s", "q4_K", "--imatrix", tmp("no-such.imatrix")}, "cannot open");
  const std::string junk = tmp("junk.imatrix");
  std::ofstream(junk) << "just some text that is no imatrix";
  bad({"-i", model, "--all", "-s", "q4_K", "--imatrix", junk}, "--imatrix");
  bad({"--synthetic", "normal", "-s", "q4_K", "--imatrix", dir + "imatrix.gguf"}, "--imatrix goes with --input");
  bad({"-i", model, "--all", "-s", "q4_K", "--imatrix", model}, "holds no importance weights");
  bad({"-i", model, "--all", "-s", "q4_K", "--imatrix", dir + "imatrix.gguf", "--write-blocks", dir + "imatrix.gguf"},
      "--imatrix");
}

TEST_CASE("quantize --all with llama.cpp file-type mixes: each tensor's type, bytes and error", "[quantize][cli][mix]") {
  // golden/ggml/mix/mix-model.gguf (written by the gguf package): llama, 8 blocks, 8 heads over 2 KV heads,
  // every weight 2 rows of 256 but ffn_down 2 rows of 288 (no 256-block fits it).
  const std::string model = NUMSCOPE_GGML_GOLDEN "/mix/mix-model.gguf";
  const Run r = run({"-i", model, "--all", "-s", "llama:Q4_K_M,Q3_K_M", "-o", "json"});
  REQUIRE(r.rc == 0);
  const auto rows = nlohmann::json::parse(r.out)["tables"]["schemes"];
  // Expected types, by hand from llama.cpp src/llama-quant.cpp llama_tensor_get_type_impl: Q4_K_M gives attn_v
  // and ffn_down Q6_K where use_more_bits(i, 8) (i < 1, i >= 7, (i - 1) % 3 == 2: blocks 0, 3, 6, 7), the output
  // Q6_K; Q3_K_M gives attn_v Q5_K in the first two blocks and Q4_K after, attn_output Q4_K, ffn_down Q4_K, the
  // output Q6_K. A row of 288 falls back (tensor_type_fallback): Q6_K to Q8_0, Q4_K to Q5_0.
  auto expect = [](const std::string& tensor, bool q4km) -> std::string {
    if (tensor == "output.weight") return "q6_K";
    if (tensor == "token_embd.weight") return q4km ? "q4_K" : "q3_K";
    const int i = tensor[4] - '0';
    const bool more = i == 0 || i == 3 || i == 6 || i == 7;
    if (tensor.find("attn_v") != std::string::npos) return q4km ? (more ? "q6_K" : "q4_K") : (i < 2 ? "q5_K" : "q4_K");
    if (tensor.find("ffn_down") != std::string::npos) return q4km && more ? "q8_0" : "q5_0";
    if (tensor.find("attn_output") != std::string::npos) return "q4_K";
    return q4km ? "q4_K" : "q3_K";
  };
  // ggml's bytes per block over elements per block (ggml-common.h).
  const std::map<std::string, std::pair<int, int>> size = {{"q3_K", {110, 256}}, {"q4_K", {144, 256}},
                                                           {"q5_K", {176, 256}}, {"q6_K", {210, 256}},
                                                           {"q5_0", {22, 32}},   {"q8_0", {34, 32}}};
  std::map<std::string, std::int64_t> total;
  int seen = 0;
  for (const auto& row : rows) {
    const std::string tensor = row["tensor"], scheme = row["scheme"];
    INFO(tensor << " " << scheme);
    if (tensor == "total") {
      CHECK(row["type"].is_null());
      CHECK(row["bytes"] == total[scheme]);
      continue;
    }
    ++seen;
    const std::string type = expect(tensor, scheme == "llama:Q4_K_M");
    CHECK(row["type"] == type);
    const std::int64_t elements = tensor.find("ffn_down") != std::string::npos ? 576 : 512;
    const auto [bytes, block] = size.at(type);
    CHECK(row["bytes"] == elements / block * bytes);
    total[scheme] += elements / block * bytes;
  }
  CHECK(seen == 2 * (2 + 8 * 7));  // the 1-D norms are left out by default
  // A mix's row of a tensor is that type's analysis of it.
  const Run one = run({"-i", model, "-t", "blk.3.attn_v.weight", "-s", "q6_K,llama:Q4_K_M", "-o", "json"});
  REQUIRE(one.rc == 0);
  const auto two = nlohmann::json::parse(one.out)["tables"]["schemes"];
  REQUIRE(two.size() == 2);
  CHECK(two[0]["mse"] == two[1]["mse"]);
  CHECK(two[0]["max_abs_error"] == two[1]["max_abs_error"]);
  // With --include-1d the norms are copied as stored (F32): 32 bits, no error.
  const Run norms = run({"-i", model, "--all", "--include", "*norm*", "--include-1d", "-s", "Q4_K_M", "-o", "json"});
  REQUIRE(norms.rc == 0);
  const auto norm_doc = nlohmann::json::parse(norms.out);
  int copied = 0;
  for (const auto& row : norm_doc["tables"]["schemes"]) {
    if (row["tensor"] == "total") continue;
    CHECK(row["type"] == "as stored");
    CHECK(row["bits_per_element"] == 32);
    CHECK(row["mse"] == 0);
    ++copied;
  }
  CHECK(copied == 17);  // 8 x attn_norm, 8 x ffn_norm, output_norm
  auto bad = [](std::vector<std::string> args, const std::string& what) {
    const Run b = run(std::move(args));
    CHECK(b.rc == 2);
    CHECK(b.err.find(what) != std::string::npos);
    CHECK(std::count(b.err.begin(), b.err.end(), '\n') == 1);
  };
  bad({"--synthetic", "normal", "-s", "Q4_K_M"}, "types the tensors of a model");
  bad({"-i", model, "--all", "-s", "llama:Q4_K_M", "--write-blocks", tmp("mix.bin")}, "--write-blocks");
  bad({"-i", model, "--all", "-s", "Q4_K_X"}, "llama:Q4_K_M");
}

TEST_CASE("quantize file-type mixes on a Hugging Face checkpoint read its config.json", "[quantize][cli][mix]") {
  // 80 blocks of v_proj (as Llama 3.1 70B: 64 query heads over 8 KV heads). llama.cpp's snapshot of that model
  // (golden/ggml/mix/meta-llama-3.1-70b-instruct.schema) gives every attn_v Q5_K under Q3_K_S: the 70B rule
  // lifts Q3_K to Q5_K. Without a config.json nothing says the architecture is llama, and attn_v stays Q3_K.
  std::vector<std::tuple<std::string, std::vector<int>, std::vector<float>>> ts;
  for (int i = 0; i < 80; ++i)
    ts.push_back({"model.layers." + std::to_string(i) + ".self_attn.v_proj.weight", {2, 256},
                  std::vector<float>(512, 0.01f * float(i % 7) - 0.03f)});
  for (const char* dir : {"hf70b", "hf-noconfig"}) fs::create_directories(tmp(dir));
  const std::string with = write_st("hf70b/model.safetensors", ts), without = write_st("hf-noconfig/model.safetensors", ts);
  std::ofstream(tmp("hf70b/config.json")) << R"({"architectures": ["LlamaForCausalLM"], "num_hidden_layers": 80,
      "num_attention_heads": 64, "num_key_value_heads": 8, "hidden_size": 8192})";
  for (const auto& [file, type] : {std::pair{with, "q5_K"}, {without, "q3_K"}}) {
    const Run r = run({"-i", file, "--all", "-s", "Q3_K_S", "-o", "json"});
    REQUIRE(r.rc == 0);
    int n = 0;
    const auto doc = nlohmann::json::parse(r.out);
    for (const auto& row : doc["tables"]["schemes"])
      if (row["tensor"] != "total") {
        CHECK(row["type"] == type);
        ++n;
      }
    CHECK(n == 80);
  }
  std::ofstream(tmp("hf70b/config.json")) << "{not json";
  const Run bad = run({"-i", with, "--all", "-s", "Q3_K_S"});
  CHECK(bad.rc == 2);
  CHECK(bad.err.find("config.json") != std::string::npos);
}

TEST_CASE("quantize file-type mixes on a Hugging Face mixture of experts: experts merged as llama.cpp merges them",
          "[quantize][cli][mix]") {
  // A Mixtral-like checkpoint of 2 blocks and 8 experts (config.json: MixtralForCausalLM, num_local_experts 8).
  // By hand from llama-quant.cpp under Q4_K_M: attn_v goes to Q8_0 with 8 experts; each expert's w2 is a slice
  // of blk.N.ffn_down_exps, whose layer comes from its name: use_more_bits(i, 2) holds for i >= 7*2/8 = 1 only,
  // so block 0's experts are Q4_K and block 1's Q6_K; the router (block_sparse_moe.gate = ffn_gate_inp) is copied.
  std::vector<std::tuple<std::string, std::vector<int>, std::vector<float>>> ts;
  const std::vector<float> v(512, 0.02f);
  for (int i = 0; i < 2; ++i) {
    const std::string b = "model.layers." + std::to_string(i) + ".";
    ts.push_back({b + "self_attn.v_proj.weight", {2, 256}, v});
    ts.push_back({b + "block_sparse_moe.gate.weight", {2, 256}, v});
    for (int e = 0; e < 8; ++e) ts.push_back({b + "block_sparse_moe.experts." + std::to_string(e) + ".w2.weight", {2, 256}, v});
  }
  fs::create_directories(tmp("hfmoe"));
  const std::string file = write_st("hfmoe/model.safetensors", ts);
  std::ofstream(tmp("hfmoe/config.json")) << R"({"architectures": ["MixtralForCausalLM"], "num_hidden_layers": 2,
      "num_attention_heads": 32, "num_key_value_heads": 8, "num_local_experts": 8})";
  const Run r = run({"-i", file, "--all", "-s", "Q4_K_M", "-o", "json"});
  REQUIRE(r.rc == 0);
  const auto doc = nlohmann::json::parse(r.out);
  int n = 0;
  for (const auto& row : doc["tables"]["schemes"]) {
    const std::string tensor = row["tensor"];
    if (tensor == "total") continue;
    INFO(tensor);
    ++n;
    const char* want = tensor.find("v_proj") != std::string::npos             ? "q8_0"
                       : tensor.find(".gate.") != std::string::npos           ? "as stored"
                       : tensor.rfind("model.layers.0.", 0) == 0               ? "q4_K"
                                                                               : "q6_K";
    CHECK(row["type"] == want);
  }
  CHECK(n == 2 * 10);
}

TEST_CASE("quantize and bench name their tables before they run, as the run returns them", "[quantize][cli]") {
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"quantize", {"--synthetic", "normal:n=256"}},
      {"quantize", {"--synthetic", "normal:n=256", "--per-layer"}},
      {"quantize", {"--synthetic", "normal:n=256", "--percentiles", "--histogram", "4"}},
      {"quantize", {"--synthetic", "normal:n=256", "--per-layer", "--histogram", "3", "--schemes", "q8_0"}},
      {"bench", {"--size", "1K", "--quantize-size", "1K", "--formats", "fp16"}},
      {"bench", {"--size", "1K", "--formats", "fp16", "--no-quantize"}},
  };
  for (const auto& [name, argv] : cases) {
    CAPTURE(name, argv);
    const cli::Command* c = nullptr;
    for (const cli::Command& k : cli::commands())
      if (k.spec.name == name) c = &k;
    REQUIRE(c != nullptr);
    REQUIRE(c->tables != nullptr);
    const cli::Args args = cli::parse_args(c->spec, argv);
    std::istringstream in;
    std::ostringstream out, err;
    cli::Context ctx{in, out, err};
    std::vector<std::string> ran;
    for (const Table& t : c->run(args, ctx).tables) ran.push_back(t.name);
    CHECK(c->tables(args) == ran);
  }
  // Checked before the run: a 1 GiB synthetic tensor would take seconds, the refusal takes none.
  const Run r = run({"--synthetic", "normal:n=268435456", "-o", "csv"});
  CHECK(r.rc == 2);
  CHECK(r.err.find("pass --table NAME with NAME one of input, schemes") != std::string::npos);
  CHECK(run({"--synthetic", "normal:n=268435456", "--table", "layers"}).rc == 2);
}

TEST_CASE("quantize --input DIR or its index reads a sharded checkpoint's shards", "[quantize][cli]") {
  std::vector<float> w(64 * 2), v(64 * 3);
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = std::sin(float(i));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = std::cos(float(i));
  fs::create_directories(tmp("ckpt"));
  const std::string a = write_st("ckpt/model-00001-of-00002.safetensors", {{"layers.0.weight", {2, 64}, w}});
  const std::string b = write_st("ckpt/model-00002-of-00002.safetensors", {{"layers.1.weight", {3, 64}, v}});
  std::ofstream(tmp("ckpt/model.safetensors.index.json"))
      << R"({"metadata": {"total_size": 1280}, "weight_map": {"layers.0.weight": "model-00001-of-00002.safetensors",
            "layers.1.weight": "model-00002-of-00002.safetensors"}})";
  auto schemes = [](const Run& r) {
    REQUIRE(r.rc == 0);
    return nlohmann::json::parse(r.out)["tables"]["schemes"];
  };
  const auto files = schemes(run({"-i", a, "-i", b, "--all", "-s", "q8_0,int4-g32", "-o", "json"}));
  CHECK(files.size() == 6);
  CHECK(schemes(run({"-i", tmp("ckpt"), "--all", "-s", "q8_0,int4-g32", "-o", "json"})) == files);
  CHECK(schemes(run({"-i", tmp("ckpt/model.safetensors.index.json"), "--all", "-s", "q8_0,int4-g32", "-o", "json"})) ==
        files);
  // Without the index: every .safetensors file of the directory.
  fs::remove(tmp("ckpt/model.safetensors.index.json"));
  CHECK(schemes(run({"-i", tmp("ckpt"), "--all", "-s", "q8_0,int4-g32", "-o", "json"})) == files);
  // An index whose shards are not all there, an empty directory, an index file that does not exist.
  fs::create_directories(tmp("half"));
  fs::copy_file(a, tmp("half/model-00001-of-00002.safetensors"), fs::copy_options::overwrite_existing);
  std::ofstream(tmp("half/model.safetensors.index.json"))
      << R"({"weight_map": {"layers.0.weight": "model-00001-of-00002.safetensors",
            "layers.1.weight": "model-00002-of-00002.safetensors"}})";
  expect_refused({"-i", tmp("half"), "--all"}, "model-00002-of-00002.safetensors");
  fs::remove(tmp("half/model-00001-of-00002.safetensors"));
  expect_refused({"-i", tmp("half"), "--all"}, "the tensors are read from the shards");
  fs::create_directories(tmp("empty"));
  expect_refused({"-i", tmp("empty"), "--all"}, "a directory without .safetensors files");
  expect_refused({"-i", tmp("no-such.index.json"), "--all"}, "cannot open");
}

TEST_CASE("quantize --list-tensors: each tensor as gguf.GGUFReader reads the file, without its data",
          "[quantize][cli]") {
  // types-v3.expect: "tensor NAME TYPE NE0,NE1 OFFSET SIZE" for each tensor, written by the gguf package's reader.
  const std::string dir = NUMSCOPE_GGML_GOLDEN "/gguf/";
  const Run r = run({"-i", dir + "types-v3.gguf", "--list-tensors", "-o", "json"});
  REQUIRE(r.rc == 0);
  const auto j = nlohmann::json::parse(r.out);
  const auto& rows = j["tables"]["tensors"];
  std::ifstream expect(dir + "types-v3.expect");
  std::string line;
  std::size_t i = 0;
  std::uint64_t total = 0;
  while (std::getline(expect, line)) {
    if (line.rfind("tensor ", 0) != 0) continue;
    std::istringstream in(line.substr(7));
    std::string name, type, ne, offset;
    std::uint64_t size = 0;
    in >> name >> type >> ne >> offset >> size;
    REQUIRE(i < rows.size());
    const auto& row = rows[i++];
    CAPTURE(line);
    CHECK(row["tensor"] == name);
    std::string dtype = row["dtype"];
    std::transform(dtype.begin(), dtype.end(), dtype.begin(), [](unsigned char c) { return std::tolower(c); });
    CHECK(dtype == type);
    const std::size_t comma = ne.find(',');
    CHECK(row["shape"] == ne.substr(comma + 1) + "x" + ne.substr(0, comma));  // ggml's ne reversed: rows first
    CHECK(row["bytes"] == size);
    CHECK(row["bits_per_element"] == 8.0 * double(size) / 512.0);
    total += size;
  }
  CHECK(i == 17);
  REQUIRE(rows.size() == i + 1);
  CHECK(rows[i]["tensor"] == "total");
  CHECK(rows[i]["bytes"] == total);
  CHECK(j["tables"]["dtypes"].size() == 17);
  // Filters apply; options of a run are refused by name.
  const Run k = run({"-i", dir + "types-v3.gguf", "--list-tensors", "--include", "q*_K", "-o", "json", "--table",
                     "dtypes"});
  REQUIRE(k.rc == 0);
  CHECK(nlohmann::json::parse(k.out)["tables"]["dtypes"].size() == 5);
  expect_refused({"-i", dir + "types-v3.gguf", "--list-tensors", "-s", "q4_0"}, "leave out --schemes");
  expect_refused({"--synthetic", "normal", "--list-tensors"}, "--list-tensors lists the tensors of --input files");
  expect_refused({"-i", dir + "types-v3.gguf", "--list-tensors", "--include", "nothing"}, "no tensor matches");
}
