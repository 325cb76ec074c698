// Tensor selection and per-layer totals (model.h).
#include "numscope/quantize/model.h"

#include <map>  // std::map

namespace numscope {

bool glob_match(std::string_view p, std::string_view s) {
  // Iterative matching with one backtrack point for the last '*' (linear in practice, never exponential).
  std::size_t pi = 0, si = 0, star = std::string_view::npos, mark = 0;
  auto class_match = [&](std::size_t& k, char c) {  // p[k] == '['; advances k past ']'
    std::size_t j = k + 1;
    const bool negate = j < p.size() && p[j] == '!';
    if (negate) ++j;
    bool hit = false, first = true;
    for (; j < p.size() && (first || p[j] != ']'); ++j, first = false) {
      if (j + 2 < p.size() && p[j + 1] == '-' && p[j + 2] != ']') {
        hit |= p[j] <= c && c <= p[j + 2];
        j += 2;
      } else {
        hit |= p[j] == c;
      }
    }
    if (j >= p.size()) return p[k] == c ? (++k, true) : false;  // no closing ']': a literal '['
    k = j + 1;
    return hit != negate;
  };
  while (si < s.size()) {
    if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = si;
      continue;
    }
    std::size_t next = pi;
    if (pi < p.size() && (p[pi] == '?' ? (++next, true) : p[pi] == '[' ? class_match(next, s[si]) : p[pi] == s[si] && (++next, true))) {
      pi = next;
      ++si;
      continue;
    }
    if (star == std::string_view::npos) return false;
    pi = star + 1;
    si = ++mark;
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

std::string filter_reason(const TensorFilter& f, std::string_view name, std::span<const std::uint64_t> shape) {
  for (const std::string& x : f.exclude)
    if (glob_match(x, name)) return "excluded by '" + x + "'";
  if (!f.include.empty()) {
    bool hit = false;
    for (const std::string& i : f.include) hit |= glob_match(i, name);
    if (!hit) return "matches no --include";
  }
  if (!f.include_1d && shape.size() <= 1) return "1-D";
  return "";
}

std::optional<std::uint64_t> layer_of(std::string_view name) {
  std::size_t start = 0;
  bool after_key = false;
  while (start <= name.size()) {
    const std::size_t end = std::min(name.find('.', start), name.size());
    const std::string_view part = name.substr(start, end - start);
    if (after_key && !part.empty() && part.size() <= 9 &&
        part.find_first_not_of("0123456789") == std::string_view::npos)
      return std::stoull(std::string(part));
    after_key = part == "blk" || part == "layers" || part == "h" || part == "block" || part == "blocks";
    start = end + 1;
  }
  return std::nullopt;
}

std::vector<LayerTotals> layer_totals(std::span<const std::string> names, std::span<const std::uint64_t> elements,
                                      const std::vector<std::vector<SchemeResult>>& per_tensor) {
  std::map<std::uint64_t, LayerTotals> layers;  // key: layer + 1, 0 for "other" (sorted last below)
  for (std::size_t t = 0; t < names.size(); ++t) {
    const std::optional<std::uint64_t> l = layer_of(names[t]);
    LayerTotals& lt = layers[l ? *l + 1 : 0];
    lt.layer = l ? std::to_string(*l) : "other";
    ++lt.tensors;
    lt.elements += elements[t];
    if (lt.schemes.empty()) {
      lt.schemes = per_tensor[t];
      for (SchemeResult& r : lt.schemes) r.metrics = Metrics{}, r.storage_bits = 0, r.bytes = 0;
    }
    for (std::size_t k = 0; k < per_tensor[t].size(); ++k) {
      lt.schemes[k].storage_bits += per_tensor[t][k].storage_bits;
      lt.schemes[k].bytes += per_tensor[t][k].bytes;
      lt.schemes[k].metrics.merge(per_tensor[t][k].metrics);
    }
  }
  std::vector<LayerTotals> out;
  for (auto& [key, lt] : layers)
    if (key != 0) out.push_back(std::move(lt));
  if (layers.count(0)) out.push_back(std::move(layers[0]));
  for (LayerTotals& lt : out)
    for (SchemeResult& r : lt.schemes) r.bits_per_element = lt.elements ? r.storage_bits / double(lt.elements) : 0;
  return out;
}

}  // namespace numscope
