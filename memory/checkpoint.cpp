// A model directory's safetensors shards against the config's architecture (see checkpoint.h). The index format
// is transformers' sharded checkpoint (modeling_utils.py save_pretrained: {"metadata": {"total_size": bytes},
// "weight_map": {tensor: shard file}}); each shard is read by io/'s safetensors reader, headers only.
#include "numscope/memory/checkpoint.h"

#include <algorithm>   // std::sort
#include <cctype>      // std::isdigit
#include <filesystem>  // std::filesystem
#include <set>         // std::set

#include "numscope/io/tensor_io.h"
#include "numscope/memory/model.h"
#include "numscope/memory/weights.h"
#include "numscope/support/error.h"
#include "numscope/support/files.h"
#include "numscope/support/json.h"

namespace numscope::memory {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxIndexBytes = 256u << 20;  // a 200,000-tensor index is about 20 MB
constexpr std::size_t kMaxShards = 100000;
constexpr const char* kIndex = "model.safetensors.index.json";

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A shard named by the index is a file of the directory itself: no folders, no way out of it.
void check_shard_name(const std::string& path, const std::string& tensor, const std::string& shard) {
  if (shard.empty() || shard.find('/') != std::string::npos || shard.find('\\') != std::string::npos ||
      shard == "." || shard == ".." || !ends_with(shard, ".safetensors"))
    throw InputError(path + ": weight_map maps '" + tensor.substr(0, 80) + "' to '" + shard.substr(0, 80) +
                     "'; expected a .safetensors file name in the model directory");
}

struct Index {
  std::map<std::string, std::string> weight_map;
  std::optional<std::uint64_t> total_size;
};

Index read_index(const fs::path& p) {
  const std::string path = p.string();
  nlohmann::json j;
  try {
    j = parse_json(read_text_file(p, kMaxIndexBytes), JsonLimits{.max_depth = 8, .unique_keys_depth = 2});
  } catch (const JsonError& e) {
    if (e.kind == JsonError::Kind::kDuplicateKey)
      throw InputError(path + ": weight_map names tensor '" + e.detail + "' twice");
    throw InputError(path + ": " + e.what());
  }
  if (!j.is_object() || !j.contains("weight_map") || !j.at("weight_map").is_object())
    throw InputError(path + ": expected a JSON object with a \"weight_map\" object (a sharded safetensors index)");
  Index out;
  for (auto it = j.at("weight_map").begin(); it != j.at("weight_map").end(); ++it) {
    if (!it.value().is_string())
      throw InputError(path + ": weight_map entry '" + it.key().substr(0, 80) + "' must name a shard file");
    const std::string shard = it.value().get<std::string>();
    check_shard_name(path, it.key(), shard);
    out.weight_map.emplace(it.key(), shard);
  }
  if (j.contains("metadata") && j.at("metadata").is_object() && j.at("metadata").contains("total_size")) {
    const nlohmann::json& t = j.at("metadata").at("total_size");
    // transformers writes an integer; some converters write a float or a string of digits.
    if (t.is_number_unsigned()) out.total_size = t.get<std::uint64_t>();
    else if (t.is_number_integer() && t.get<std::int64_t>() >= 0) out.total_size = static_cast<std::uint64_t>(t.get<std::int64_t>());
    else if (t.is_number_float() && t.get<double>() >= 0 && t.get<double>() < 1.8e19)
      out.total_size = static_cast<std::uint64_t>(t.get<double>());
    else throw InputError(path + ": metadata.total_size must be a non-negative number of bytes");
  }
  return out;
}

std::vector<std::string> shards_in(const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (ends_with(name, ".safetensors") && it->is_regular_file(ec)) out.push_back(name);
    if (out.size() > kMaxShards)
      throw InputError(dir.string() + ": more than 100,000 .safetensors files; not a model directory");
  }
  if (ec) throw InputError("cannot list '" + dir.string() + "': " + ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

// Buffers that older transformers versions saved with the parameters: the rotary embedding's inv_freq
// (LlamaRotaryEmbedding registers it persistent before 4.31), GPT-2's causal mask attn.bias / attn.masked_bias,
// and position_ids.
bool is_buffer(const std::string& name) {
  for (std::string_view b : {".inv_freq", ".attn.bias", ".attn.masked_bias", ".position_ids"})
    if (ends_with(name, b)) return true;
  return name == "position_ids";
}

bool is_quant_state(const std::string& name) { return name.find(".quant_state.bitsandbytes__") != std::string::npos; }

// "model.layers.17.mlp.experts.3.up_proj.weight" -> "model.layers.*.mlp.experts.*.up_proj.weight".
std::string pattern(const std::string& name) {
  std::string out;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (std::isdigit(static_cast<unsigned char>(name[i])) && (i == 0 || name[i - 1] == '.')) {
      std::size_t j = i;
      while (j < name.size() && std::isdigit(static_cast<unsigned char>(name[j]))) ++j;
      if (j == name.size() || name[j] == '.') {
        out += '*';
        i = j - 1;
        continue;
      }
    }
    out += name[i];
  }
  return out;
}

// The decoder layer indices the names hold (".layers.N." outside a vision tower).
std::set<std::int64_t> layer_indices(const CheckpointFiles& f) {
  std::set<std::int64_t> out;
  for (const CheckpointFiles::Tensor& t : f.tensors) {
    if (t.name.find("vision") != std::string::npos) continue;
    std::size_t at = t.name.find("layers.");
    if (at == std::string::npos || (at > 0 && t.name[at - 1] != '.')) continue;
    at += 7;
    std::int64_t v = 0;
    std::size_t k = at;
    while (k < t.name.size() && k < at + 9 && std::isdigit(static_cast<unsigned char>(t.name[k])))
      v = v * 10 + (t.name[k++] - '0');
    if (k > at && k < t.name.size() && t.name[k] == '.') out.insert(v);
  }
  return out;
}

std::string signed_count(std::int64_t v) { return (v > 0 ? "+" : v < 0 ? "-" : "") + group_thousands(v < 0 ? -v : v); }

}  // namespace

