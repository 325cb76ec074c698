// The scale searches that ggml's K-quants share (ggml-quants.c make_qx_quants, make_q3_quants,
// make_qkx2_quants, nearest_int, get_scale_min_k4), expressed once for q2_K ... q6_K. Each follows ggml's
// arithmetic step by step in fp32 (the order of every sum and product matters for the bits; -ffp-contract=off).
#pragma once

#include <cstdint>  // std::int8_t, std::uint8_t

namespace numscope::detail {

/// ggml's super-block size QK_K, and its threshold below which a group counts as all zero (GROUP_MAX_EPS).
inline constexpr int kQK_K = 256;
inline constexpr float kGroupMaxEps = 1e-15f;

/// Round half to even of |v| < 2^22 by adding 1.5·2^23 (the float's last bit becomes the integer's).
int nearest_int(float v);

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
/// ggml's make_qp_quants: levels 0..nmax of n non-negative values (the sub-block scales or mins of the
/// importance-weighted K-quants) under a common scale: 9 trial scales around nmax/max, then levels moved one at a
/// time for the weighted fit; returns the scale.
float make_qp_quants(int n, int nmax, const float* x, std::uint8_t* L, const float* quant_weights);

/// The 6-bit scale and min of sub-block j of Q4_K / Q5_K's 12 packed bytes, and their packing.
void get_scale_min_k4(int j, const unsigned char* q, std::uint8_t& d, std::uint8_t& m);
void pack_scale_min_k4(const float* scales, const float* mins, unsigned char* q, float& max_scale, float& max_min);
/// The packing alone: 6-bit levels ls[j], lm[j] of the eight scales and mins into get_scale_min_k4's 12 bytes.
void pack_levels_k4(const std::uint8_t* ls, const std::uint8_t* lm, unsigned char* q);

}  // namespace numscope::detail
