// libFuzzer target: the claim language of `numscope check` (check_claim and evaluate, check/claims.h).
//
// Properties: check_claim never throws; an ERROR has a column inside the claim (1-based, at most one past its
// end) and a one-line reason; TRUE and FALSE carry the left side's value, and the exact text of each side
// (left_exact, right_exact) parses back through parse_number and re-prints unchanged.
#include <cstdint>
#include <string>
#include <string_view>

#include "numscope/check/claims.h"
#include "numscope/formats/number.h"
#include "tests/fuzz/fuzz_io.h"

using namespace numscope;

namespace {

std::size_t characters(std::string_view s) {  // UTF-8 code points, as columns are counted
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xc0) != 0x80;
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (text.find('\n') != std::string_view::npos) return 0;  // one claim is one line
  auto fail = [&](const std::string& what) {
    fuzz::fail("fuzz_claims", what + "\n  claim: '" + std::string(text.substr(0, 300)) + "'");
  };

  const check::ClaimResult r = check::check_claim(text);
  if (r.verdict == check::Verdict::kError) {
    if (r.column < 1 || static_cast<std::size_t>(r.column) > characters(text) + 1)
      fail("error column " + std::to_string(r.column) + " outside the claim");
    if (r.reason.empty() || r.reason.find('\n') != std::string::npos) fail("an error reason that is not one line");
  } else if (r.left.empty()) {
    fail("a TRUE or FALSE verdict without the left side's value");
  }
  // The exact texts ("every digit", JSON) of an evaluated side print back unchanged through parse_number.
  for (const std::string* exact : {&r.left_exact, &r.right_exact}) {
    if (r.verdict == check::Verdict::kError || exact->empty() || exact->rfind("≈", 0) == 0) continue;
    if (exact->size() > kMaxNumberLength) continue;
    try {
      if (exact_decimal(parse_number(*exact)) != *exact) fail("the exact text '" + exact->substr(0, 100) + "' re-prints differently");
    } catch (const InputError& e) {
      fail("the exact text '" + exact->substr(0, 100) + "' does not parse back: " + e.what());
    }
  }
  return 0;
}
