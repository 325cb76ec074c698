// --config DIR against small model directories written here: safetensors shards whose tensor names and shapes are
// transcribed from the modeling files and quantizers (transformers' modeling_llama.py, AutoGPTQ's QuantLinear,
// AutoAWQ's WQLinear_GEMM, bitsandbytes' Linear4bit / Linear8bitLt state dicts), not from numscope's inventory. The
// data is zeros; numscope reads the headers only.
#include <catch2/catch.hpp>

#include <filesystem>  // std::filesystem
#include <fstream>     // std::ofstream
#include <string>      // std::string
#include <vector>      // std::vector

#include "numscope/memory/checkpoint.h"
#include "numscope/memory/estimate.h"
#include "numscope/support/error.h"

using namespace numscope;
using namespace numscope::memory;
namespace fs = std::filesystem;

namespace {

struct T {
  std::string name, dtype;
  std::vector<std::uint64_t> shape;
};

std::uint64_t dtype_bytes_of(const std::string& d) {
  if (d == "F32" || d == "I32") return 4;
  if (d == "F16" || d == "BF16") return 2;
  return 1;
}

// A safetensors file: u64 header length, the JSON header, the zero data (safetensors' format description).
std::uint64_t write_safetensors(const fs::path& p, const std::vector<T>& tensors) {
  std::string header = "{";
  std::uint64_t at = 0;
  for (const T& t : tensors) {
    std::uint64_t n = 1;
    std::string shape;
    for (std::uint64_t d : t.shape) {
      n *= d;
      shape += (shape.empty() ? "" : ",") + std::to_string(d);
    }
    const std::uint64_t bytes = n * dtype_bytes_of(t.dtype);
    header += (header.size() > 1 ? "," : "") + ("\"" + t.name + "\":{\"dtype\":\"" + t.dtype + "\",\"shape\":[" +
                                                 shape + "],\"data_offsets\":[" + std::to_string(at) + "," +
                                                 std::to_string(at + bytes) + "]}");
    at += bytes;
  }
  header += "}";
  std::ofstream out(p, std::ios::binary);
  const std::uint64_t len = header.size();
  for (int i = 0; i < 8; ++i) out.put(static_cast<char>((len >> (8 * i)) & 0xff));
  out << header << std::string(at, '\0');
  return at;
}

struct Dir {
  fs::path path;
  explicit Dir(const std::string& name) : path(fs::temp_directory_path() / ("numscope-ckpt-" + name)) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~Dir() { fs::remove_all(path); }
  void file(const std::string& name, const std::string& text) const { std::ofstream(path / name) << text; }
};

// A llama of hidden 64, 2 layers, 4 heads of 16, 2 KV heads, MLP 128, vocabulary 100 (LlamaConfig).
std::string llama_config(const std::string& dtype, const std::string& extra = "") {
  return R"({"model_type": "llama", "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
    "num_key_value_heads": 2, "intermediate_size": 128, "vocab_size": 100, "torch_dtype": ")" +
         dtype + "\"" + extra + "}";
}

// modeling_llama.py's state dict: LlamaModel.embed_tokens, layers[i].self_attn.{q,k,v,o}_proj, .mlp.{gate,up,
// down}_proj (nn.Linear weight: out × in), input_layernorm and post_attention_layernorm, norm; LlamaForCausalLM's
// lm_head. `linear` gives the tensors one nn.Linear(in, out) stores.
using Linear = std::vector<T> (*)(const std::string& name, std::uint64_t in, std::uint64_t out);

std::vector<T> llama_tensors(const std::string& dtype, Linear linear, bool head = true) {
  std::vector<T> v = {{"model.embed_tokens.weight", dtype, {100, 64}}, {"model.norm.weight", dtype, {64}}};
  for (int i = 0; i < 2; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    for (const auto& [m, in, out] : {std::tuple{"self_attn.q_proj", 64, 64}, {"self_attn.k_proj", 64, 32},
                                     {"self_attn.v_proj", 64, 32}, {"self_attn.o_proj", 64, 64},
                                     {"mlp.gate_proj", 64, 128}, {"mlp.up_proj", 64, 128}, {"mlp.down_proj", 128, 64}})
      for (T& t : linear(p + m, in, out)) v.push_back(std::move(t));
    v.push_back({p + "input_layernorm.weight", dtype, {64}});
    v.push_back({p + "post_attention_layernorm.weight", dtype, {64}});
  }
  if (head) v.push_back({"lm_head.weight", dtype, {100, 64}});
  return v;
}

std::vector<T> plain_bf16(const std::string& n, std::uint64_t in, std::uint64_t out) {
  return {{n + ".weight", "BF16", {out, in}}};
}
// AutoGPTQ qlinear_cuda_old.py QuantLinear (bits 4, group 32): qweight int32 (in // 32 · 4, out), qzeros int32
// (ceil(in / 32), out // 32 · 4), scales fp16 (ceil(in / 32), out), g_idx int32 (in).
std::vector<T> gptq(const std::string& n, std::uint64_t in, std::uint64_t out) {
  return {{n + ".qweight", "I32", {in / 32 * 4, out}},
          {n + ".qzeros", "I32", {(in + 31) / 32, out / 32 * 4}},
          {n + ".scales", "F16", {(in + 31) / 32, out}},
          {n + ".g_idx", "I32", {in}}};
}
// AutoAWQ gemm.py WQLinear_GEMM (w_bit 4, group 32): qweight int32 (in, out // 8), qzeros int32 (in // 32,
// out // 8), scales fp16 (in // 32, out).
std::vector<T> awq(const std::string& n, std::uint64_t in, std::uint64_t out) {
  return {{n + ".qweight", "I32", {in, out / 8}}, {n + ".qzeros", "I32", {in / 32, out / 8}},
          {n + ".scales", "F16", {in / 32, out}}};
}
// bitsandbytes Linear4bit (nf4, blocksize 64, no double quantization), Params4bit + QuantState.as_dict(packed):
// weight uint8 ((n + 1) // 2, 1), weight.absmax fp32 (n / 64), weight.quant_map fp32 (16) and the json.dumps of
// the non-tensor items as a uint8 tensor.
std::string nf4_json(std::uint64_t out, std::uint64_t in) {
  return "{\"quant_type\": \"nf4\", \"blocksize\": 64, \"dtype\": \"bfloat16\", \"shape\": [" + std::to_string(out) +
         ", " + std::to_string(in) + "]}";
}
std::vector<T> nf4(const std::string& n, std::uint64_t in, std::uint64_t out) {
  const std::uint64_t e = in * out;
  return {{n + ".weight", "U8", {(e + 1) / 2, 1}},
          {n + ".weight.absmax", "F32", {(e + 63) / 64}},
          {n + ".weight.quant_map", "F32", {16}},
          {n + ".weight.quant_state.bitsandbytes__nf4", "U8", {nf4_json(out, in).size()}}};
}
// With bnb_4bit_use_double_quant: the absmax quantized to uint8 in blocks of 256 (nested_absmax fp32, a 256-entry
// nested_quant_map), and nested_blocksize, nested_dtype, nested_offset in the JSON (here an offset of 0.0234375).
std::vector<T> nf4_dq(const std::string& n, std::uint64_t in, std::uint64_t out) {
  const std::uint64_t e = in * out, blocks = (e + 63) / 64;
  std::string json = nf4_json(out, in);
  json.pop_back();
  json += ", \"nested_blocksize\": 256, \"nested_dtype\": \"float32\", \"nested_offset\": 0.0234375}";
  return {{n + ".weight", "U8", {(e + 1) / 2, 1}},
          {n + ".weight.absmax", "U8", {blocks}},
          {n + ".weight.nested_absmax", "F32", {(blocks + 255) / 256}},
          {n + ".weight.nested_quant_map", "F32", {256}},
          {n + ".weight.quant_map", "F32", {16}},
          {n + ".weight.quant_state.bitsandbytes__nf4", "U8", {json.size()}}};
}
// bitsandbytes Linear8bitLt._save_to_state_dict: weight int8 (out, in), SCB fp32 (out), weight_format uint8 ().
std::vector<T> int8(const std::string& n, std::uint64_t in, std::uint64_t out) {
  return {{n + ".weight", "I8", {out, in}}, {n + ".SCB", "F32", {out}}, {n + ".weight_format", "U8", {}}};
}

MemoryEstimate dir_estimate(const Dir& d) { return estimate(make_request({{"config", d.path.string()}})); }

// One directory per quantizer: config.json with its quantization_config, one shard with its tensors.
MemoryEstimate quantized(const std::string& name, const std::string& dtype, const std::string& st_dtype,
                         const std::string& qconfig, Linear linear, std::uint64_t* file_bytes) {
  Dir d(name);
  d.file("config.json", llama_config(dtype, ", \"quantization_config\": " + qconfig));
  *file_bytes = write_safetensors(d.path / "model.safetensors", llama_tensors(st_dtype, linear));
  return dir_estimate(d);
}

}  // namespace

