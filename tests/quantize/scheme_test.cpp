// Scheme names and the storage cost each scheme row implies (bits per element, bytes of a tensor).
#include <catch2/catch.hpp>

#include "numscope/support/error.h"
#include "numscope/formats/scheme.h"

using namespace numscope;

TEST_CASE("scheme bits per element follow from the rows", "[quantize][scheme]") {
  CHECK(scheme_bits_per_element("int4-g128") == 4.125);          // GPTQ: fp16 scale per 128
  CHECK(scheme_bits_per_element("int4-asym-g128") == 4 + 20.0 / 128);  // fp16 scale + 4-bit zero
  CHECK(scheme_bits_per_element("q8_0") == 8.5);                 // ggml block_q8_0: 34 bytes / 32
  CHECK(scheme_bits_per_element("q4_0") == 4.5);                 // ggml block_q4_0: 18 bytes / 32
  CHECK(scheme_bits_per_element("nf4") == 4.5);                  // bitsandbytes: fp32 absmax per 64
  CHECK(scheme_bits_per_element("nf4-dq") == 4 + 8.0 / 64 + 32.0 / (64 * 256));  // QLoRA double quantization
  for (const char* mx : {"mxfp8", "mxfp8-e5m2", "mxint8"}) CHECK(scheme_bits_per_element(mx) == 8.25);
  for (const char* mx : {"mxfp6", "mxfp6-e3m2"}) CHECK(scheme_bits_per_element(mx) == 6.25);
  CHECK(scheme_bits_per_element("mxfp4") == 4.25);  // OCP MX v1.0: element bits + 8/32
  CHECK(scheme_bits_per_element("nvfp4") == 4.5);   // E4M3 scale per 16
  CHECK(scheme_bits_per_element("MXFP4-ceil") == 4.25);
  CHECK(scheme_bits_per_element("int8-ch") == 8);   // per-channel scales amortised to 0 here
  CHECK(scheme_bits_per_element("int3-g64") == 3 + 16.0 / 64);
}

TEST_CASE("plain formats and unknown names are not schemes", "[quantize][scheme]") {
  for (const char* plain : {"fp16", "e4m3", "int8", "bf16"}) {
    REQUIRE_THROWS_AS(scheme_bits_per_element(plain), InputError);
    REQUIRE_THROWS_WITH(scheme_bits_per_element(plain), Catch::Contains("not a quantization scheme") &&
                                                            Catch::Contains("q8_0"));
  }
  REQUIRE_THROWS_WITH(scheme_bits_per_element("int9-g128"), Catch::Contains("2 to 8 bits"));
  REQUIRE_THROWS_WITH(parse_scheme("q7_k"), Catch::Contains("unknown scheme 'q7_k'") && Catch::Contains("mxfp4"));
  REQUIRE_THROWS_AS(parse_scheme("int4-g0"), InputError);
  REQUIRE_THROWS_AS(parse_scheme("int4-g128-ch"), InputError);
  CHECK_NOTHROW(parse_scheme("int8-ch"));
}

TEST_CASE("scheme names parse into rows", "[quantize][scheme]") {
  const Scheme a = parse_scheme("int4-asym-g128");
  CHECK(a.family == SchemeFamily::kInt);
  CHECK(a.asymmetric);
  CHECK(a.block == 128);
  CHECK(a.element.name == "uint4");
  CHECK(parse_scheme("fp16").family == SchemeFamily::kCast);
  CHECK(parse_scheme("e4m3-ch").granularity == Granularity::kChannel);
  CHECK(parse_scheme("mxfp4", Rounding::kNearestEven, MxScaleRule::kCeil).name == "mxfp4-ceil");
  CHECK(parse_scheme("int8").family == SchemeFamily::kCast);  // a cast to the integer grid
  CHECK(parse_schemes("q8_0, nf4").size() == 2);
  for (const std::string& n : default_scheme_names()) CHECK_NOTHROW(parse_scheme(n));
}

TEST_CASE("tensor storage counts per-tensor, per-channel and block scales", "[quantize][scheme]") {
  CHECK(scheme_storage_bits(parse_scheme("int8-ch"), 4, 256) == 4 * 256 * 8 + 4 * 32);
  CHECK(scheme_storage_bits(parse_scheme("e4m3-tensor"), 4, 256) == 4 * 256 * 8 + 32);
  CHECK(scheme_storage_bits(parse_scheme("nvfp4"), 1, 32) == 32 * 4 + 2 * 8 + 32);
  CHECK(scheme_storage_bits(parse_scheme("q8_0"), 2, 40) == 2 * 40 * 8 + 2 * 2 * 16);  // partial block stores d
  CHECK(scheme_storage_bits(parse_scheme("nf4-dq"), 1, 64 * 300) == 64 * 300 * 4 + 300 * 8 + 2 * 32 + 32);
}
