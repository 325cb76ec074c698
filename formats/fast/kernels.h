// The fast fp32 <-> format kernels, instantiated on a format row itself (template <const Format& F>, as LLVM
// APFloat instantiates on its fltSemantics): every constant comes from the row by format.h's functions, the
// rounding from round.h, so a new row (a built-in or a test's own) gets kernels by naming it.
//
// How the encoder works (fp32 bits -> code), for a row with E exponent bits, M stored mantissa bits and bias
// B, emin = 1 - B (format.h). fp32 (IEEE 754 §3.4) is   S EEEEEEEE MMMMMMMMMMMMMMMMMMMMMMM
//   * |x| >= 2^emin (a normal result): the target code is fp32's own bits with the fraction cut to M bits and
//     the exponent field moved by 127 - B. The cut is round.h's round_increment() at D = 23 - M bits:
//     S EEEEEEEE MMMMMMM|LRTTTTTTTTTTTTTTT   L: last kept bit, R: round bit, T: sticky bits
//     A carry out of the fraction moves into the exponent field, which is the next binade, and past the
//     largest finite code it is an overflow (IEEE 754 §7.4: decided after rounding, OFP8 §5: E4M3 464 -> 448,
//     480 -> NaN).
//   * |x| < 2^emin (a subnormal or zero result): the quantum is 2^(emin - M); |x| / 2^(emin - M) < 2^M is
//     exact in fp32 and is rounded to an integer with fp32 arithmetic: adding 2^23 (whose last place is 1)
//     rounds to nearest even (IEEE 754 §4.3.1, the same decision as round_increment's); for rna, truncation
//     plus one when the exact remainder is >= 1/2. Rows with fp32's exponent range (bf16, tf32) need no second
//     path: fp32 subnormals are cut at the same bit. (A per-lane shift would do it in integers too, but SSE2
//     has no variable shifts, and the portable build would lose its vectorisation.)
//   * overflow, inf, NaN and the fnuz zero are selections at the end, by the row's Nonfinite / NanEncoding,
//     as the engine's overflow_result() and special_input() decide them (engine.cpp).
// Both paths are computed for every lane and one is selected, so the loop has no branches and GCC vectorises
// it. The fp32 arithmetic assumes the default environment (round to nearest even, no FTZ/DAZ), which numscope
// never changes.
//
// The decoder (code -> fp32) puts the E+M code bits at the top of an fp32 fraction and multiplies by
// 2^(127 - B): for a normal code the exponent field moves by 127 - B, for a subnormal one the fp32 denormal
// times 2^(127 - B) is the exact normal fp32 value (the magic-multiply of Eigen's half_to_float). Both are
// exact because every value of these formats is an fp32 value. Specials (inf, NaN) are selected afterwards;
// every NaN decodes to the quiet NaN 0x7fc00000 with the code's sign bit, as decode_double + encode(fp32) give.
#pragma once

#include <cstddef>  // std::size_t
#include <cstdint>  // std::uint8_t, std::uint16_t, std::uint32_t

#include "numscope/formats/engine.h"  // ConvertOptions
#include "numscope/formats/format.h"
#include "numscope/formats/round.h"
#include "numscope/support/cpu.h"

// Kernels are compiled once per instruction set with GCC/Clang target attributes (x86-64 only; other targets
// build the portable loop alone).
#if defined(__x86_64__)
#  define NUMSCOPE_FAST_X86 1
#  define NUMSCOPE_AVX2 "avx2,bmi2,fma"
// GCC keeps 512-bit vectors in these loops only when told (prefer-vector-width); clang-14 (the fuzz build) does not
// know that key and would drop the whole attribute, so it gets the feature list alone.
#  if defined(__clang__)
#    define NUMSCOPE_AVX512 "avx512f,avx512bw,avx512vl,avx512dq,bmi2"
#  else
#    define NUMSCOPE_AVX512 "avx512f,avx512bw,avx512vl,avx512dq,bmi2,prefer-vector-width=512"
#  endif
// A plain loop compiled for each of these and picked at load time (GCC/Clang ifunc).
#  define NUMSCOPE_CLONES [[gnu::target_clones("arch=x86-64-v4", "avx2", "default")]]
#else
#  define NUMSCOPE_FAST_X86 0
#  define NUMSCOPE_CLONES
#endif

