// Names and bits in: every alias against the maxima its library publishes, the spelling rules, suggestions, and
// codes typed as hex or binary read back against the engine's own code for every code of the narrow formats.
#include <catch2/catch.hpp>

#include <string>  // std::string
#include <vector>  // std::vector

#include "numscope/api/common.h"
#include "numscope/formats/properties.h"
#include "numscope/formats/registry.h"
#include "numscope/formats/text.h"
#include "numscope/support/error.h"
#include "numscope/support/suggest.h"

using namespace numscope;

namespace {

std::string max_of(std::string_view name) { return exact_decimal(properties(find_format(name)).max); }

/// The message find_format throws for `name`.
std::string refusal(std::string_view name) {
  try {
    find_format(name);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

// The largest finite values as the libraries that own the names publish them: ml_dtypes' finfo tests
// (float8_e4m3fn 448, float8_e4m3 240, ...), PyTorch's torch.finfo, OCP OFP8 table 1 and OCP MX v1.0 §5.3.
TEST_CASE("aliases: each library spelling names the format that library means", "[cli][names]") {
  struct Anchor {
    const char* name;
    const char* max;
  };
  const Anchor anchors[] = {
      {"float8_e4m3fn", "448"},      {"torch.float8_e4m3fn", "448"}, {"float8_e4m3", "240"},
      {"f8E4M3", "240"},             {"f8E4M3FN", "448"},            {"F8_E4M3", "448"},
      {"float8_e5m2", "57344"},      {"fp8_e5m2", "57344"},          {"F8_E5M2", "57344"},
      {"float8_e4m3fnuz", "240"},    {"float8_e5m2fnuz", "57344"},   {"float8_e4m3b11fnuz", "30"},
      {"float8_e3m4", "15.5"},       {"float6_e3m2fn", "28"},        {"float6_e2m3fn", "7.5"},
      {"float4_e2m1fn", "6"},        {"fp4", "6"},                   {"half", "65504"},
      {"np.float16", "65504"},       {"fp8e4nv", "448"},             {"fp8e4b8", "240"},
      {"fp8e5b16", "57344"},         {"FLOAT8E4M3FN", "448"},
      {"float8_e8m0fnu", "170141183460469231731687303715884105728"},  // 2^127
      {"bfloat16", "338953138925153547590470800371487866880"},         // (2^8 - 1) · 2^120
      {"single", "340282346638528859811704183484516925440"},           // FLT_MAX
  };
  for (const Anchor& a : anchors) {
    CAPTURE(a.name);
    CHECK(max_of(a.name) == a.max);
  }
  // Every alias of the table resolves to the row it names, under every spelling rule.
  for (const AliasInfo& a : alias_table()) {
    CAPTURE(a.alias);
    CHECK(find_format(a.alias).name == a.name);
    std::string upper(a.alias), dashed(a.alias), prefixed = "torch." + std::string(a.alias);
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    for (char& c : dashed) c = c == '_' ? '-' : c;
    CHECK(find_format(upper).name == a.name);
    CHECK(find_format(dashed).name == a.name);
    CHECK(find_format(prefixed).name == a.name);
  }
}

TEST_CASE("names: ambiguous names, schemes and misspellings are refused with what to write", "[cli][names]") {
  CHECK(ambiguous_candidates("fp8") == std::vector<std::string>{"e4m3", "e5m2"});
  CHECK(ambiguous_candidates("FP6") == std::vector<std::string>{"e2m3", "e3m2"});
  CHECK(ambiguous_candidates("e4m3").empty());
  CHECK(refusal("fp8").find("ambiguous") != std::string::npos);
  CHECK(refusal("nvfp4").find("storage scheme") != std::string::npos);
  CHECK(refusal("fp17").find("did you mean fp16") != std::string::npos);
  CHECK(refusal("bfloat61").find("bfloat16") != std::string::npos);
  CHECK(refusal("xyzzy").find("expected fp64, fp32") != std::string::npos);
  CHECK(refusal("fp16") == "");
  for (const std::string& s : {refusal("fp8"), refusal("nvfp4"), refusal("fp17"), refusal("xyzzy")})
    CHECK(s.find('\n') == std::string::npos);
}

TEST_CASE("suggest: edit distance counts swaps as one edit", "[cli][names]") {
  CHECK(edit_distance("fp16", "fp16") == 0);
  CHECK(edit_distance("fp61", "fp16") == 1);
  CHECK(edit_distance("fp17", "fp64") == 2);
  CHECK(edit_distance("", "abc") == 3);
  CHECK(closest("fp17", {"fp64", "fp32", "fp16", "bf16"}, 3) == std::vector<std::string>{"fp16", "fp64", "fp32"});
  CHECK(closest("zzzzzzzz", {"fp64", "fp32"}, 3).empty());
}

// Every code of every built-in format of at most 16 bits, typed as numscope prints it (hex) and as its grouped
// bits (binary with '.' between fields), reads back as the same code.
TEST_CASE("parse_code: the printed forms of every code read back", "[cli][bits]") {
  for (const Format& f : builtin_formats()) {
    if (bits(f) > 16) continue;
    CAPTURE(f.name);
    for (u128 c = 0; c < (u128{1} << bits(f)); ++c) {
      CAPTURE(static_cast<unsigned>(c));
      REQUIRE(api::parse_code(f, bits_hex(f, c)) == c);
      std::string binary = "0b" + bits_binary(f, c);
      for (char& ch : binary) ch = ch == ' ' ? '.' : ch;
      REQUIRE(api::parse_code(f, binary) == c);
      const std::string bare = bits_hex(f, c).substr(2);  // bare hex, unless it starts like a binary code
      if (bare.rfind("0b", 0) != 0) REQUIRE(api::parse_code(f, bare) == c);
    }
  }
  // fp32 and fp64: IEEE 754 binary32/binary64 encodings of known values.
  CHECK(api::parse_code(find_format("fp32"), "0x3dcccccd") == 0x3dcccccd);
  CHECK(api::parse_code(find_format("fp32"), "0b0_01111011_10011001100110011001101") == 0x3dcccccd);
  CHECK(api::parse_code(find_format("fp64"), "0x3fb999999999999a") == 0x3fb999999999999aULL);
  // tf32 is typed as its 32-bit container; its code is the top 19 bits.
  CHECK(api::parse_code(find_format("tf32"), "0x3dcce000") == (0x3dcce000u >> 13));
  CHECK_THROWS_AS(api::parse_code(find_format("tf32"), "0x3dcccccd"), InputError);
  CHECK_THROWS_AS(api::parse_code(find_format("e2m1"), "0x10"), InputError);
  CHECK_THROWS_AS(api::parse_code(find_format("e2m1"), "0b10000"), InputError);
  CHECK_THROWS_AS(api::parse_code(find_format("fp32"), "0x1ffffffff"), InputError);
  CHECK_THROWS_AS(api::parse_code(find_format("fp32"), "0x"), InputError);
  CHECK_THROWS_AS(api::parse_code(find_format("fp32"), "12g4"), InputError);
  CHECK(api::parse_code(find_format("fp32"), "0x00000000003dcccccd") == 0x3dcccccd);  // leading zeros
}

// The power-of-two form, checked by rebuilding the value from it: m · 2^e with m odd.
TEST_CASE("power_of_two_form: long exact values get m × 2^e in front", "[cli][bits]") {
  const Properties fp64 = properties(find_format("fp64"));
  CHECK(api::power_of_two_form(fp64.min_subnormal) == "2^-1074");
  CHECK(api::power_of_two_form(fp64.min_normal) == "2^-1022");
  CHECK(api::power_of_two_form(fp64.max) == "9007199254740991 × 2^971");  // (2^53 - 1) · 2^971
  CHECK(api::power_of_two_form(Rational(-3, 32)) == "-3 × 2^-5");
  CHECK(api::power_of_two_form(Rational(1, 3)) == "");
  CHECK(api::power_of_two_form(Rational(0)) == "");
  CHECK(dyadic(BigInt("9007199254740991"), 971) == fp64.max);
  CHECK(api::exact_with_power(Rational(3, 4)) == "0.75");  // short: digits only
  const std::string tiny = api::exact_with_power(fp64.min_subnormal);
  CHECK(tiny.rfind("2^-1074 = 0.000", 0) == 0);
  CHECK(tiny.size() == std::string("2^-1074 = ").size() + exact_decimal(fp64.min_subnormal).size());
}
