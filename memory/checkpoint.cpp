// A model directory's safetensors shards (read by io/checkpoint.h) against the config's architecture (see
// checkpoint.h).
#include "numscope/memory/checkpoint.h"

#include <algorithm>   // std::sort
#include <cctype>      // std::isdigit
#include <set>         // std::set

#include "numscope/memory/model.h"
#include "numscope/memory/weights.h"
#include "numscope/support/error.h"

namespace numscope::memory {
namespace {

// Buffers that older transformers versions saved with the parameters: the rotary embedding's inv_freq
// (LlamaRotaryEmbedding registers it persistent before 4.31), GPT-2's causal mask attn.bias / attn.masked_bias,
// and position_ids.
bool is_buffer(const std::string& name) {
  for (std::string_view b : {".inv_freq", ".attn.bias", ".attn.masked_bias", ".position_ids"})
    if (name.ends_with(b)) return true;
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
  for (const CheckpointFiles::Tensor& t : f.tensors) head |= t.name.ends_with("lm_head.weight");
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
    c.reasons.push_back("the shards are not in the directory: " + std::string(kSafetensorsIndex) + " alone gives " +
                        (f.index_total_size ? group_thousands(static_cast<std::int64_t>(*f.index_total_size)) + " bytes"
                                            : "no total_size"));
    return c;
  }
  if (f.index_total_size && *f.index_total_size != f.bytes)
    c.reasons.push_back(std::string(kSafetensorsIndex) + " says total_size " +
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