std::optional<CheckpointFiles> read_checkpoint(const std::string& dir_text) {
  const fs::path dir(dir_text);
  CheckpointFiles f;
  f.dir = dir_text;
  std::error_code ec;
  const fs::path index_path = dir / kIndex;
  std::optional<Index> index;
  std::vector<std::string> names;
  if (fs::exists(index_path, ec)) {
    index = read_index(index_path);
    f.index_total_size = index->total_size;
    f.index_tensors = index->weight_map.size();
    std::set<std::string> unique;
    for (const auto& [tensor, shard] : index->weight_map) unique.insert(shard);
    names.assign(unique.begin(), unique.end());
  } else {
    names = shards_in(dir);
    if (names.empty()) return std::nullopt;
  }
  for (const std::string& n : names)
    if (!fs::is_regular_file(dir / n, ec)) f.missing.push_back(n);
  if (!f.missing.empty() && f.missing.size() < names.size())
    throw InputError(index_path.string() + " names " + f.missing.front() +
                     (f.missing.size() > 1 ? " and " + std::to_string(f.missing.size() - 1) + " more shards" : "") +
                     ", not in " + dir_text + "; a checkpoint is read with all its shards or from the index alone");
  if (!f.missing.empty()) return f;  // the index alone: its total_size is the checkpoint's bytes
  std::set<std::string> seen;
  for (const std::string& n : names) {
    const std::string path = (dir / n).string();
    const SafetensorsFile sf = read_safetensors(path);
    f.shards.push_back(n);
    for (const TensorEntry& e : sf.tensors) {
      if (!seen.insert(e.name).second)
        throw InputError(path + ": tensor '" + e.name.substr(0, 80) + "' is in another shard too");
      if (index) {
        const auto it = index->weight_map.find(e.name);
        if (it == index->weight_map.end() || it->second != n)
          throw InputError(path + " holds tensor '" + e.name.substr(0, 80) + "', which " + kIndex +
                           (it == index->weight_map.end() ? " does not list" : " maps to " + it->second));
      }
      f.tensors.push_back({e.name, e.dtype, e.elements, e.bytes});
      f.elements += e.elements;
      f.bytes += e.bytes;
    }
  }
  if (index && seen.size() != index->weight_map.size())
    for (const auto& [tensor, shard] : index->weight_map)
      if (!seen.count(tensor))
        throw InputError(index_path.string() + " maps tensor '" + tensor.substr(0, 80) + "' to " + shard +
                         ", which does not hold it");
  return f;
}

