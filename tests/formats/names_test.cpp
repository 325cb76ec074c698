// Format names: every spelling of a layout prints one canonical name, different layouts never share one, and a
// printed name parsed again gives the same layout (docs/formats.md, "Names").
#include <catch2/catch.hpp>

#include <map>     // std::map
#include <string>  // std::string
#include <vector>  // std::vector

#include "numscope/formats/registry.h"
#include "numscope/support/error.h"

using namespace numscope;

namespace {

/// The layout of a row written out field by field, to compare rows without the code under test.
std::string layout(const Format& f) {
  if (f.kind == Kind::kInt) return std::string(f.is_signed ? "int" : "uint") + std::to_string(f.int_bits);
  return std::string("E") + std::to_string(f.exponent_bits) + " M" + std::to_string(f.mantissa_bits) + " bias " +
         std::to_string(f.bias) + " nf" + std::to_string(static_cast<int>(f.nonfinite)) + " nan" +
         std::to_string(static_cast<int>(f.nan)) + (f.has_sign ? "" : " unsigned") +
         (f.has_subnormals ? "" : " nosub") + " storage " + std::to_string(storage_bits(f));
}

}  // namespace

TEST_CASE("names: a spelling of a built-in layout is the built-in row", "[formats][names]") {
  struct Case {
    const char* spelling;
    const Format& row;
  };
  const Case cases[] = {
      {"e02m1", kE2m1},          {"E2M1", kE2m1},           {"e2m01", kE2m1},          {"e2m1:bias=1", kE2m1},
      {"e04m3", kE4m3},          {"e4m3fn", kE4m3},         {"e4m3fn:bias=7", kE4m3},  {"e4m3:bias=07", kE4m3},
      {"e4m3-ieee", kE4m3Ieee},  {"e4m3-ieee:bias=7", kE4m3Ieee}, {"float8_e4m3", kE4m3Ieee},
      {"e4m3fnuz", kE4m3fnuz},   {"e4m3fnuz:bias=8", kE4m3fnuz}, {"e4m3fnuz:bias=11", kE4m3b11fnuz},
      {"e4m3fnuz:bias=+11", kE4m3b11fnuz},
      {"e5m2", kE5m2},           {"e5m2-ieee", kE5m2},      {"e05m02:bias=15", kE5m2}, {"e5m2fnuz", kE5m2fnuz},
      {"e5m10", kFp16},          {"e5m10-ieee:bias=15", kFp16}, {"e8m7", kBf16},       {"e8m23", kFp32},
      {"e11m52", kFp64},         {"e3m4-ieee", kE3m4},      {"e3m2:bias=3", kE3m2},    {"e2m3", kE2m3},
      {"e8m0:bias=127", kE8m0},  {"int08", kInt8},          {"uint004", kUint4},       {"INT2", kInt2},
  };
  for (const Case& c : cases) {
    INFO(c.spelling);
    const Format f = find_format(c.spelling);
    CHECK(f.name == c.row.name);
    CHECK(layout(f) == layout(c.row));
  }
  // tf32 keeps its 32-bit container: the 19-bit e8m10 is another format, with its own name.
  CHECK(find_format("e8m10").name == "e8m10");
  CHECK(layout(find_format("e8m10")) != layout(kTf32));
}

