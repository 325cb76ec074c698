// The ggml codec table (ggml.h) and the helpers the block types share.
#include <algorithm>  // std::max, std::max_element
#include <array>      // std::array
#include <cmath>      // std::fabs

#include "numscope/quantize/codec.h"
#include "numscope/quantize/ggml/ggml.h"
#include "numscope/quantize/quantize.h"

namespace numscope {
namespace detail {

const GgmlCodec* find_ggml_codec(int ggml_type) {
  static const std::array<const GgmlCodec*, 14> kTable = {
      &kQ8_0Codec, &kQ4_0Codec, &kQ4_1Codec, &kQ5_0Codec,   &kQ5_1Codec,   &kQ2_KCodec,  &kQ3_KCodec,
      &kQ4_KCodec, &kQ5_KCodec, &kQ6_KCodec, &kIQ4_NLCodec, &kIQ4_XSCodec, &kMXFP4Codec, &kNVFP4Codec};
  for (const GgmlCodec* c : kTable)
    if (static_cast<int>(c->type->id) == ggml_type) return c;
  return nullptr;
}

float amax32(const float* x) {
  float lanes[8] = {};
  for (int j = 0; j < 32; j += 8)
    for (int l = 0; l < 8; ++l) lanes[l] = std::max(lanes[l], std::fabs(x[j + l]));
  return *std::max_element(lanes, lanes + 8);
}

void store_fp16(unsigned char* out, float v) {
  const std::uint16_t h = float_to_fp16_bits(v);
  out[0] = static_cast<unsigned char>(h & 0xff);
  out[1] = static_cast<unsigned char>(h >> 8);
}
float load_fp16(const unsigned char* in) { return fp16_bits_to_float(static_cast<std::uint16_t>(in[0] | (in[1] << 8))); }

}  // namespace detail

void ggml_quantize_q8_0(const float* x, unsigned char out[34]) { detail::kQ8_0Codec.quantize(x, out, nullptr); }
void ggml_quantize_q4_0(const float* x, unsigned char out[18]) { detail::kQ4_0Codec.quantize(x, out, nullptr); }

bool ggml_quantize_row(int ggml_type, const float* x, std::uint64_t n, unsigned char* out, const float* imatrix) {
  const detail::GgmlCodec* c = detail::find_ggml_codec(ggml_type);
  if (!c) return false;
  const std::uint64_t qk = c->type->block;
  const bool weighted = imatrix && c->quantize_weighted;
  const float sigma2 = weighted && c->needs_row_sigma2 ? detail::row_sigma2(detail::add_squares(0.0f, x, n), n) : 0;
  for (std::uint64_t b = 0; b < n / qk; ++b) {
    if (weighted) c->quantize_weighted(x + b * qk, imatrix + b * qk, sigma2, out + b * c->type->bytes, nullptr);
    else c->quantize(x + b * qk, out + b * c->type->bytes, nullptr);
  }
  return true;
}

bool ggml_quantize_row_reference(int ggml_type, const float* x, std::uint64_t n, unsigned char* out) {
  const detail::GgmlCodec* c = detail::find_ggml_codec(ggml_type);
  if (!c) return false;
  const auto quantize = detail::reference_quantizer(*c);
  for (std::uint64_t b = 0; b < n / c->type->block; ++b)
    quantize(x + b * c->type->block, out + b * c->type->bytes, nullptr);
  return true;
}

bool ggml_dequantize_row(int ggml_type, const unsigned char* in, std::uint64_t n, float* y) {
  const detail::GgmlCodec* c = detail::find_ggml_codec(ggml_type);
  if (!c) return false;
  for (std::uint64_t b = 0; b < n / c->type->block; ++b) c->dequantize(in + b * c->type->bytes, y + b * c->type->block);
  return true;
}

}  // namespace numscope
