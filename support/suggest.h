// "Did you mean": the accepted words closest to a misspelt one, for the one-line errors of unknown names.
#pragma once

#include <algorithm>    // std::min, std::stable_sort
#include <cstddef>      // std::size_t
#include <string>       // std::string
#include <string_view>  // std::string_view
#include <vector>       // std::vector

namespace numscope {

/// Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of neighbours cost 1 each
/// ("fp61" -> "fp16" is 1, "bf61" -> "bf16" is 1).
inline std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i)
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

/// Up to `n` of `candidates` within a third of the word's length (at least 2, at most 3 edits) of `word`, the
/// closest first (ties in the candidates' order), without repeats. Empty when nothing is that close.
///
/// **Example**: closest("fp17", {"fp64", "fp32", "fp16", "bf16"}, 3) == {"fp16", "fp64", "fp32"}
inline std::vector<std::string> closest(std::string_view word, const std::vector<std::string>& candidates,
                                        std::size_t n) {
  const std::size_t limit = std::min<std::size_t>(3, std::max<std::size_t>(2, (word.size() + 2) / 3));
  std::vector<std::pair<std::size_t, std::string>> near;
  for (const std::string& c : candidates) {
    if (c.size() > 60 + word.size()) continue;  // no long quadratic work for a hopeless candidate
    const std::size_t d = edit_distance(word.substr(0, 64), c);
    if (d > limit) continue;
    bool seen = false;
    for (const auto& p : near) seen = seen || p.second == c;
    if (!seen) near.emplace_back(d, c);
  }
  std::stable_sort(near.begin(), near.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<std::string> out;
  for (std::size_t i = 0; i < near.size() && i < n; ++i) out.push_back(near[i].second);
  return out;
}

}  // namespace numscope