TEST_CASE("names: user layouts print one canonical name that parses back", "[formats][names]") {
  struct Case {
    const char* spelling;
    const char* printed;
    std::string fields;  // expected layout, written out
  };
  const Case cases[] = {
      // e2m1 only ever means OCP FP4: the IEEE-like E2M1 is e2m1-ieee (bias 1, with inf: max 1.5·2^1 = 3).
      {"e2m1-ieee", "e2m1-ieee", "E2 M1 bias 1 nf0 nan0 storage 4"},
      {"e02m1-ieee:bias=1", "e2m1-ieee", "E2 M1 bias 1 nf0 nan0 storage 4"},
      {"e2m1-ieee:bias=2", "e2m1-ieee:bias=2", "E2 M1 bias 2 nf0 nan0 storage 4"},
      // another bias on a built-in name keeps that format's kind (finite only, NaN = all ones, unsigned, ...)
      {"e2m1:bias=2", "e2m1:bias=2", "E2 M1 bias 2 nf2 nan3 storage 4"},
      {"e4m3:bias=8", "e4m3fn:bias=8", "E4 M3 bias 8 nf1 nan1 storage 8"},
      {"e4m3fn:bias=8", "e4m3fn:bias=8", "E4 M3 bias 8 nf1 nan1 storage 8"},
      {"e4m3-ieee:bias=8", "e4m3-ieee:bias=8", "E4 M3 bias 8 nf0 nan0 storage 8"},
      {"e4m3fnuz:bias=3", "e4m3fnuz:bias=3", "E4 M3 bias 3 nf1 nan2 storage 8"},
      {"e5m2:bias=14", "e5m2:bias=14", "E5 M2 bias 14 nf0 nan0 storage 8"},
      {"e5m2-ieee:bias=14", "e5m2:bias=14", "E5 M2 bias 14 nf0 nan0 storage 8"},
      {"e8m0:bias=100", "e8m0:bias=100", "E8 M0 bias 100 nf1 nan1 unsigned nosub storage 8"},
      {"e3m2-ieee", "e3m2-ieee", "E3 M2 bias 3 nf0 nan0 storage 6"},
      {"e2m3-ieee:bias=0", "e2m3-ieee:bias=0", "E2 M3 bias 0 nf0 nan0 storage 6"},
      // generic names: the default bias is not printed, another one is
      {"e6m9", "e6m9", "E6 M9 bias 31 nf0 nan0 storage 16"},
      {"e6m9-ieee:bias=31", "e6m9", "E6 M9 bias 31 nf0 nan0 storage 16"},
      {"e6m9:bias=20", "e6m9:bias=20", "E6 M9 bias 20 nf0 nan0 storage 16"},
      {"e6m9:bias=-3", "e6m9:bias=-3", "E6 M9 bias -3 nf0 nan0 storage 16"},
      {"e3m3fn", "e3m3fn", "E3 M3 bias 3 nf1 nan1 storage 7"},
      {"e3m3fnuz", "e3m3fnuz", "E3 M3 bias 4 nf1 nan2 storage 7"},
      {"e3m3fnuz:bias=4", "e3m3fnuz", "E3 M3 bias 4 nf1 nan2 storage 7"},
      // e2m1fn is ml_dtypes' and PyTorch's name of OCP FP4 (no inf, no NaN): an alias of e2m1, not the fn rule
      {"e2m1fn", "e2m1", "E2 M1 bias 1 nf2 nan3 storage 4"},
      {"e3m1fn", "e3m1fn", "E3 M1 bias 3 nf1 nan1 storage 5"},
      {"e4m0fn", "e4m0fn", "E4 M0 bias 7 nf1 nan1 storage 5"},
      {"int24", "int24", "int24"},
      {"uint012", "uint12", "uint12"},
  };
  for (const Case& c : cases) {
    INFO(c.spelling);
    const Format f = find_format(c.spelling);
    CHECK(f.name == c.printed);
    CHECK(layout(f) == c.fields);
    const Format again = find_format(f.name);
    CHECK(again.name == f.name);
    CHECK(layout(again) == layout(f));
  }
}

TEST_CASE("names: different formats never share a printed name", "[formats][names]") {
  // Every spelling the grammar offers over small widths and a few biases, plus the built-ins and aliases: one
  // printed name per layout, one layout per printed name, and every printed name parses back to its layout.
  std::vector<std::string> spellings;
  for (const Format& f : builtin_formats()) {
    spellings.emplace_back(f.name);
    for (std::string_view a : aliases(f)) spellings.emplace_back(a);
  }
  for (int e = 1; e <= 8; ++e)
    for (int m = 0; m <= 4; ++m)
      for (const char* suffix : {"", "-ieee", "fn", "fnuz"})
        for (const char* bias : {"", ":bias=0", ":bias=1", ":bias=3", ":bias=7", ":bias=8", ":bias=127", ":bias=-2"}) {
          std::string s = std::string("e") + std::to_string(e) + "m" + std::to_string(m) + suffix + bias;
          spellings.push_back(s);
          spellings.push_back(std::string("e0") + s.substr(1));  // a leading zero changes nothing
        }
  std::map<std::string, std::string> by_name, by_layout;
  int parsed = 0;
  for (const std::string& s : spellings) {
    Format f;
    try {
      f = find_format(s);
    } catch (const InputError&) {
      continue;  // m = 0 without fn, formats with nothing but zero: refused with a reason
    }
    ++parsed;
    INFO(s << " -> " << f.name << " = " << layout(f));
    const auto [n, new_name] = by_name.emplace(std::string(f.name), layout(f));
    CHECK(n->second == layout(f));
    const auto [l, new_layout] = by_layout.emplace(layout(f), std::string(f.name));
    CHECK(l->second == std::string(f.name));
    CHECK(layout(find_format(f.name)) == layout(f));
  }
  CHECK(parsed > 1000);
}

TEST_CASE("names: malformed user formats are refused with the reason", "[formats][names]") {
  CHECK_THROWS_WITH(find_format("e4m3:bias="), Catch::Contains("bias must be an integer"));
  CHECK_THROWS_WITH(find_format("e4m3:bias=x"), Catch::Contains("bias must be an integer"));
  CHECK_THROWS_WITH(find_format("e4m3:scale=2"), Catch::Contains("the only parameter is :bias=N"));
  CHECK_THROWS_WITH(find_format("e4m3-fn"), Catch::Contains("suffixes are -ieee, fn and fnuz"));
  CHECK_THROWS_WITH(find_format("e4m3fnuz-ieee"), Catch::Contains("suffixes are -ieee, fn and fnuz"));
  CHECK_THROWS_WITH(find_format("e4m0"), Catch::Contains("needs a mantissa bit"));
  CHECK_THROWS_WITH(find_format("e16m3"), Catch::Contains("1..15 exponent"));
  CHECK_THROWS_WITH(find_format("e5m2:bias=20000"), Catch::Contains("-16384 to 16384"));
  CHECK_THROWS_WITH(find_format("int65"), Catch::Contains("2 to 64 bits"));
  CHECK_THROWS_WITH(find_format("e1m0fn"), Catch::Contains("no finite value other than zero"));
}
