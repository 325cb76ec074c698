// support/units.h: the one parser of sizes, counts and percentages; expected values written out by hand.
#include <catch2/catch.hpp>
#include <limits>  // std::numeric_limits

#include "numscope/support/error.h"
#include "numscope/support/units.h"

using namespace numscope;

TEST_CASE("units: one spelling of a size everywhere", "[robustness][units]") {
  CHECK(parse_byte_size("2GB", "--x") == 2e9);
  CHECK(parse_byte_size("2 GB", "--x") == 2e9);
  CHECK(parse_byte_size("2gb", "--x") == 2e9);
  CHECK(parse_byte_size(" 2GiB ", "--x") == 2147483648.0);
  CHECK(parse_byte_size("1.5GiB", "--x") == 1610612736.0);
  CHECK(parse_byte_size("1_500MB", "--x") == 1.5e9);
  CHECK(parse_byte_size("1e9B", "--x") == 1e9);
  CHECK(parse_byte_size("100000000", "--x", true) == 1e8);
  CHECK(parse_byte_size("8192PiB", "--x") == 9223372036854775808.0);  // 2^13 · 2^50 = 2^63
  CHECK_THROWS_WITH(parse_byte_size("8193PiB", "--x"), Catch::Contains("too large: at most 2^63 bytes"));
  CHECK_THROWS_WITH(parse_byte_size("1e308GiB", "--x"), Catch::Contains("too large"));
  CHECK_THROWS_WITH(parse_byte_size("100", "--x"), Catch::Contains("has no unit"));
  CHECK_THROWS_WITH(parse_byte_size("12XB", "--x"), Catch::Contains("unknown unit 'XB'"));
  for (const char* bad : {"inf", "infGiB", "nan", "-1GB", "1,5GB", "", "GB", "1..5GB", "1_GB", "_1GB"})
    CHECK_THROWS_AS(parse_byte_size(bad, "--x"), InputError);
}

TEST_CASE("units: counts are whole, positive and bounded", "[robustness][units]") {
  CHECK(parse_count("7B", "n", INT64_MAX) == 7'000'000'000);
  CHECK(parse_count("1.5B", "n", INT64_MAX) == 1'500'000'000);
  CHECK(parse_count("350M", "n", INT64_MAX) == 350'000'000);
  CHECK(parse_count("1_500M", "n", INT64_MAX) == 1'500'000'000);
  CHECK(parse_count("2T", "n", INT64_MAX) == 2'000'000'000'000);
  CHECK(parse_count("1e9", "n", INT64_MAX) == 1'000'000'000);
  CHECK(parse_count("9223372036854775807", "n", INT64_MAX) == INT64_MAX);
  CHECK_THROWS_WITH(parse_count("9223372036854775808", "n", INT64_MAX), Catch::Contains("too large"));
  CHECK_THROWS_WITH(parse_count("1.5", "n", INT64_MAX), Catch::Contains("not a whole number"));
  CHECK_THROWS_WITH(parse_count("1,5B", "n", INT64_MAX), Catch::Contains("commas separate list items"));
  CHECK_THROWS_WITH(parse_count("0", "n", INT64_MAX), Catch::Contains("must be positive"));
  CHECK_THROWS_WITH(parse_count("inf", "n", INT64_MAX), Catch::Contains("finite"));
  CHECK_THROWS_WITH(parse_count("7X", "n", INT64_MAX), Catch::Contains("whole number"));
}

TEST_CASE("units: percentages and checked products", "[robustness][units]") {
  CHECK(parse_percent("20%", "--o", 1000) == 0.2);
  CHECK(parse_percent("2.5%", "--o", 1000) == 0.025);
  CHECK_THROWS_WITH(parse_percent("inf%", "--o", 1000), Catch::Contains("finite"));
  CHECK_THROWS_WITH(parse_percent("nan%", "--o", 1000), Catch::Contains("finite"));
  CHECK_THROWS_WITH(parse_percent("-5%", "--o", 1000), Catch::Contains("negative"));
  CHECK_THROWS_WITH(parse_percent("2000%", "--o", 1000), Catch::Contains("between 0% and 1000%"));
  CHECK(checked_product(3'000'000'000, 3, "x") == 9'000'000'000);
  CHECK_THROWS_WITH(checked_product(4'000'000'000'000, 4'000'000'000'000, "x"), Catch::Contains("too large"));
  CHECK_THROWS_AS(checked_product(10, 10, "x", 99), InputError);
}

// Found by fuzz_units (corpus regress-newline-in-count): a newline and a NUL inside a count were quoted raw, so
// the error was two lines (the CLI escaped it when printing; Python's ValueError did not).
TEST_CASE("units: an error quoting the user's text stays one line", "[robustness][units]") {
  const std::string text("922720\n\0\x13" "6:54775807", 18);
  for (int which = 0; which < 3; ++which) {
    try {
      if (which == 0) parse_count(text, "count", INT64_MAX / 64);
      if (which == 1) parse_byte_size(text, "--size", true);
      if (which == 2) parse_percent(text + "%", "--pct", 1000);
      FAIL("accepted");
    } catch (const InputError& e) {
      const std::string m = e.what();
      CHECK(m.find('\n') == std::string::npos);
      CHECK(m.find('\0') == std::string::npos);
    }
  }
  CHECK_THROWS_WITH(parse_count("7\nB", "n", INT64_MAX), Catch::Contains("'7\\nB'"));
}

TEST_CASE("units: an error quoting a newline or NUL is still one line (fuzz_units finding)", "[robustness][units]") {
  const std::string text("\n\0%", 3);
  try {
    parse_percent(text, "--pct", 1000);
    FAIL("accepted");
  } catch (const InputError& e) {
    const std::string m = e.what();
    CHECK(m.find('\n') == std::string::npos);
    CHECK(m.find('\0') == std::string::npos);
    CHECK(m.find("\\x00") != std::string::npos);
  }
}
