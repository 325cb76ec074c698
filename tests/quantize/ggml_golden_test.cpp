// The ggml block types against ggml itself: the bytes of numscope's quantizers equal those of ggml's reference
// quantizers (type_traits.from_float_ref = quantize_row_<type>_ref) on five data sets, and numscope's
// dequantization of ggml's bytes equals ggml's to_float bit for bit (tests/quantize/golden/ggml/quant, made by
// scripts/make-ggml-goldens.py from ggml built with -ffp-contract=off).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "numscope/io/ggml_types.h"
#include "numscope/quantize/quantize.h"

using namespace numscope;

namespace {

const std::string kDir = std::string(NUMSCOPE_GGML_GOLDEN) + "/quant/";
constexpr std::uint64_t kRows = 4, kCols = 512, kSet = kRows * kCols;

std::vector<unsigned char> slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  return std::vector<unsigned char>(std::istreambuf_iterator<char>(in), {});
}

std::uint64_t fnv1a64(const void* p, std::size_t n) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (std::size_t i = 0; i < n; ++i) h = (h ^ static_cast<const unsigned char*>(p)[i]) * 0x100000001b3ull;
  return h;
}

}  // namespace

TEST_CASE("ggml block types: bytes and to_float equal ggml's own", "[quantize][ggml]") {
  const std::vector<unsigned char> raw = slurp(kDir + "inputs.f32");
  std::vector<float> inputs(raw.size() / 4);
  std::memcpy(inputs.data(), raw.data(), raw.size());
  std::ifstream list(kDir + "dequantized.txt");
  REQUIRE(list);
  std::string line, sets_line;
  std::getline(list, sets_line);  // "# inputs.f32: data sets A B C ... of"
  std::vector<std::string> sets;
  {
    std::istringstream ls(sets_line.substr(sets_line.find("data sets") + 9));
    for (std::string w; ls >> w && w != "of";) sets.push_back(w);
  }
  REQUIRE(inputs.size() == sets.size() * kSet);
  int checked = 0;
  while (std::getline(list, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    std::string type, set, hash;
    ls >> type >> set >> hash;
    CAPTURE(type, set);
    const GgmlType* t = find_ggml_type(type);
    REQUIRE(t);
    const std::size_t k = static_cast<std::size_t>(std::find(sets.begin(), sets.end(), set) - sets.begin());
    REQUIRE(k < sets.size());
    const std::uint64_t row_bytes = kCols / t->block * t->bytes, bytes = kRows * row_bytes;
    const std::vector<unsigned char> golden = slurp(kDir + type + ".bin");
    REQUIRE(golden.size() == sets.size() * bytes);
    const unsigned char* want = golden.data() + k * bytes;
    // Quantize: the bytes of every block.
    std::vector<unsigned char> got(bytes);
    for (std::uint64_t r = 0; r < kRows; ++r)
      REQUIRE(ggml_quantize_row(static_cast<int>(t->id), inputs.data() + k * kSet + r * kCols, kCols,
                                got.data() + r * row_bytes));
    for (std::uint64_t b = 0; b < bytes / t->bytes; ++b) {
      CAPTURE(b);
      const unsigned char* w = want + b * t->bytes;
      // An all-zero IQ4_NL block: ggml's quantize_row_iq4_nl_ref leaves its indices as the previous block's (an
      // uninitialised buffer for a row's first block); numscope writes index 0. Its d (0) and values agree.
      const std::size_t n = t == &kGgmlIQ4_NL && w[0] == 0 && w[1] == 0 ? 2 : t->bytes;
      REQUIRE(std::memcmp(got.data() + b * t->bytes, w, n) == 0);
    }
    // Dequantize ggml's bytes: the same floats as ggml's to_float.
    std::vector<float> y(kSet);
    REQUIRE(ggml_dequantize_row(static_cast<int>(t->id), want, kSet, y.data()));
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fnv1a64(y.data(), y.size() * 4)));
    CHECK(std::string(hex) == hash);
    ++checked;
  }
  CHECK(checked >= 14 * 5);
}

TEST_CASE("ggml schemes: bits per element are ggml's 8 · bytes / block, and every row has a codec", "[quantize][ggml]") {
  for (const char* name : {"q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "q2_K", "q3_K", "q4_K", "q5_K", "q6_K", "iq4_nl",
                           "iq4_xs", "ggml-mxfp4", "ggml-nvfp4"}) {
    CAPTURE(name);
    const Scheme s = parse_scheme(name);
    REQUIRE(s.family == SchemeFamily::kGgml);
    const GgmlType* t = find_ggml_type(static_cast<std::uint32_t>(s.ggml_type));
    REQUIRE(t);
    CHECK(s.block == static_cast<int>(t->block));
    CHECK(scheme_bits_per_element(s) == ggml_bits_per_weight(*t));
    CHECK(scheme_storage_bits(s, 3, 2 * t->block) == 3.0 * 2 * t->bytes * 8);
    CHECK(writes_ggml_blocks(s));
    // The whole pipeline on one row equals the block functions.
    std::vector<float> x(2 * t->block);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(std::sin(0.37 * double(i)) * (1 + i % 7));
    std::vector<unsigned char> blocks(2 * t->bytes);
    REQUIRE(ggml_quantize_row(s.ggml_type, x.data(), x.size(), blocks.data()));
    std::vector<float> want(x.size());
    REQUIRE(ggml_dequantize_row(s.ggml_type, blocks.data(), x.size(), want.data()));
    std::ostringstream written;
    const std::vector<double> xd(x.begin(), x.end());
    const std::vector<double> y = quantize_dequantize(s, xd, 1, xd.size(), nullptr, &written);
    CHECK(written.str() == std::string(blocks.begin(), blocks.end()));
    for (std::size_t i = 0; i < y.size(); ++i) CHECK(y[i] == double(want[i]));
  }
  CHECK(parse_scheme("Q4_K").name == "q4_K");
  CHECK(parse_scheme("mxfp4").family == SchemeFamily::kMx);  // OCP MX keeps the plain name
}
