// Q3_K with AVX-512: make_q3_quants for the 16 groups of a super-block at once (group j in lane j), and the packing.
#pragma once

#include <cstdint>  // std::int8_t

namespace numscope::detail {

/// make_q3_quants(16, 4, x + 16j, L + 16j) for j = 0..15, scale j in scales[j]: each lane runs ggml's scalar
/// sequence of its group (the same fp32 operations in the same order, a lane whose sweep changed nothing stops),
/// so the bits are the scalar search's. Only where isa_supported(Isa::kAvx512); false elsewhere (nothing written).
bool make_q3_quants_x16(const float* x, std::int8_t* L, float* scales);
/// Q3_K's last step with AVX-512: the levels of group j again with its stored scale d[j] (Searches::levels; a
/// group with d[j] = 0 keeps its L and clip), then hmask and qs into out[0..95]. False without AVX-512.
bool q3_K_pack_x16(const float* x, const float* d, std::int8_t* L, unsigned char* clip, unsigned char* out);

}  // namespace numscope::detail
