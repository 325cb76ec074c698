// Whole-model helpers (quantize/model.h) and the error histogram: globs, the tensor filter, layer numbers,
// per-layer totals, and percentiles that bracket the exact ones (computed here by sorting the errors).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "numscope/io/tensor_source.h"
#include "numscope/quantize/model.h"

using namespace numscope;

TEST_CASE("glob_match: * ? and classes on whole names", "[quantize][model]") {
  CHECK(glob_match("model.layers.*.mlp.*", "model.layers.12.mlp.down_proj.weight"));
  CHECK(!glob_match("model.layers.*.mlp.*", "model.layers.12.self_attn.q_proj.weight"));
  CHECK(glob_match("blk.?.ffn_*", "blk.3.ffn_up.weight"));
  CHECK(!glob_match("blk.?.ffn_*", "blk.13.ffn_up.weight"));
  CHECK(glob_match("blk.[0-2].*", "blk.1.attn_q.weight"));
  CHECK(!glob_match("blk.[!0-2].*", "blk.1.attn_q.weight"));
  CHECK(glob_match("*", ""));
  CHECK(glob_match("*norm*", "blk.0.attn_norm.weight"));
  CHECK(!glob_match("a*b", "aXbY"));
  CHECK(glob_match("a*b*c", "abbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbc"));
  CHECK(!glob_match("a*a*a*a*a*a*a*b", std::string(200, 'a')));  // linear backtracking, no blow-up
  CHECK(glob_match("[ab", "[ab"));  // an unclosed class is literal
}

TEST_CASE("filter_reason and layer_of", "[quantize][model]") {
  const std::vector<std::uint64_t> two = {4, 4}, one = {4};
  TensorFilter f;
  CHECK(filter_reason(f, "w", two).empty());
  CHECK(filter_reason(f, "norm", one) == "1-D");
  f.include_1d = true;
  CHECK(filter_reason(f, "norm", one).empty());
  f.exclude = {"*norm*"};
  CHECK(filter_reason(f, "attn_norm", one) == "excluded by '*norm*'");
  f.include = {"blk.*"};
  CHECK(filter_reason(f, "token_embd.weight", two) == "matches no --include");
  CHECK(layer_of("blk.17.ffn_up.weight") == 17u);
  CHECK(layer_of("model.layers.3.mlp.up_proj.weight") == 3u);
  CHECK(layer_of("transformer.h.11.attn.c_attn.weight") == 11u);
  CHECK(layer_of("model.embed_tokens.weight") == std::nullopt);
  CHECK(layer_of("output.weight") == std::nullopt);
  CHECK(layer_of("model.layers.x.weight") == std::nullopt);
}

TEST_CASE("error histogram: counts every finite element, brackets the exact percentiles, any thread count",
          "[quantize][model]") {
  std::vector<double> x(3 * 4096);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::sin(0.001 * double(i * i)) * (1 + double(i % 13));
  x[5] = NAN;
  x[77] = INFINITY;
  const MemorySource src(x, 3, 4096);
  const TensorStats st = tensor_stats(src);
  for (const char* name : {"q4_K", "int8-ch", "nf4"}) {
    CAPTURE(name);
    const Scheme s = parse_scheme(name);
    QuantizeOptions o;
    o.ignore_nonfinite = true;
    o.error_histogram = true;
    o.chunk_elements = 4096;
    o.threads = 1;
    const SchemeResult one = quantize_tensor(s, src, st, o);
    o.threads = 2;
    o.read_elements = 1000;
    const SchemeResult two = quantize_tensor(s, src, st, o);
    CHECK(one.metrics.abs_hist == two.metrics.abs_hist);
    CHECK(one.metrics.rel_hist == two.metrics.rel_hist);
    std::uint64_t n = 0;
    for (auto c : one.metrics.abs_hist) n += c;
    CHECK(n == x.size() - 2);
    // The exact errors, from the dequantized tensor.
    std::vector<double> xin = x;
    xin[5] = xin[77] = 0;
    const std::vector<double> y = quantize_dequantize(s, xin, 3, 4096);
    std::vector<double> e;
    for (std::size_t i = 0; i < x.size(); ++i)
      if (std::isfinite(x[i])) e.push_back(std::fabs(x[i] - y[i]));
    std::sort(e.begin(), e.end());
    for (double p : {0.5, 0.9, 0.99, 0.999}) {
      CAPTURE(p);
      const double exact = e[static_cast<std::size_t>(std::ceil(p * double(e.size()))) - 1];
      const double approx = ErrorHistogram::percentile(one.metrics.abs_hist, p);
      CHECK(approx >= exact);
      CHECK(approx <= std::max(exact * 1.25, 0x1p-64));
    }
  }
}

TEST_CASE("layer_totals: per-layer sums equal the tensors' own", "[quantize][model]") {
  const std::vector<std::string> names = {"blk.1.a", "blk.0.a", "output.weight", "blk.1.b"};
  const std::vector<std::uint64_t> elements = {64, 64, 32, 128};
  std::vector<std::vector<SchemeResult>> per(4);
  for (std::size_t t = 0; t < 4; ++t) {
    SchemeResult r;
    r.scheme = parse_scheme("q8_0");
    r.storage_bits = 8.5 * double(elements[t]);
    r.bytes = static_cast<std::uint64_t>(r.storage_bits / 8);
    r.metrics.n = elements[t];
    r.metrics.sum_err2 = double(t + 1);
    per[t] = {r};
  }
  const auto layers = layer_totals(names, elements, per);
  REQUIRE(layers.size() == 3);
  CHECK(layers[0].layer == "0");
  CHECK(layers[1].layer == "1");
  CHECK(layers[1].tensors == 2);
  CHECK(layers[1].schemes[0].metrics.sum_err2 == 1 + 4);
  CHECK(layers[1].schemes[0].bits_per_element == 8.5);
  CHECK(layers[2].layer == "other");
}
