// libFuzzer target: parse_number (decimal, hex float, fractions, inf/nan) and exact_decimal round trips.
//
// Properties: parse_number either returns or throws InputError (nothing else); a parsed number prints exactly
// (exact_decimal) and that text parses back to the same value, unless it is longer than kMaxNumberLength, where it
// is refused as too long; every accepted number encodes into fp16, bf16, e4m3 and fp32 and the decoded value
// re-encodes to the same code.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "numscope/formats/engine.h"
#include "numscope/support/error.h"
#include "numscope/formats/number.h"
#include "numscope/formats/registry.h"

using namespace numscope;

namespace {

[[noreturn]] void fail(const char* what, std::string_view input, const std::string& detail) {
  std::fprintf(stderr, "fuzz_number: %s\n  input: '%.*s'\n  %s\n", what, static_cast<int>(input.size() > 200 ? 200 : input.size()),
               input.data(), detail.substr(0, 400).c_str());
  std::abort();
}

bool same(const Number& a, const Number& b) {
  if (a.kind != b.kind) return false;
  if (a.kind == Number::Kind::kNan) return true;  // a NaN's sign is not part of its value ("-nan" prints "nan")
  return a.neg == b.neg && (a.kind == Number::Kind::kInf || a.mag == b.mag);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  Number n;
  try {
    n = parse_number(input);
  } catch (const InputError&) {
    return 0;  // refused with a reason: fine (any other exception escapes and is a finding)
  }
  if (n.kind == Number::Kind::kFinite && n.mag < 0) fail("negative magnitude", input, exact_decimal(n.mag));
  const std::string printed = exact_decimal(n);
  if (printed.empty()) fail("empty exact_decimal", input, "");
  Number back;
  try {
    back = parse_number(printed);
  } catch (const InputError& e) {
    const bool too_long = printed.size() > kMaxNumberLength && std::string(e.what()).find("too long") != std::string::npos;
    if (!too_long) fail("exact_decimal does not parse back", input, printed.substr(0, 200) + " -> " + e.what());
    return 0;
  }
  if (!same(n, back)) fail("exact_decimal parses back to another value", input, printed.substr(0, 200));
  if (exact_decimal(back) != printed) fail("exact_decimal is not stable", input, printed.substr(0, 200));

  static const Format formats[] = {find_format("fp16"), find_format("bf16"), find_format("e4m3"), find_format("fp32")};
  for (const Format& f : formats) {
    const Encoded e = encode(f, n);
    if (!valid_code(f, e.code)) fail("encode returned an invalid code", input, std::string(f.name));
    const Number decoded = decode(f, e.code).number();
    const Encoded again = encode(f, decoded);
    if (again.code != e.code) fail("a decoded value does not re-encode to its code", input, std::string(f.name));
  }
  return 0;
}