namespace {

/// The elements per dtype the config predicts (none, with a reason in `c`, when it cannot). bitsandbytes 4-bit
/// stores a JSON quant state per matrix whose length numscope predicts only up to nested_offset's digits: both sides
/// set it aside (`json_predicted` is its predicted length), and a line compares the two lengths.
std::map<std::string, std::int64_t> expected_elements(const Architecture& a, CheckpointCheck& c,
                                                      std::int64_t& json_predicted) {
  std::map<std::string, std::int64_t> expected;
  try {
    expected = checkpoint_elements(a);
  } catch (const InputError& e) {
    c.predicted = false;
    c.reasons.push_back(std::string(e.what()) + ": the files' bytes are shown as they are");
  }
  if (a.quant.kind == WeightQuant::Kind::kBnb4 && c.predicted) {
    const std::string act = a.activation_dtype.empty() ? "bf16" : a.activation_dtype;
    for (const TensorGroup& g : tensor_inventory(a))
      if (g.role == TensorGroup::Role::kLinear)
        json_predicted += static_cast<std::int64_t>(bnb_quant_state_json(a.quant, g.rows, g.cols, act).size()) * g.count;
    expected["U8"] -= json_predicted;
  }
  return expected;
}

/// What the files hold, into `by` (per dtype); buffers and bitsandbytes' JSON states are set aside and counted.
struct FileTally {
  std::uint64_t json_tensors = 0, json_bytes = 0;
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> buffers;  // pattern -> tensors, elements
};
FileTally tally_files(const CheckpointFiles& f, std::map<std::string, CheckpointDtype>& by) {
  FileTally tally;
  for (const CheckpointFiles::Tensor& t : f.tensors) {
    CheckpointDtype& d = by[t.dtype];
    d.dtype = t.dtype;
    d.tensors += 1;
    d.elements += t.elements;
    d.bytes += t.bytes;
    if (is_buffer(t.name)) {
      d.set_aside += t.elements;
      auto& b = tally.buffers[pattern(t.name)];
      b.first += 1;
      b.second += t.elements;
    } else if (is_quant_state(t.name)) {
      d.set_aside += t.elements;
      tally.json_tensors += 1;
      tally.json_bytes += t.bytes;
    }
  }
  return tally;
}

/// The three largest name patterns of dtype `d` (buffers and JSON states left out), as "pattern count, ...".
std::string largest_patterns(const CheckpointFiles& f, const CheckpointDtype& d) {
  std::map<std::string, std::uint64_t> patterns;
  for (const CheckpointFiles::Tensor& t : f.tensors)
    if (t.dtype == d.dtype && !is_buffer(t.name) && !is_quant_state(t.name)) patterns[pattern(t.name)] += t.elements;
  std::vector<std::pair<std::uint64_t, std::string>> top;
  for (const auto& [p, n] : patterns) top.push_back({n, p});
  std::sort(top.rbegin(), top.rend());
  std::string list;
  for (std::size_t i = 0; i < top.size() && i < 3; ++i)
    list += (i ? ", " : "") + top[i].second + " " + group_thousands(static_cast<std::int64_t>(top[i].first));
  return list;
}

/// Why the files and the config differ: the head, the layers, dtypes, then the largest name patterns of the dtypes
/// that differ. `diff_total` is the files' elements less the prediction, over every dtype.
void explain_difference(const Architecture& a, const CheckpointFiles& f, std::int64_t diff_total, CheckpointCheck& c) {
  bool head = false;
  for (const CheckpointFiles::Tensor& t : f.tensors) head |= ends_with(t.name, "lm_head.weight");
  const std::int64_t hv = a.vocab * a.hidden;
  if (a.tied && head)
    c.reasons.push_back("the files store lm_head.weight although config.json ties it to the embedding "
                        "(tie_word_embeddings): " + group_thousands(hv) + " elements stored twice");
  if (!a.tied && !head)
    c.reasons.push_back("the files have no lm_head.weight although config.json does not tie it: the checkpoint "
                        "stores tied weights once (" + group_thousands(hv) + " elements)");
  const std::set<std::int64_t> layers = layer_indices(f);
  if (!layers.empty() && static_cast<std::int64_t>(layers.size()) != a.layers + a.mtp_layers)
    c.reasons.push_back("the files hold " + std::to_string(layers.size()) + " decoder layers (" +
                        std::to_string(*layers.begin()) + " to " + std::to_string(*layers.rbegin()) +
                        "), config.json " + std::to_string(a.layers) +
                        (a.mtp_layers > 0 ? " + " + std::to_string(a.mtp_layers) + " MTP" : ""));
  if (diff_total == 0)
    c.reasons.push_back("the same number of elements in other dtypes than config.json's torch_dtype and "
                        "quantization_config predict");
  for (const CheckpointDtype& d : c.dtypes) {
    const std::int64_t diff = static_cast<std::int64_t>(d.elements - d.set_aside) - d.expected;
    if (diff == 0) continue;
    const std::string list = largest_patterns(f, d);
    c.reasons.push_back(d.dtype + ": " + signed_count(diff) + " elements against config.json" +
                        (list.empty() ? "" : "; its largest tensors: " + list));
  }
}

}  // namespace

