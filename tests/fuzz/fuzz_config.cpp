// libFuzzer target: Hugging Face config.json parsing for the memory estimator (parse_config_json).
//
// Properties: parse_config_json returns or throws InputError; an accepted architecture passes validate(), has
// positive sizes, and its parameter count is positive and equals the sum of its parts (UBSan checks every
// product for signed overflow).
#include <string_view>

#include "numscope/support/error.h"
#include "numscope/memory/model.h"
#include "tests/fuzz/fuzz_io.h"

using namespace numscope;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  memory::Architecture a;
  try {
    a = memory::parse_config_json(text, "fuzz.json");
  } catch (const InputError&) {
    return 0;
  }
  auto fail = [](const std::string& what) { fuzz::fail("fuzz_config", what); };
  try {
    memory::validate(a);
  } catch (const InputError& e) {
    fail(std::string("an accepted config does not validate: ") + e.what());
  }
  if (a.layers <= 0 || a.hidden <= 0 || a.heads <= 0 || a.kv_heads <= 0 || a.head_dim <= 0 || a.intermediate <= 0 ||
      a.vocab <= 0)
    fail("an accepted config has a size that is not positive");
  const memory::ParamBreakdown p = memory::param_breakdown(a);
  if (p.total <= 0) fail("parameter count is not positive");
  if (p.total != p.embedding + p.head + p.attention + p.mlp + p.norms) fail("parameter count is not the sum of its parts");
  if (p.linear > p.total) fail("linear weights exceed the total");
  return 0;
}
