// The ggml type table (ggml_types.h): the rows in id order and the look-ups by id and by name.
#include "numscope/io/ggml_types.h"

#include <array>  // std::array

#include "numscope/support/ascii.h"

namespace numscope {
namespace {

constexpr std::array<const GgmlType*, 35> kTypes = {
    &kGgmlF32,    &kGgmlF16,    &kGgmlQ4_0,   &kGgmlQ4_1,    &kGgmlQ5_0,   &kGgmlQ5_1,   &kGgmlQ8_0,
    &kGgmlQ8_1,   &kGgmlQ2_K,   &kGgmlQ3_K,   &kGgmlQ4_K,    &kGgmlQ5_K,   &kGgmlQ6_K,   &kGgmlQ8_K,
    &kGgmlIQ2_XXS, &kGgmlIQ2_XS, &kGgmlIQ3_XXS, &kGgmlIQ1_S,  &kGgmlIQ4_NL, &kGgmlIQ3_S,  &kGgmlIQ2_S,
    &kGgmlIQ4_XS, &kGgmlI8,     &kGgmlI16,    &kGgmlI32,     &kGgmlI64,    &kGgmlF64,    &kGgmlIQ1_M,
    &kGgmlBF16,   &kGgmlTQ1_0,  &kGgmlTQ2_0,  &kGgmlMXFP4,   &kGgmlNVFP4,  &kGgmlQ1_0,   &kGgmlQ2_0};

// The table is in id order with no id twice, and every size is the struct's (ggml-common.h static_asserts):
// QK_K = 256, K_SCALE_SIZE = 12.
constexpr bool in_id_order() {
  for (std::size_t i = 1; i < kTypes.size(); ++i)
    if (kTypes[i - 1]->id >= kTypes[i]->id) return false;
  return true;
}
static_assert(in_id_order());
static_assert(kGgmlQ4_K.bytes == 2 * 2 + 12 + 256 / 2);             // d, dmin, scales, qs
static_assert(kGgmlQ5_K.bytes == 2 * 2 + 12 + 256 / 8 + 256 / 2);   // d, dmin, scales, qh, qs
static_assert(kGgmlQ6_K.bytes == 256 / 2 + 256 / 4 + 256 / 16 + 2);  // ql, qh, scales, d
static_assert(kGgmlQ2_K.bytes == 256 / 16 + 256 / 4 + 2 * 2);       // scales, qs, d, dmin
static_assert(kGgmlQ3_K.bytes == 256 / 8 + 256 / 4 + 12 + 2);       // hmask, qs, scales, d
static_assert(kGgmlIQ4_XS.bytes == 2 + 2 + 256 / 64 + 256 / 2);     // d, scales_h, scales_l, qs
static_assert(kGgmlTQ1_0.bytes == (256 - 4 * 256 / 64) / 5 + 256 / 64 + 2);
static_assert(ggml_bits_per_weight(kGgmlQ4_K) == 4.5 && ggml_bits_per_weight(kGgmlQ6_K) == 6.5625);

}  // namespace

std::span<const GgmlType* const> ggml_types() { return kTypes; }

const GgmlType* find_ggml_type(std::uint32_t id) {
  for (const GgmlType* t : kTypes)
    if (t->id == id) return t;
  return nullptr;
}

const GgmlType* find_ggml_type(std::string_view name) {
  const std::string key = ascii_lower(name);
  for (const GgmlType* t : kTypes)
    if (ascii_lower(t->name) == key) return t;
  return nullptr;
}

std::optional<std::uint64_t> ggml_bytes(const GgmlType& t, std::uint64_t elements) {
  if (elements % t.block != 0) return std::nullopt;
  std::uint64_t bytes = 0;
  if (__builtin_mul_overflow(elements / t.block, std::uint64_t{t.bytes}, &bytes)) return std::nullopt;
  return bytes;
}

}  // namespace numscope
