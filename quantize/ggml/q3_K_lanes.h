// make_q3_quants for the 16 groups of one Q3_K super-block at once, group j in vector lane j (AVX-512).
#pragma once

#include <cstdint>  // std::int8_t

namespace numscope::detail {

/// make_q3_quants(16, 4, x + 16j, L + 16j) for j = 0..15, scale j in scales[j]: each lane runs ggml's scalar
/// sequence of its group (the same fp32 operations in the same order, a lane whose sweep changed nothing stops),
/// so the bits are the scalar search's. Only where isa_supported(Isa::kAvx512); false elsewhere (nothing written).
bool make_q3_quants_x16(const float* x, std::int8_t* L, float* scales);

}  // namespace numscope::detail
