// The ggml block types against ggml itself: the bytes of numscope's quantizers equal those of ggml_quantize_chunk
// (the reference quantizers quantize_row_<type>_ref, IQ4_NL's chunk search) on five data sets, without and with
// importance weights, and numscope's dequantization of ggml's bytes equals ggml's to_float bit for bit
// (tests/quantize/golden/ggml/quant, made by scripts/make-ggml-goldens.py from ggml built with -ffp-contract=off).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <tuple>
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

namespace {

struct Goldens {
  std::vector<float> inputs, weights;  // the data sets, and one weight per column for each
  std::vector<std::string> sets;
  std::size_t set_index(const std::string& set) const {
    const auto it = std::find(sets.begin(), sets.end(), set);
    REQUIRE(it != sets.end());
    return static_cast<std::size_t>(it - sets.begin());
  }
};

std::vector<float> floats(const std::string& path) {
  const std::vector<unsigned char> raw = slurp(path);
  std::vector<float> v(raw.size() / 4);
  std::memcpy(v.data(), raw.data(), raw.size());
  return v;
}

Goldens load_goldens(std::ifstream& list) {
  Goldens g;
  g.inputs = floats(kDir + "inputs.f32");
  g.weights = floats(kDir + "imatrix.f32");
  std::string sets_line;
  std::getline(list, sets_line);  // "# inputs.f32: data sets A B C ... of"
  std::istringstream ls(sets_line.substr(sets_line.find("data sets") + 9));
  for (std::string w; ls >> w && w != "of";) g.sets.push_back(w);
  REQUIRE(g.inputs.size() == g.sets.size() * kSet);
  REQUIRE(g.weights.size() == g.sets.size() * kCols);
  return g;
}

std::string hex64(std::uint64_t h) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return hex;
}

}  // namespace

TEST_CASE("ggml block types: bytes and to_float equal ggml's own, without and with importance weights",
          "[quantize][ggml]") {
  std::ifstream list(kDir + "dequantized.txt");
  REQUIRE(list);
  const Goldens gold = load_goldens(list);
  int checked = 0, weighted = 0;
  for (std::string line; std::getline(list, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    std::string type, set, hash;
    ls >> type >> set >> hash;
    CAPTURE(type, set);
    const bool with_weights = type.ends_with(".imatrix");
    const std::string name = with_weights ? type.substr(0, type.size() - 8) : type;
    const GgmlType* t = find_ggml_type(name);
    REQUIRE(t);
    const std::size_t k = gold.set_index(set);
    const std::uint64_t row_bytes = kCols / t->block * t->bytes, bytes = kRows * row_bytes;
    const std::vector<unsigned char> golden = slurp(kDir + type + ".bin");
    REQUIRE(golden.size() == gold.sets.size() * bytes);
    const unsigned char* want = golden.data() + k * bytes;
    // Quantize: the bytes of every block (ggml rows of 512, the weights shared by the rows as for a 2-D tensor).
    std::vector<unsigned char> got(bytes);
    for (std::uint64_t r = 0; r < kRows; ++r)
      REQUIRE(ggml_quantize_row(static_cast<int>(t->id), gold.inputs.data() + k * kSet + r * kCols, kCols,
                                got.data() + r * row_bytes, with_weights ? gold.weights.data() + k * kCols : nullptr));
    for (std::uint64_t b = 0; b < bytes / t->bytes; ++b) {
      CAPTURE(b);
      REQUIRE(std::memcmp(got.data() + b * t->bytes, want + b * t->bytes, t->bytes) == 0);
    }
    if (!with_weights) {  // the scalar reference build (numscope bench's baseline) too
      for (std::uint64_t r = 0; r < kRows; ++r)
        REQUIRE(ggml_quantize_row_reference(static_cast<int>(t->id), gold.inputs.data() + k * kSet + r * kCols, kCols,
                                            got.data() + r * row_bytes));
      REQUIRE(std::memcmp(got.data(), want, bytes) == 0);
    }
    // Dequantize ggml's bytes: the same floats as ggml's to_float.
    std::vector<float> y(kSet);
    REQUIRE(ggml_dequantize_row(static_cast<int>(t->id), want, kSet, y.data()));
    CHECK(hex64(fnv1a64(y.data(), y.size() * 4)) == hash);
    ++checked;
    weighted += with_weights;
  }
  CHECK(checked >= 25 * 5);
  CHECK(weighted == 11 * 5);
}

TEST_CASE("ggml schemes with importance weights: the driver's blocks equal ggml's for any cut of the rows",
          "[quantize][ggml]") {
  std::ifstream list(kDir + "dequantized.txt");
  REQUIRE(list);
  const Goldens gold = load_goldens(list);
  for (const char* name : {"q4_0", "q4_1", "q5_0", "q5_1", "q2_K", "q3_K", "q4_K", "q5_K", "q6_K", "iq4_nl", "iq4_xs"}) {
    const Scheme s = parse_scheme(name);
    const GgmlType* t = find_ggml_type(name);
    const std::vector<unsigned char> golden = slurp(kDir + std::string(name) + ".imatrix.bin");
    const std::uint64_t bytes = kRows * (kCols / t->block) * t->bytes;
    for (std::size_t k = 0; k < gold.sets.size(); ++k) {
      const std::vector<double> x(gold.inputs.begin() + static_cast<std::ptrdiff_t>(k * kSet),
                                  gold.inputs.begin() + static_cast<std::ptrdiff_t>((k + 1) * kSet));
      ImportanceWeights w;
      w.values.assign(gold.weights.begin() + static_cast<std::ptrdiff_t>(k * kCols),
                      gold.weights.begin() + static_cast<std::ptrdiff_t>((k + 1) * kCols));
      w.ne0 = kCols;
      w.ne1 = kRows;
      // Whole rows in a task, rows cut into segments of 256 or 768 (Q4_0 ... Q5_1 then take σ² of each ggml row
      // from the extra pass), one tensor of 2048 columns (each row holds four ggml rows of 512), 1 and 3 threads.
      for (const auto& [rows, chunk, threads] : {std::tuple{kRows, 1u << 20, 1u}, {kRows, 256u, 3u}, {std::uint64_t{1}, 768u, 1u},
                                                  {std::uint64_t{1}, 1u << 20, 2u}, {std::uint64_t{1}, 512u, 2u}}) {
        CAPTURE(name, gold.sets[k], rows, chunk, threads);
        const MemorySource src(x, rows, kSet / rows);
        std::ostringstream out;
        QuantizeOptions o;
        o.blocks = &out;
        o.imatrix = &w;
        o.chunk_elements = chunk;
        o.threads = threads;
        quantize_tensor(s, src, tensor_stats(src), o);
        const std::string got = out.str();
        REQUIRE(got.size() == bytes);
        CHECK(std::memcmp(got.data(), golden.data() + k * bytes, bytes) == 0);
      }
    }
  }
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