CheckpointCheck compare_checkpoint(const Architecture& a, const CheckpointFiles& f) {
  CheckpointCheck c;
  std::int64_t json_predicted = 0;
  const std::map<std::string, std::int64_t> expected = expected_elements(a, c, json_predicted);
  std::map<std::string, CheckpointDtype> by;
  for (const auto& [d, n] : expected) {
    by[d].dtype = d;
    by[d].expected = n;
  }
  const FileTally tally = tally_files(f, by);
  if (tally.json_tensors > 0 || json_predicted > 0)
    c.reasons.push_back("*.weight.quant_state.bitsandbytes__* (" + std::to_string(tally.json_tensors) +
                        " tensors): bitsandbytes' JSON quant states, " +
                        group_thousands(static_cast<std::int64_t>(tally.json_bytes)) + " bytes in the files, " +
                        group_thousands(json_predicted) + " predicted" +
                        (a.quant.double_quant ? " (nested_offset's digits depend on the data; numscope assumes 18)" : "") +
                        ", set aside");
  for (auto& [k, v] : by) c.dtypes.push_back(v);
  std::sort(c.dtypes.begin(), c.dtypes.end(), [](const auto& x, const auto& y) {
    return std::max<double>(x.bytes, x.expected) > std::max<double>(y.bytes, y.expected);
  });
  if (f.tensors.empty()) {
    c.reasons.push_back("the shards are not in the directory: " + std::string(kIndex) + " alone gives " +
                        (f.index_total_size ? group_thousands(static_cast<std::int64_t>(*f.index_total_size)) + " bytes"
                                            : "no total_size"));
    return c;
  }
  if (f.index_total_size && *f.index_total_size != f.bytes)
    c.reasons.push_back(std::string(kIndex) + " says total_size " +
                        group_thousands(static_cast<std::int64_t>(*f.index_total_size)) + " bytes; the shards' tensors hold " +
                        group_thousands(static_cast<std::int64_t>(f.bytes)));
  for (const auto& [p, b] : tally.buffers)
    c.reasons.push_back(p + " (" + std::to_string(b.first) + " tensors, " +
                        group_thousands(static_cast<std::int64_t>(b.second)) +
                        " elements): buffers saved beside the parameters, not counted");
  if (!c.predicted) return c;
  std::int64_t diff_total = 0;
  c.agree = true;
  for (const CheckpointDtype& d : c.dtypes) {
    const std::int64_t diff = static_cast<std::int64_t>(d.elements - d.set_aside) - d.expected;
    diff_total += diff;
    if (diff != 0) c.agree = false;
  }
  if (!c.agree) explain_difference(a, f, diff_total, c);
  return c;
}

}  // namespace numscope::memory