TEST_CASE("a model directory: the shards' bytes by dtype beside config.json's count", "[memory][checkpoint]") {
  Dir d("llama");
  d.file("config.json", llama_config("bfloat16"));
  std::vector<T> all = llama_tensors("BF16", plain_bf16);
  // Older transformers saved the rotary inv_freq buffer (head_dim / 2 floats per layer): not a parameter.
  all.push_back({"model.layers.0.self_attn.rotary_emb.inv_freq", "F32", {8}});
  all.push_back({"model.layers.1.self_attn.rotary_emb.inv_freq", "F32", {8}});
  const std::vector<T> first(all.begin(), all.begin() + 10), second(all.begin() + 10, all.end());
  const std::uint64_t bytes = write_safetensors(d.path / "model-00001-of-00002.safetensors", first) +
                              write_safetensors(d.path / "model-00002-of-00002.safetensors", second);
  std::string map;
  for (std::size_t i = 0; i < all.size(); ++i)
    map += (i ? ", " : "") + ("\"" + all[i].name + "\": \"model-0000" + (i < 10 ? "1" : "2") + "-of-00002.safetensors\"");
  d.file("model.safetensors.index.json",
         "{\"metadata\": {\"total_size\": " + std::to_string(bytes) + "}, \"weight_map\": {" + map + "}}");
  const MemoryEstimate e = dir_estimate(d);
  REQUIRE(e.checkpoint);
  // embed 6,400 + head 6,400 + norm 64 + 2 layers × (q 4,096 + k 2,048 + v 2,048 + o 4,096 + 3 × 8,192 + 128).
  const std::int64_t params = 6400 + 6400 + 64 + 2 * (4096 + 2048 + 2048 + 4096 + 3 * 8192 + 128);
  CHECK(e.params == params);
  CHECK(e.checkpoint->agree);
  CHECK(*e.get("checkpoint_bytes") == static_cast<double>(bytes));
  CHECK(e.checkpoint_files->shards.size() == 2);
  CHECK(e.checkpoint_files->elements == static_cast<std::uint64_t>(params) + 16);
  bool buffer_reason = false;
  for (const std::string& r : e.checkpoint->reasons) buffer_reason |= r.find("inv_freq") != std::string::npos;
  CHECK(buffer_reason);
  CHECK(e.weights == static_cast<double>(bytes) - 16 * 4);  // the computed weights row is the shards less buffers

  // The index alone (shards not downloaded): its total_size is the checkpoint's bytes.
  fs::remove(d.path / "model-00001-of-00002.safetensors");
  fs::remove(d.path / "model-00002-of-00002.safetensors");
  const MemoryEstimate idx = dir_estimate(d);
  CHECK(idx.checkpoint_files->tensors.empty());
  CHECK(*idx.get("checkpoint_bytes") == static_cast<double>(bytes));
  // Some shards but not all: refused, naming the missing one.
  write_safetensors(d.path / "model-00001-of-00002.safetensors", first);
  CHECK_THROWS_WITH(dir_estimate(d), Catch::Contains("model-00002-of-00002.safetensors"));
}