namespace numscope::fast {

/// Converts n fp32 values to codes. Output elements are container_bytes(to) wide in host byte order
/// (little-endian on every supported machine): std::uint8_t for 8-bit and narrower formats (code in the low
/// bits), std::uint16_t for fp16/bf16, std::uint32_t for tf32 (its 19 bits at the top, low 13 bits zero).
using EncodeFn = void (*)(const float* in, void* out, std::size_t n);
/// Converts n codes (laid out as above) to fp32. Codes must be valid (no bits above bits(from)).
using DecodeFn = void (*)(const void* in, float* out, std::size_t n);

namespace detail {

/// Whether a row can have kernels: a signed float with subnormals whose values are all fp32 values and whose
/// largest one is below fp32's infinity (so inf lands past its max), in a container of 1, 2 or 4 bytes.
constexpr bool has_kernels(const Format& f) {
  return f.kind == Kind::kFloat && f.has_sign && f.has_subnormals && f.mantissa_bits < 23 && emin(f) >= -126 &&
         emax(f) <= 127 && container_bytes(f) <= 4 && (f.mantissa_bits > 0 || f.nan != NanEncoding::kIeee);
}

template <int Bytes> struct CodeOf;
template <> struct CodeOf<1> { using type = std::uint8_t; };
template <> struct CodeOf<2> { using type = std::uint16_t; };
template <> struct CodeOf<4> { using type = std::uint32_t; };
template <const Format& F>
using Code = typename CodeOf<container_bytes(F)>::type;

/// c ? a : b as a mask blend, so that GCC's if-conversion never sees a branch to keep.
[[gnu::always_inline]] inline std::uint32_t pick(bool c, std::uint32_t a, std::uint32_t b) {
  const std::uint32_t m = 0u - static_cast<std::uint32_t>(c);
  return (a & m) | (b & ~m);
}

/// fp32 bits -> code (in its container), as encode(F, double(x), {rne or rna, kSat}) (see the file comment).
template <const Format& F, bool kSat, bool kAway>
[[gnu::always_inline]] inline std::uint32_t encode_one(std::uint32_t x) {
  static_assert(has_kernels(F), "a kernel row is a signed float with subnormals, narrower than fp32");
  constexpr int kM = F.mantissa_bits;
  constexpr int kDrop = 23 - kM;  // fp32 fraction bits below the last bit of a normal result
  constexpr int kEmin = emin(F);
  constexpr int kShift = storage_bits(F) - bits(F);  // tf32: its 19 bits sit at the top of 32
  constexpr Rounding kMode = kAway ? Rounding::kNearestAway : Rounding::kNearestEven;
  constexpr std::uint32_t kNormalFrom = std::uint32_t(kEmin + 127) << 23;  // fp32 bits of 2^emin
  constexpr std::uint32_t kRebias = std::uint32_t(127 - F.bias) << kM;     // exponent move, in code units
  constexpr std::uint32_t kMax = static_cast<std::uint32_t>(max_finite_code(F));
  constexpr std::uint32_t kNan = static_cast<std::uint32_t>(nan_code(F));
  constexpr int kSignAt = bits(F) - 1;

  const std::uint32_t a = x & 0x7fffffffu;
  const std::uint32_t sign = (x >> 31) << kSignAt;
  // Normal result: round at bit kDrop of the fp32 bits (round.h), then move the exponent.
  const std::uint32_t mag_n = ((a + round_increment<std::uint32_t>(kMode, false, a, kDrop)) >> kDrop) - kRebias;
  std::uint32_t mag;
  if constexpr (kEmin == -126) {
    // fp32's own exponent range (bf16, tf32): an fp32 subnormal is cut at the same bit as a normal, so the
    // normal formula is the whole conversion.
    mag = mag_n;
  } else {
    // Subnormal result: n = |x| / 2^(emin - M), rounded to an integer. |x| < 2^emin, so the scaled value is
    // below 2^M <= 2^22 and exact in fp32 (a power-of-two scaling that stays in range). Lanes on the normal
    // path are clamped to 2^emin first, so no lane sees inf or NaN.
    constexpr float kToQuanta = __builtin_bit_cast(float, std::uint32_t(127 + kM - kEmin) << 23);  // 2^(M-emin)
    const std::uint32_t a_sub = a < kNormalFrom ? a : kNormalFrom;
    const float v = __builtin_bit_cast(float, a_sub) * kToQuanta;
    std::uint32_t mag_s;
    if constexpr (!kAway) {
      // v + 2^23 has a unit last place, so the add rounds v to an integer, ties to even, in the default
      // rounding mode (never changed here): its low fraction bits are rint(v).
      mag_s = __builtin_bit_cast(std::uint32_t, v + 0x1p23f) - 0x4b000000u;
    } else {
      // Ties away: truncate, then add one when the dropped part v - trunc(v) (exact) is at least 1/2.
      const auto t = static_cast<std::int32_t>(v);
      mag_s = static_cast<std::uint32_t>(t) + (v - static_cast<float>(t) >= 0.5f ? 1u : 0u);
    }
    mag = pick(a >= kNormalFrom, mag_n, mag_s);
  }

  std::uint32_t r = sign | mag;
  if constexpr (F.nan == NanEncoding::kNegativeZero) r = pick(mag == 0, 0u, r);  // fnuz: 0x80 is NaN, +0 only
  // Overflow (inf input included: its rounded magnitude is beyond every max): engine.cpp overflow_result().
  std::uint32_t ovf;
  if constexpr (kSat || F.nonfinite == Nonfinite::kFiniteOnly)
    ovf = sign | kMax;  // --saturate; MX elements always
  else if constexpr (F.nonfinite == Nonfinite::kIeee754)
    ovf = sign | (std::uint32_t(max_exponent_field(F)) << kM);  // ±inf
  else if constexpr (F.nan == NanEncoding::kNegativeZero)
    ovf = kNan;  // fnuz: its one NaN, 0x80
  else
    ovf = sign | kNan;  // S.1111.111
  r = pick(mag > kMax, ovf, r);
  // NaN input: the canonical NaN with the input's sign (fnuz: its one NaN; MX elements: 0, invalid).
  std::uint32_t nan = 0;
  if constexpr (F.nan == NanEncoding::kNegativeZero)
    nan = kNan;
  else if constexpr (F.nan != NanEncoding::kNone)
    nan = sign | kNan;
  r = pick(a > 0x7f800000u, nan, r);
  return r << kShift;
}

/// Code (in its container) -> fp32 bits, as encode(fp32, decode_double(F, code)) (see the file comment).
template <const Format& F>
[[gnu::always_inline]] inline std::uint32_t decode_one(std::uint32_t code) {
  static_assert(has_kernels(F), "a kernel row is a signed float with subnormals, narrower than fp32");
  constexpr int kM = F.mantissa_bits;
  constexpr int kW = F.exponent_bits + kM;
  constexpr std::uint32_t kMagMask = (1u << kW) - 1;
  constexpr std::uint32_t kQuietNan = 0x7fc00000u;  // the quiet NaN encode(fp32) writes, with the code's sign
  code >>= storage_bits(F) - bits(F);
  if constexpr (F.exponent_bits == 8 && F.bias == 127 && F.nonfinite == Nonfinite::kIeee754) {
    // bf16, tf32: the code is the top of its fp32 bits, subnormals, inf and sign included; only a NaN changes,
    // to the quiet NaN. Said this directly (a shift and a blend), the loop takes half the time of the general one.
    const std::uint32_t x = code << (32 - bits(F));
    return pick((x & 0x7fffffffu) > 0x7f800000u, (x & 0x80000000u) | kQuietNan, x);
  }
  const std::uint32_t sign = ((code >> kW) & 1u) << 31;
  const std::uint32_t mag = code & kMagMask;
  std::uint32_t out;
  if constexpr (F.exponent_bits == 8 && F.bias == 127) {
    out = mag << (23 - kM);  // bf16 / tf32: already fp32's exponent, subnormals included
  } else {
    constexpr float kScale = __builtin_bit_cast(float, std::uint32_t(254 - F.bias) << 23);  // 2^(127 - B)
    out = __builtin_bit_cast(std::uint32_t, __builtin_bit_cast(float, mag << (23 - kM)) * kScale);
  }
  out |= sign;
  if constexpr (F.nonfinite == Nonfinite::kIeee754) {
    constexpr std::uint32_t kExpAll = std::uint32_t(max_exponent_field(F)) << kM;
    const std::uint32_t inf_or_nan = sign | pick((mag & ((1u << kM) - 1)) != 0, kQuietNan, 0x7f800000u);
    out = pick((mag & kExpAll) == kExpAll, inf_or_nan, out);
  } else if constexpr (F.nan == NanEncoding::kAllOnes) {
    out = pick(mag == kMagMask, sign | kQuietNan, out);
  } else if constexpr (F.nan == NanEncoding::kNegativeZero) {
    out = pick(code == (1u << kW), sign | kQuietNan, out);
  }
  return out;
}

template <const Format& F, bool kSat, bool kAway>
[[gnu::always_inline]] inline void encode_loop(const float* __restrict in, void* __restrict out_v, std::size_t n) {
  using T = Code<F>;
  T* __restrict out = static_cast<T*>(out_v);
  const std::uint32_t* __restrict bits_in = reinterpret_cast<const std::uint32_t*>(in);  // fp32 bit patterns
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<T>(encode_one<F, kSat, kAway>(bits_in[i]));
}

template <const Format& F>
[[gnu::always_inline]] inline void decode_loop(const void* __restrict in_v, float* __restrict out, std::size_t n) {
  using T = Code<F>;
  const T* __restrict in = static_cast<const T*>(in_v);
  std::uint32_t* __restrict bits_out = reinterpret_cast<std::uint32_t*>(out);
  for (std::size_t i = 0; i < n; ++i) bits_out[i] = decode_one<F>(in[i]);
}

// One instantiation per row, policy and instruction set; the always_inline loop takes the caller's target.
template <const Format& F, bool kSat, bool kAway>
void enc_portable(const float* in, void* out, std::size_t n) { encode_loop<F, kSat, kAway>(in, out, n); }
template <const Format& F>
void dec_portable(const void* in, float* out, std::size_t n) { decode_loop<F>(in, out, n); }
#if NUMSCOPE_FAST_X86
template <const Format& F, bool kSat, bool kAway>
[[gnu::target(NUMSCOPE_AVX2)]] void enc_avx2(const float* in, void* out, std::size_t n) {
  encode_loop<F, kSat, kAway>(in, out, n);
}
template <const Format& F, bool kSat, bool kAway>
[[gnu::target(NUMSCOPE_AVX512)]] void enc_avx512(const float* in, void* out, std::size_t n) {
  encode_loop<F, kSat, kAway>(in, out, n);
}
template <const Format& F>
[[gnu::target(NUMSCOPE_AVX2)]] void dec_avx2(const void* in, float* out, std::size_t n) { decode_loop<F>(in, out, n); }
template <const Format& F>
[[gnu::target(NUMSCOPE_AVX512)]] void dec_avx512(const void* in, float* out, std::size_t n) {
  decode_loop<F>(in, out, n);
}
#endif

}  // namespace detail

/// The kernels of one row: the encoder for round to nearest even or away, with or without --saturate, and the
/// decoder, for an instruction set (nullptr for one the build lacks; the caller checks isa_supported).
/// Example: RowKernels<kE4m3>::encoder({}, best_isa())(in, out, n) writes what encode(kE4m3, double(in[i])) would.
template <const Format& F>
struct RowKernels {
  static EncodeFn encoder(bool saturate, bool away, Isa isa) {
    using namespace detail;
    const int k = (saturate ? 2 : 0) + (away ? 1 : 0);
    constexpr EncodeFn kPortable[4] = {enc_portable<F, false, false>, enc_portable<F, false, true>,
                                       enc_portable<F, true, false>, enc_portable<F, true, true>};
#if NUMSCOPE_FAST_X86
    constexpr EncodeFn kAvx2[4] = {enc_avx2<F, false, false>, enc_avx2<F, false, true>, enc_avx2<F, true, false>,
                                   enc_avx2<F, true, true>};
    constexpr EncodeFn kAvx512[4] = {enc_avx512<F, false, false>, enc_avx512<F, false, true>,
                                     enc_avx512<F, true, false>, enc_avx512<F, true, true>};
    if (isa == Isa::kAvx2) return kAvx2[k];
    if (isa == Isa::kAvx512) return kAvx512[k];
#endif
    return isa == Isa::kPortable ? kPortable[k] : nullptr;
  }
  static EncodeFn encoder(const ConvertOptions& opt, Isa isa) {
    if (opt.ftz || (opt.rounding != Rounding::kNearestEven && opt.rounding != Rounding::kNearestAway)) return nullptr;
    return encoder(opt.saturate, opt.rounding == Rounding::kNearestAway, isa);
  }
  static DecodeFn decoder(Isa isa) {
    using namespace detail;
#if NUMSCOPE_FAST_X86
    if (isa == Isa::kAvx2) return dec_avx2<F>;
    if (isa == Isa::kAvx512) return dec_avx512<F>;
#endif
    return isa == Isa::kPortable ? dec_portable<F> : nullptr;
  }
};

}  // namespace numscope::fast
