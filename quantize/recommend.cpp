// The recommendation (quantize.h recommend): the cheapest scheme meeting both bars, and why each cheaper one fails.
#include <algorithm>  // std::stable_sort
#include <cmath>      // std::round
#include <cstdio>     // std::snprintf
#include <limits>     // std::numeric_limits
#include <sstream>    // std::ostringstream

#include "numscope/quantize/quantize.h"

namespace numscope {

std::vector<std::size_t> cost_order(const std::vector<SchemeResult>& results) {
  std::vector<std::size_t> order(results.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (results[a].bits_per_element != results[b].bits_per_element)
      return results[a].bits_per_element < results[b].bits_per_element;
    return results[a].metrics.sqnr_db() > results[b].metrics.sqnr_db();
  });
  return order;
}

Recommendation recommend(const std::vector<SchemeResult>& results, std::optional<double> max_bits,
                         std::optional<double> min_sqnr_db) {
  Recommendation rec;
  auto fails = [&](const SchemeResult& r) {
    std::ostringstream why;
    const double sq = r.metrics.sqnr_db();
    if (max_bits && r.bits_per_element > *max_bits + 1e-12) {
      char bits[32];
      std::snprintf(bits, sizeof bits, "%.4g", r.bits_per_element);
      why << bits << " bits > " << *max_bits;
    }
    if (min_sqnr_db && !(sq >= *min_sqnr_db)) {
      if (!why.str().empty()) why << ", ";
      why << "SQNR " << std::round(sq * 100) / 100 << " dB < " << *min_sqnr_db
          << " dB";
    }
    return why.str();
  };
  const std::vector<std::size_t> order = cost_order(results);
  for (std::size_t i : order)
    if (fails(results[i]).empty()) {
      rec.chosen = i;
      break;
    }
  const double limit = rec.chosen ? results[*rec.chosen].bits_per_element : std::numeric_limits<double>::infinity();
  for (std::size_t i : order) {
    if (rec.chosen && i == *rec.chosen) break;
    if (results[i].bits_per_element > limit) break;
    const std::string why = fails(results[i]);
    if (!why.empty()) rec.reasons.push_back(results[i].scheme.name + ": " + why);
  }
  std::ostringstream bar;
  if (max_bits) bar << "at most " << *max_bits << " bits";
  if (min_sqnr_db) bar << (max_bits ? " and " : "") << "SQNR at least " << *min_sqnr_db << " dB";
  if (rec.chosen) {
    const SchemeResult& r = results[*rec.chosen];
    std::ostringstream s;
    char bits[32];
    std::snprintf(bits, sizeof bits, "%.4g", r.bits_per_element);
    s << "recommended: " << r.scheme.name << " (" << bits << " bits/element, SQNR "
      << std::round(r.metrics.sqnr_db() * 100) / 100 << " dB), the cheapest scheme with " << bar.str();
    rec.summary = s.str();
  } else {
    rec.summary = "no scheme meets " + bar.str();
  }
  return rec;
}


}  // namespace numscope