TEST_CASE("a model directory that disagrees with its config says why", "[memory][checkpoint]") {
  Dir d("untied");
  d.file("config.json", llama_config("bfloat16"));
  write_safetensors(d.path / "model.safetensors", llama_tensors("BF16", plain_bf16, false));
  const MemoryEstimate e = dir_estimate(d);
  CHECK(!e.checkpoint->agree);
  bool head = false;
  for (const std::string& r : e.checkpoint->reasons) head |= r.find("no lm_head.weight") != std::string::npos;
  CHECK(head);
  // Stored in fp32 where torch_dtype says bfloat16: the same elements in another dtype.
  write_safetensors(d.path / "model.safetensors", llama_tensors("F32", [](const std::string& n, std::uint64_t in,
                                                                           std::uint64_t out) {
                      return std::vector<T>{{n + ".weight", "F32", {out, in}}};
                    }));
  const MemoryEstimate f = dir_estimate(d);
  CHECK(!f.checkpoint->agree);
  bool dtypes = false;
  for (const std::string& r : f.checkpoint->reasons) dtypes |= r.find("other dtypes") != std::string::npos;
  CHECK(dtypes);
}

TEST_CASE("quantized checkpoints: GPTQ, AWQ and bitsandbytes tensors as their quantizers store them",
          "[memory][checkpoint][quantized]") {
  std::uint64_t bytes = 0;
  // GPTQ 4-bit, groups of 32, fp16 model: the weights rows are the shard's bytes exactly.
  const MemoryEstimate g = quantized("gptq", "float16", "F16",
                                     R"({"quant_method": "gptq", "bits": 4, "group_size": 32, "desc_act": false})",
                                     gptq, &bytes);
  CHECK(g.checkpoint->agree);
  CHECK(g.weights == static_cast<double>(bytes));
  const MemoryEstimate a = quantized("awq", "float16", "F16",
                                     R"({"quant_method": "awq", "bits": 4, "group_size": 32, "version": "gemm"})", awq,
                                     &bytes);
  CHECK(a.checkpoint->agree);
  CHECK(a.weights == static_cast<double>(bytes));
  const MemoryEstimate b = quantized("nf4", "bfloat16", "BF16",
                                     R"({"quant_method": "bitsandbytes", "load_in_4bit": true,
                                         "bnb_4bit_quant_type": "nf4"})",
                                     nf4, &bytes);
  CHECK(b.checkpoint->agree);
  CHECK(b.weights == static_cast<double>(bytes));
  const MemoryEstimate i8 = quantized("int8", "bfloat16", "BF16",
                                      R"({"quant_method": "bitsandbytes", "load_in_8bit": true})", int8, &bytes);
  CHECK(i8.checkpoint->agree);
  CHECK(i8.weights == static_cast<double>(bytes));
  // Double quantization: nested_offset's digits depend on the data; numscope assumes 18 characters, this file has
  // 9 ("0.0234375"), so the U8 JSON tensors differ by 9 bytes per matrix (14 matrices), and the output says so.
  const MemoryEstimate dq = quantized("nf4dq", "bfloat16", "BF16",
                                      R"({"quant_method": "bitsandbytes", "load_in_4bit": true,
                                          "bnb_4bit_quant_type": "nf4", "bnb_4bit_use_double_quant": true})",
                                      nf4_dq, &bytes);
  CHECK(dq.weights == static_cast<double>(bytes) + 14 * 9);
  CHECK(dq.checkpoint->agree);
  bool json = false;
  for (const std::string& r : dq.checkpoint->reasons) json |= r.find("nested_offset") != std::string::npos;
  CHECK(json);
}

TEST_CASE("broken model directories are refused with one line", "[memory][checkpoint][errors]") {
  Dir d("broken");
  d.file("config.json", llama_config("bfloat16"));
  write_safetensors(d.path / "model.safetensors", llama_tensors("BF16", plain_bf16));
  d.file("model.safetensors.index.json", R"({"weight_map": {"model.norm.weight": "../model.safetensors"}})");
  CHECK_THROWS_WITH(dir_estimate(d), Catch::Contains("expected a .safetensors file name"));
  d.file("model.safetensors.index.json", R"({"weight_map": {"model.norm.weight": "model.safetensors"}})");
  CHECK_THROWS_WITH(dir_estimate(d), Catch::Contains("does not list"));
  d.file("model.safetensors.index.json", R"({"weight_map": [1, 2]})");
  CHECK_THROWS_WITH(dir_estimate(d), Catch::Contains("weight_map"));
  fs::remove(d.path / "model.safetensors.index.json");
  std::ofstream(d.path / "model.safetensors", std::ios::binary) << "garbage";
  CHECK_THROWS_AS(dir_estimate(d), InputError);
}
