// The scale searches that ggml's K-quants share (ggml-quants.c make_qx_quants, make_q3_quants,
// make_qkx2_quants, nearest_int, get_scale_min_k4), expressed once for q2_K ... q6_K. Each follows ggml's
// arithmetic step by step in fp32 (the order of every sum and product matters for the bits; -ffp-contract=off).
#pragma once

#include <cstdint>  // std::int8_t, std::uint8_t
#include <cstring>  // std::memcpy

#include "numscope/quantize/ggml/ggml.h"
#include "numscope/support/cpu.h"

namespace numscope::detail {

/// ggml's super-block size QK_K, and its threshold below which a group counts as all zero (GROUP_MAX_EPS).
inline constexpr int kQK_K = 256;
inline constexpr float kGroupMaxEps = 1e-15f;

/// Round half to even of |v| < 2^22 by adding 1.5·2^23 (the float's last bit becomes the integer's); inline, as
/// ggml's static inline nearest_int.
inline int nearest_int(float v) {
  const float t = v + 12582912.f;  // 1.5·2^23: the sum's low 23 bits hold v + 2^22, rounded to nearest even
  std::int32_t i;
  std::memcpy(&i, &t, 4);
  return (i & 0x007fffff) - 0x00400000;
}

/// Symmetric levels in [-nmax, nmax-1] (stored + nmax) for n values with per-value weights (null: x², the
/// rmse_type 1 of ggml's callers); tries 18 scales around nmax/max and keeps the best weighted fit.
float make_qx_quants(int n, int nmax, const float* x, std::int8_t* L, const float* weights);
/// Q3_K's search: levels in [-nmax, nmax-1] refined element by element for the x²-weighted fit.
float make_q3_quants(int n, int nmax, const float* x, std::int8_t* L);
/// Asymmetric levels 0..nmax with a min (returned negated in *the_min): nstep + 1 trial scales from rmin in
/// steps of rdelta, each refitted by weighted least squares, the best kept (absolute error when use_mad).
/// ggml's make_qkx3_quants (the importance-weighted paths) is the same function whenever weights are given,
/// which they always are: its `max <= min` test equals make_qkx2_quants' `max == min` after min = min(min, 0).
float make_qkx2_quants(int n, int nmax, const float* x, const float* weights, std::uint8_t* L, float* the_min,
                       std::uint8_t* Laux, float rmin, float rdelta, int nstep, bool use_mad);
/// make_qkx2_quants' first pass, shared by its builds: min (at most 0) and max of x, Σw and Σw·x in ggml's order;
/// false, with L zeroed and *the_min = -min, when max == min (the search returns 0 then).
inline bool qkx2_start(int n, const float* x, const float* weights, std::uint8_t* L, float* the_min, float& min,
                       float& max, float& sum_w, float& sum_x) {
  min = x[0], max = x[0], sum_w = weights[0], sum_x = sum_w * x[0];
  for (int i = 1; i < n; ++i) {
    min = x[i] < min ? x[i] : min;
    max = x[i] > max ? x[i] : max;
    sum_w += weights[i];
    sum_x += weights[i] * x[i];
  }
  if (min > 0) min = 0;
  if (max != min) return true;
  for (int i = 0; i < n; ++i) L[i] = 0;
  *the_min = -min;
  return false;
}
/// ggml's make_qp_quants: levels 0..nmax of n non-negative values (the sub-block scales or mins of the
/// importance-weighted K-quants) under a common scale: 9 trial scales around nmax/max, then levels moved one at a
/// time for the weighted fit; returns the scale.
float make_qp_quants(int n, int nmax, const float* x, std::uint8_t* L, const float* quant_weights);

/// Searches::levels in ggml's scalar loop.
void group_levels(const float* x, int n, float d, float m, int lo, int hi, int offset, std::uint8_t* L,
                  unsigned char* clip);

/// The 6-bit scale and min of sub-block j of Q4_K / Q5_K's 12 packed bytes, and their packing.
void get_scale_min_k4(int j, const unsigned char* q, std::uint8_t& d, std::uint8_t& m);
void pack_scale_min_k4(const float* scales, const float* mins, unsigned char* q, float& max_scale, float& max_min);
/// The packing alone: 6-bit levels ls[j], lm[j] of the eight scales and mins into get_scale_min_k4's 12 bytes.
void pack_levels_k4(const std::uint8_t* ls, const std::uint8_t* lm, unsigned char* q);

/// IQ4_NL / IQ4_XS's table (ggml-common.h kvalues_iq4nl), ggml's best_index_int8 into it (a tie to the upper
/// value), and quantize_row_iq4_nl_impl's search of one block of 32 (iq4.cpp): its refitted scale from a first
/// scale ±max/values[0] and, for ntry > 0, 2·ntry + 1 more; weights qw·sqrt(σ² + x²), or x² without qw. An
/// all-zero block returns 0 and leaves Lb alone.
extern const std::int8_t kIq4Values[16];
int iq4_best_index(float x);
float iq4_block_scale(const float* xb, const float* qw, float sigma2, std::uint8_t* Lb, int ntry);

/// The trial-scale searches as a table, so that one quantizer serves two builds with the same bits: ggml's
/// scalar loops (reference_searches: the functions above, what `numscope bench` times as ggml's reference and
/// the tests' oracle for the others) and the same sums vectorised across trial scales (trials.cpp), built for
/// each instruction set; fast_searches is the build support/cpu.h picks (NUMSCOPE_ISA caps it).
struct Searches {
  float (*qx)(int n, int nmax, const float* x, std::int8_t* L, const float* weights);  // make_qx_quants
  float (*q3)(int n, int nmax, const float* x, std::int8_t* L);                         // make_q3_quants
  float (*qkx2)(int n, int nmax, const float* x, const float* weights, std::uint8_t* L, float* the_min,
                std::uint8_t* Laux, float rmin, float rdelta, int nstep, bool use_mad);  // make_qkx2_quants
  float (*iq4)(const float* xb, const float* qw, float sigma2, std::uint8_t* Lb, int ntry);  // iq4_block_scale
  void (*iq4_indices)(const float* x, int n, float id, std::uint8_t* L);  // L[j] = iq4_best_index(id·x[j])
  /// The K-quants' last step, the levels again with a group's stored scale d and min m: l = nearest_int((x + m)
  /// / d) clamped to [lo, hi], L = l + offset, clip where l was outside. m = +0 for the symmetric types, whose
  /// ggml code divides x alone: x + 0 differs from x only for -0, and ±0 / d rounds to level 0 either way.
  void (*levels)(const float* x, int n, float d, float m, int lo, int hi, int offset, std::uint8_t* L,
                 unsigned char* clip);
};
const Searches& reference_searches();
const Searches& vector_searches(Isa isa);
const Searches& fast_searches();

/// The codec of a type whose quantizer is one function of the block, its importance weights (null: none) and the
/// searches: `quantize` and `quantize_weighted` run the fast searches, `reference` ggml's scalar loops.
using SearchedLevels = void (*)(const float* x, const float* qw, unsigned char* out, unsigned char* clip,
                                const Searches& s);
template <SearchedLevels Levels>
constexpr GgmlCodec searched_codec(const GgmlType* type, void (*dequantize)(const unsigned char*, float*)) {
  return {type, [](const float* x, unsigned char* o, unsigned char* c) { Levels(x, nullptr, o, c, fast_searches()); },
          dequantize,
          [](const float* x, const float* qw, float, unsigned char* o, unsigned char* c) {
            Levels(x, qw, o, c, fast_searches());
          },
          false,
          [](const float* x, unsigned char* o, unsigned char* c) { Levels(x, nullptr, o, c, reference_searches()); }};
}

}  // namespace numscope::detail
