// Fast fp32 <-> ML-format kernels (branch-free integer code, vectorised per instruction set), the CPU's own
// conversion instructions as baselines, and the exhaustive sweep against the reference engine.
//
// How the encoder works (fp32 bits -> code), for a row with E exponent bits, M stored mantissa bits and bias
// B, emin = 1 - B (format.h). fp32 (IEEE 754 §3.4) is   S EEEEEEEE MMMMMMMMMMMMMMMMMMMMMMM
//   * |x| >= 2^emin (a normal result): the target code is fp32's own bits with the fraction cut to M bits and
//     the exponent field moved by 127 - B. Cutting rounds by adding, before the shift by D = 23 - M,
//         rne: 2^(D-1) - 1 + (the bit that becomes the last kept one)     (a tie rounds up only when it is
//         odd) rna: 2^(D-1)                                                     (a tie always rounds up)
//     S EEEEEEEE MMMMMMM|LRTTTTTTTTTTTTTTT   L: last kept bit, R: round bit, T: sticky bits
//     A carry out of the fraction moves into the exponent field, which is the next binade, and past the
//     largest finite code it is an overflow (IEEE 754 §7.4: decided after rounding, OFP8 §5: E4M3 464 -> 448,
//     480 -> NaN).
//   * |x| < 2^emin (a subnormal or zero result): the quantum is 2^(emin - M); |x| / 2^(emin - M) < 2^M is
//     exact in fp32 and is rounded to an integer with fp32 arithmetic: adding 2^23 (whose last place is 1)
//     rounds to nearest even; for rna, truncation plus one when the exact remainder is >= 1/2. Rows with
//     fp32's exponent range (bf16, tf32) need no second path: fp32 subnormals are cut at the same bit.
//   * overflow, inf, NaN and the fnuz zero are selections at the end, by the row's Nonfinite / NanEncoding,
//     as the engine's overflow_result() and special_input() decide them (engine.cpp).
// Both paths are computed for every lane and one is selected, so the loop has no branches and GCC vectorises
// it. The fp32 arithmetic assumes the default environment (round to nearest even, no FTZ/DAZ), which numscope
// never changes.
//
// The decoder (code -> fp32) puts the E+M code bits at the top of an fp32 fraction and multiplies by
// 2^(127 - B): for a normal code the exponent field moves by 127 - B, for a subnormal one the fp32 denormal
// times 2^(127 - B) is the exact normal fp32 value (the magic-multiply of Eigen's half_to_float). Both are
// exact because every value of these formats is an fp32 value. Assumes the default FP environment (no
// FTZ/DAZ, which the project never sets). Specials (inf, NaN) are selected afterwards; every NaN decodes to
// the quiet NaN 0x7fc00000 with the code's sign bit, as decode_double + encode(fp32) give.
#include "numscope/formats/fast/convert.h"
#include "numscope/support/parallel.h"

#include <cpuid.h>  // __get_cpuid, __get_cpuid_count

#include <immintrin.h>  // F16C, AVX-512 BF16 intrinsics for the hardware baselines

#include <algorithm>  // std::min, std::max
#include <array>      // std::array
#include <atomic>     // std::atomic
#include <bit>        // std::bit_cast, std::endian
#include <cstring>    // std::memcpy
#include <cstdlib>    // std::getenv
#include <mutex>      // std::mutex
#include <optional>   // std::optional
#include <stdexcept>  // std::logic_error
#include <thread>     // std::thread
#include <utility>    // std::index_sequence

namespace numscope {
namespace {
/// F16C (CPUID.1:ECX bit 29) and AVX512_BF16 (CPUID.(7,1):EAX bit 5), read with cpuid: clang 14's
/// __builtin_cpu_supports does not know these names. Both need the OS to save AVX state, which "avx" and
/// "avx512f" confirm.
bool cpu_has_f16c() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  return __get_cpuid(1, &a, &b, &c, &d) && ((c >> 29) & 1) && __builtin_cpu_supports("avx");
}
bool cpu_has_avx512bf16() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  return __get_cpuid_count(7, 1, &a, &b, &c, &d) && ((a >> 5) & 1) && __builtin_cpu_supports("avx512f");
}
}  // namespace
}  // namespace numscope

namespace numscope::fast {
namespace {

// ---- The rows the kernels are instantiated on
// ---------------------------------------------------------------

/// The defining fields of a float row (format.h), as a structural type usable as a template argument.
struct Shape {
  int e, m, bias;
  Nonfinite nf;
  NanEncoding nan;
  int shift;  // container bits below the code: tf32 keeps its 19 bits at the top of 32 (13), else 0
};

/// The Format row with these fields: every constant of a kernel is derived from it by format.h's functions.
constexpr Format row_of(Shape s) {
  Format f;
  f.exponent_bits = s.e;
  f.mantissa_bits = s.m;
  f.bias = s.bias;
  f.nonfinite = s.nf;
  f.nan = s.nan;
  f.storage_override = s.shift ? 1 + s.e + s.m + s.shift : 0;
  return f;
}

using N = Nonfinite;
using NE = NanEncoding;
// The same fields as the registry's rows (registry.cpp); a Format with equal fields uses the kernel.
constexpr Shape kShapes[] = {
    {5, 10, 15, N::kIeee754, NE::kIeee, 0},         // fp16: S1E5M10, max 65504
    {8, 7, 127, N::kIeee754, NE::kIeee, 0},         // bf16: S1E8M7
    {8, 10, 127, N::kIeee754, NE::kIeee, 13},       // tf32: S1E8M10 in a 32-bit container
    {5, 2, 15, N::kIeee754, NE::kIeee, 0},          // e5m2: OFP8, max 57344
    {4, 3, 7, N::kNanOnly, NE::kAllOnes, 0},        // e4m3 (fn): OFP8, NaN = S.1111.111, max 448
    {4, 3, 8, N::kNanOnly, NE::kNegativeZero, 0},   // e4m3fnuz: NaN = 0x80, max 240
    {5, 2, 16, N::kNanOnly, NE::kNegativeZero, 0},  // e5m2fnuz: NaN = 0x80, max 57344
    {4, 3, 11, N::kNanOnly, NE::kNegativeZero, 0},  // e4m3b11fnuz: NaN = 0x80, max 30
    {4, 3, 7, N::kIeee754, NE::kIeee, 0},           // e4m3-ieee: with inf, max 240
    {3, 4, 3, N::kIeee754, NE::kIeee, 0},           // e3m4: with inf, max 15.5
    {3, 2, 3, N::kFiniteOnly, NE::kNone, 0},        // e3m2: OCP MX FP6, max 28
    {2, 3, 1, N::kFiniteOnly, NE::kNone, 0},        // e2m3: OCP MX FP6, max 7.5
    {2, 1, 1, N::kFiniteOnly, NE::kNone, 0},        // e2m1: OCP MX FP4, max 6
};
constexpr std::size_t kNumShapes = std::size(kShapes);
static_assert(max_finite_code(row_of(kShapes[0])) == 0x7bff);  // 0b0'11110'1111111111 = 65504
static_assert(max_finite_code(row_of(kShapes[4])) == 0x7e);    // 0b0'1111'110 = 1.75 · 2^8 = 448
static_assert(max_finite_code(row_of(kShapes[12])) == 0x7);    // 0b0'11'1 = 1.5 · 2^2 = 6

/// engine.h's nan_code(), which is not constexpr, by its documented rule: IEEE quiet NaN (exponent all ones,
/// top mantissa bit), all ones (S.1111.111 with S = 0), or 100..0 (fnuz). The unit tests compare the results.
constexpr std::uint32_t nan_code_of(const Format& f) {
  switch (f.nan) {
    case NE::kIeee:
      return (std::uint32_t(max_exponent_field(f)) << f.mantissa_bits) | (1u << (f.mantissa_bits - 1));
    case NE::kAllOnes:
      return static_cast<std::uint32_t>(mask_bits(f.exponent_bits + f.mantissa_bits));
    case NE::kNegativeZero:
      return static_cast<std::uint32_t>(sign_bit(f));
    case NE::kNone:
      return 0;
  }
  return 0;
}

template <int Bytes>
struct CodeOf;
template <>
struct CodeOf<1> {
  using type = std::uint8_t;
};
template <>
struct CodeOf<2> {
  using type = std::uint16_t;
};
template <>
struct CodeOf<4> {
  using type = std::uint32_t;
};
template <Shape S>
using Code = typename CodeOf<container_bytes(row_of(S))>::type;

// ---- The element kernels ----------------------------------------------------------------------------------

/// c ? a : b as a mask blend, so that GCC's if-conversion never sees a branch to keep.
[[gnu::always_inline]] inline std::uint32_t pick(bool c, std::uint32_t a, std::uint32_t b) {
  const std::uint32_t m = 0u - static_cast<std::uint32_t>(c);
  return (a & m) | (b & ~m);
}

/// fp32 bits -> code (in its container), as encode(row, double(x), {rne or rna, kSat}) (see the file
/// comment).
template <Shape S, bool kSat, bool kAway>
[[gnu::always_inline]] inline std::uint32_t encode_one(std::uint32_t x) {
  constexpr Format kRow = row_of(S);
  constexpr int kDrop = 23 - S.m;  // fp32 fraction bits below the last bit of a normal result
  constexpr int kEmin = emin(kRow);
  static_assert(S.m < 23 && kEmin + 127 >= 1 && S.bias <= 127, "the target must be narrower than fp32");
  constexpr std::uint32_t kNormalFrom = std::uint32_t(kEmin + 127) << 23;  // fp32 bits of 2^emin
  constexpr std::uint32_t kRebias = std::uint32_t(127 - S.bias) << S.m;    // exponent move, in code units
  constexpr std::uint32_t kMax = static_cast<std::uint32_t>(max_finite_code(kRow));
  constexpr int kSignAt = bits(kRow) - 1;
  constexpr std::uint32_t kHalfN = 1u << (kDrop - 1);

  const std::uint32_t a = x & 0x7fffffffu;
  const std::uint32_t sign = (x >> 31) << kSignAt;
  // Normal result: round at bit kDrop of the fp32 bits, then move the exponent.
  const std::uint32_t add_n = kAway ? kHalfN : kHalfN - 1 + ((a >> kDrop) & 1);
  const std::uint32_t mag_n = ((a + add_n) >> kDrop) - kRebias;
  std::uint32_t mag;
  if constexpr (kEmin == -126) {
    // fp32's own exponent range (bf16, tf32): an fp32 subnormal is cut at the same bit as a normal, so the
    // normal formula is the whole conversion.
    mag = mag_n;
  } else {
    // Subnormal result: n = |x| / 2^(emin - M), rounded to an integer. |x| < 2^emin, so the scaled value is
    // below 2^M <= 2^10 and exact in fp32 (a power-of-two scaling that stays in range). Lanes on the normal
    // path are clamped to 2^emin first, so no lane sees inf or NaN.
    constexpr float kToQuanta =
        __builtin_bit_cast(float, std::uint32_t(127 + S.m - kEmin) << 23);  // 2^(M-emin)
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
  if constexpr (S.nan == NE::kNegativeZero) r = pick(mag == 0, 0u, r);  // fnuz: 0x80 is NaN, zero is +0 only
  // Overflow (inf input included: its rounded magnitude is beyond every max): engine.cpp overflow_result().
  std::uint32_t ovf;
  if constexpr (kSat || S.nf == N::kFiniteOnly)
    ovf = sign | kMax;  // --saturate; MX elements always
  else if constexpr (S.nf == N::kIeee754)
    ovf = sign | (std::uint32_t(max_exponent_field(kRow)) << S.m);  // ±inf
  else if constexpr (S.nan == NE::kNegativeZero)
    ovf = std::uint32_t(sign_bit(kRow));  // fnuz NaN 0x80
  else
    ovf = sign | nan_code_of(kRow);  // S.1111.111
  r = pick(mag > kMax, ovf, r);
  // NaN input: the canonical NaN with the input's sign (fnuz: its one NaN; MX elements: 0, invalid).
  std::uint32_t nan = 0;
  if constexpr (S.nan == NE::kNegativeZero)
    nan = nan_code_of(kRow);
  else if constexpr (S.nan != NE::kNone)
    nan = sign | nan_code_of(kRow);
  r = pick(a > 0x7f800000u, nan, r);
  return r << S.shift;
}

/// Code (in its container) -> fp32 bits, as encode(fp32, decode_double(row, code)) (see the file comment).
template <Shape S>
[[gnu::always_inline]] inline std::uint32_t decode_one(std::uint32_t code) {
  constexpr int kW = S.e + S.m;
  constexpr std::uint32_t kMagMask = (1u << kW) - 1;
  constexpr std::uint32_t kNan = 0x7fc00000u;  // the quiet NaN encode(fp32) writes, with the code's sign
  code >>= S.shift;
  const std::uint32_t sign = ((code >> kW) & 1u) << 31;
  const std::uint32_t mag = code & kMagMask;
  std::uint32_t out;
  if constexpr (S.e == 8 && S.bias == 127) {
    out = mag << (23 - S.m);  // bf16 / tf32: already fp32's exponent, subnormals included
  } else {
    constexpr float kScale = __builtin_bit_cast(float, std::uint32_t(254 - S.bias) << 23);  // 2^(127 - B)
    out = __builtin_bit_cast(std::uint32_t, __builtin_bit_cast(float, mag << (23 - S.m)) * kScale);
  }
  out |= sign;
  if constexpr (S.nf == N::kIeee754) {
    constexpr std::uint32_t kExpAll = std::uint32_t((1 << S.e) - 1) << S.m;
    const std::uint32_t inf_or_nan = sign | pick((mag & ((1u << S.m) - 1)) != 0, kNan, 0x7f800000u);
    out = pick((mag & kExpAll) == kExpAll, inf_or_nan, out);
  } else if constexpr (S.nan == NE::kAllOnes) {
    out = pick(mag == kMagMask, sign | kNan, out);
  } else if constexpr (S.nan == NE::kNegativeZero) {
    out = pick(code == (1u << kW), sign | kNan, out);
  }
  return out;
}

template <Shape S, bool kSat, bool kAway>
[[gnu::always_inline]] inline void encode_loop(const float* __restrict in, void* __restrict out_v,
                                               std::size_t n) {
  using T = Code<S>;
  T* __restrict out = static_cast<T*>(out_v);
  const std::uint32_t* __restrict bits_in = reinterpret_cast<const std::uint32_t*>(in);  // fp32 bit patterns
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<T>(encode_one<S, kSat, kAway>(bits_in[i]));
}

template <Shape S>
[[gnu::always_inline]] inline void decode_loop(const void* __restrict in_v, float* __restrict out,
                                               std::size_t n) {
  using T = Code<S>;
  const T* __restrict in = static_cast<const T*>(in_v);
  std::uint32_t* __restrict bits_out = reinterpret_cast<std::uint32_t*>(out);
  for (std::size_t i = 0; i < n; ++i) bits_out[i] = decode_one<S>(in[i]);
}

// One instantiation per row, policy and instruction set. The always_inline loop takes the caller's target.
#define NUMSCOPE_AVX2 "avx2,bmi2,fma"
#define NUMSCOPE_AVX512 "avx512f,avx512bw,avx512vl,avx512dq,bmi2,prefer-vector-width=512"

template <std::size_t I, bool kSat, bool kAway>
void enc_portable(const float* in, void* out, std::size_t n) {
  encode_loop<kShapes[I], kSat, kAway>(in, out, n);
}
template <std::size_t I, bool kSat, bool kAway>
[[gnu::target(NUMSCOPE_AVX2)]] void enc_avx2(const float* in, void* out, std::size_t n) {
  encode_loop<kShapes[I], kSat, kAway>(in, out, n);
}
template <std::size_t I, bool kSat, bool kAway>
[[gnu::target(NUMSCOPE_AVX512)]] void enc_avx512(const float* in, void* out, std::size_t n) {
  encode_loop<kShapes[I], kSat, kAway>(in, out, n);
}
template <std::size_t I>
void dec_portable(const void* in, float* out, std::size_t n) {
  decode_loop<kShapes[I]>(in, out, n);
}
template <std::size_t I>
[[gnu::target(NUMSCOPE_AVX2)]] void dec_avx2(const void* in, float* out, std::size_t n) {
  decode_loop<kShapes[I]>(in, out, n);
}
template <std::size_t I>
[[gnu::target(NUMSCOPE_AVX512)]] void dec_avx512(const void* in, float* out, std::size_t n) {
  decode_loop<kShapes[I]>(in, out, n);
}

/// [isa][sat][away] for one row.
using EncodeRow = std::array<std::array<std::array<EncodeFn, 2>, 2>, 3>;
template <std::size_t I>
constexpr EncodeRow encode_row() {
  return {{{{{enc_portable<I, false, false>, enc_portable<I, false, true>},
             {enc_portable<I, true, false>, enc_portable<I, true, true>}}},
           {{{enc_avx2<I, false, false>, enc_avx2<I, false, true>},
             {enc_avx2<I, true, false>, enc_avx2<I, true, true>}}},
           {{{enc_avx512<I, false, false>, enc_avx512<I, false, true>},
             {enc_avx512<I, true, false>, enc_avx512<I, true, true>}}}}};
}
template <std::size_t... I>
constexpr std::array<EncodeRow, kNumShapes> encode_table(std::index_sequence<I...>) {
  return {encode_row<I>()...};
}
template <std::size_t... I>
constexpr std::array<std::array<DecodeFn, 3>, kNumShapes> decode_table(std::index_sequence<I...>) {
  return {{{dec_portable<I>, dec_avx2<I>, dec_avx512<I>}...}};
}
constexpr auto kEncoders = encode_table(std::make_index_sequence<kNumShapes>{});
constexpr auto kDecoders = decode_table(std::make_index_sequence<kNumShapes>{});

/// The kernel row for a Format, or -1.
int shape_index(const Format& f) {
  if constexpr (std::endian::native != std::endian::little)
    return -1;  // containers are little-endian streams
  if (f.kind != Kind::kFloat || !f.has_sign || !f.has_subnormals) return -1;
  const int shift = storage_bits(f) - bits(f);
  for (std::size_t i = 0; i < kNumShapes; ++i) {
    const Shape& s = kShapes[i];
    if (s.e == f.exponent_bits && s.m == f.mantissa_bits && s.bias == f.bias && s.nf == f.nonfinite &&
        s.nan == f.nan && s.shift == shift)
      return static_cast<int>(i);
  }
  return -1;
}

// ---- The CPU's conversion instructions
// ----------------------------------------------------------------------

[[gnu::target("avx,f16c")]] void f16c_encode(const float* in, void* out_v, std::size_t n) {
  auto* out = static_cast<std::uint16_t*>(out_v);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i),
                     _mm256_cvtps_ph(_mm256_loadu_ps(in + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
  if (i < n) {  // the tail through a padded block
    alignas(32) float t[8] = {};
    alignas(16) std::uint16_t h[8];
    std::memcpy(t, in + i, (n - i) * sizeof(float));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(h),
                     _mm256_cvtps_ph(_mm256_load_ps(t), _MM_FROUND_TO_NEAREST_INT));
    std::memcpy(out + i, h, (n - i) * sizeof(std::uint16_t));
  }
}

[[gnu::target("avx,f16c")]] void f16c_decode(const void* in_v, float* out, std::size_t n) {
  const auto* in = static_cast<const std::uint16_t*>(in_v);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(out + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i))));
  if (i < n) {
    alignas(16) std::uint16_t h[8] = {};
    alignas(32) float t[8];
    std::memcpy(h, in + i, (n - i) * sizeof(std::uint16_t));
    _mm256_store_ps(t, _mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(h))));
    std::memcpy(out + i, t, (n - i) * sizeof(float));
  }
}

[[gnu::target("avx512f,avx512bf16")]] void bf16_encode(const float* in, void* out_v, std::size_t n) {
  auto* out = static_cast<std::uint16_t*>(out_v);
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256bh v = _mm512_cvtneps_pbh(_mm512_loadu_ps(in + i));
    std::memcpy(out + i, &v, sizeof v);
  }
  if (i < n) {
    alignas(64) float t[16] = {};
    std::memcpy(t, in + i, (n - i) * sizeof(float));
    const __m256bh v = _mm512_cvtneps_pbh(_mm512_load_ps(t));
    std::memcpy(out + i, &v, (n - i) * sizeof(std::uint16_t));
  }
}

// fp16 through F16C, corrected to the engine's bits (the fast path for fp32 -> fp16 rne where the CPU has
// it): vcvtps2ph rounds to nearest even like the engine, subnormals included, but keeps NaN payloads
// (S.11111.1pppppppppp: the engine writes S.11111.1000000000) and has no saturation (inf ->
// S.11110.1111111111).
[[gnu::always_inline, gnu::target("avx2,f16c")]] inline __m128i fp16_fixup(__m128i h, bool saturate) {
  const __m128i abs_mask = _mm_set1_epi16(0x7fff), inf = _mm_set1_epi16(0x7c00);
  const __m128i mag = _mm_and_si128(h, abs_mask), sign = _mm_andnot_si128(abs_mask, h);
  h = _mm_blendv_epi8(h, _mm_or_si128(sign, _mm_set1_epi16(0x7e00)), _mm_cmpgt_epi16(mag, inf));  // NaN
  if (saturate) h = _mm_blendv_epi8(h, _mm_or_si128(sign, _mm_set1_epi16(0x7bff)), _mm_cmpeq_epi16(mag, inf));
  return h;
}
template <bool kSat>
[[gnu::target("avx2,f16c")]] void fp16_f16c(const float* in, void* out_v, std::size_t n) {
  auto* out = static_cast<std::uint16_t*>(out_v);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(in + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), fp16_fixup(h, kSat));
  }
  const std::uint32_t* bits_in = reinterpret_cast<const std::uint32_t*>(in);
  for (; i < n; ++i) out[i] = static_cast<std::uint16_t>(encode_one<kShapes[0], kSat, false>(bits_in[i]));
}

// fp16 -> fp32 through F16C: vcvtph2ps is exact (subnormals included) but keeps NaN payloads; the engine
// writes the quiet NaN S.11111111.10000000000000000000000.
[[gnu::target("avx2,f16c")]] void fp16_decode_f16c(const void* in_v, float* out, std::size_t n) {
  const auto* in = static_cast<const std::uint16_t*>(in_v);
  const __m256i abs_mask = _mm256_set1_epi32(0x7fffffff), inf = _mm256_set1_epi32(0x7f800000);
  const __m256i qnan = _mm256_set1_epi32(0x7fc00000);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i f =
        _mm256_castps_si256(_mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i))));
    const __m256i mag = _mm256_and_si256(f, abs_mask);
    const __m256i canon = _mm256_or_si256(_mm256_andnot_si256(abs_mask, f), qnan);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i),
                        _mm256_blendv_epi8(f, canon, _mm256_cmpgt_epi32(mag, inf)));
  }
  auto* bits_out = reinterpret_cast<std::uint32_t*>(out);
  for (; i < n; ++i) bits_out[i] = decode_one<kShapes[0]>(in[i]);
}

// ---- Threads
// ------------------------------------------------------------------------------------------------

/// Runs fn(begin, end) over [0, n) on up to core_count() threads when total_bytes > kParallelBytes.
template <class Fn>
void split(std::size_t n, std::size_t total_bytes, Fn fn) {
  const unsigned cores = core_count();
  if (total_bytes <= kParallelBytes || cores < 2) {
    fn(std::size_t{0}, n);
    return;
  }
  std::size_t per = (n + cores - 1) / cores;
  per = (per + 63) & ~std::size_t{63};  // whole cache lines of every element size
  std::vector<std::thread> pool;
  for (std::size_t b = per; b < n; b += per) pool.emplace_back(fn, b, std::min(n, b + per));
  fn(std::size_t{0}, std::min(n, per));
  for (auto& t : pool) t.join();
}

// ---- Comparison loops of the sweep (vectorised per CPU by target_clones)
// -----------------------------------

[[gnu::target_clones("arch=x86-64-v4", "avx2", "default")]] std::size_t count_ne8(const std::uint8_t* p,
                                                                                  std::size_t n,
                                                                                  std::uint8_t v) {
  std::size_t c = 0;
  for (std::size_t i = 0; i < n; ++i) c += p[i] != v;
  return c;
}
[[gnu::target_clones("arch=x86-64-v4", "avx2", "default")]] std::size_t count_ne16(const std::uint16_t* p,
                                                                                   std::size_t n,
                                                                                   std::uint16_t v) {
  std::size_t c = 0;
  for (std::size_t i = 0; i < n; ++i) c += p[i] != v;
  return c;
}
[[gnu::target_clones("arch=x86-64-v4", "avx2", "default")]] std::size_t count_ne32(const std::uint32_t* p,
                                                                                   std::size_t n,
                                                                                   std::uint32_t v) {
  std::size_t c = 0;
  for (std::size_t i = 0; i < n; ++i) c += p[i] != v;
  return c;
}
[[gnu::target_clones("arch=x86-64-v4", "avx2", "default")]] void iota_bits(std::uint32_t* p, std::size_t n,
                                                                           std::uint32_t first) {
  for (std::size_t i = 0; i < n; ++i) p[i] = first + static_cast<std::uint32_t>(i);
}

std::uint32_t load_code(const void* p, std::size_t i, int bytes) {
  switch (bytes) {
    case 1:
      return static_cast<const std::uint8_t*>(p)[i];
    case 2:
      return static_cast<const std::uint16_t*>(p)[i];
    default:
      return static_cast<const std::uint32_t*>(p)[i];
  }
}
std::size_t count_ne(const void* p, std::size_t n, std::uint32_t v, int bytes) {
  switch (bytes) {
    case 1:
      return count_ne8(static_cast<const std::uint8_t*>(p), n, static_cast<std::uint8_t>(v));
    case 2:
      return count_ne16(static_cast<const std::uint16_t*>(p), n, static_cast<std::uint16_t>(v));
    default:
      return count_ne32(static_cast<const std::uint32_t*>(p), n, v);
  }
}

bool is_nan_code(const Format& f, std::uint32_t container_code) {
  const int shift = storage_bits(f) - bits(f);
  return decode(f, container_code >> shift).cls == ValueClass::kNan;
}

constexpr std::size_t kMaxReported = 8;

}  // namespace

// ---- Public
// -------------------------------------------------------------------------------------------------

bool isa_supported(Isa isa) {
  switch (isa) {
    case Isa::kPortable:
      return true;
    case Isa::kAvx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi2") &&
             __builtin_cpu_supports("fma");
    case Isa::kAvx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
             __builtin_cpu_supports("bmi2");
  }
  return false;
}

Isa best_isa() {
  static const Isa best = [] {
    Isa b = isa_supported(Isa::kAvx512) ? Isa::kAvx512 : isa_supported(Isa::kAvx2) ? Isa::kAvx2 : Isa::kPortable;
    const std::optional<Isa> cap = isa_cap();
    return cap && *cap < b ? *cap : b;
  }();
  return best;
}

std::optional<Isa> isa_cap() {
  const char* e = std::getenv("NUMSCOPE_ISA");
  if (!e) return std::nullopt;
  for (Isa isa : {Isa::kPortable, Isa::kAvx2, Isa::kAvx512})
    if (isa_name(isa) == e) return isa;
  return std::nullopt;
}
bool isa_cap_valid() {
  const char* e = std::getenv("NUMSCOPE_ISA");
  return !e || isa_cap().has_value();
}

std::string_view isa_name(Isa isa) {
  switch (isa) {
    case Isa::kPortable:
      return "portable";
    case Isa::kAvx2:
      return "avx2";
    case Isa::kAvx512:
      return "avx512";
  }
  return "?";
}

namespace {
/// fp32 -> fp16 rne on a CPU with F16C: the instruction plus fix-ups (fp16_f16c) instead of the generic
/// kernel.
bool uses_f16c(int shape, const ConvertOptions& opt, Isa isa) {
  return shape == 0 && isa != Isa::kPortable && opt.rounding == Rounding::kNearestEven &&
         cpu_has_f16c() && __builtin_cpu_supports("avx2");
}
}  // namespace

std::string_view kernel_name(const Format& to, const ConvertOptions& opt, Isa isa) {
  return uses_f16c(shape_index(to), opt, isa) ? "f16c" : isa_name(isa);
}

EncodeFn encoder(const Format& to, const ConvertOptions& opt, Isa isa) {
  const int i = shape_index(to);
  if (i < 0 || opt.ftz || !isa_supported(isa)) return nullptr;
  if (opt.rounding != Rounding::kNearestEven && opt.rounding != Rounding::kNearestAway) return nullptr;
  if (uses_f16c(i, opt, isa)) return opt.saturate ? fp16_f16c<true> : fp16_f16c<false>;
  return kEncoders[static_cast<std::size_t>(i)][static_cast<int>(isa)][opt.saturate ? 1 : 0]
                  [opt.rounding == Rounding::kNearestAway ? 1 : 0];
}

DecodeFn decoder(const Format& from, const ConvertOptions& opt, Isa isa) {
  const int i = shape_index(from);
  if (i < 0 || opt.ftz || !isa_supported(isa)) return nullptr;
  if (i == 0 && isa != Isa::kPortable && cpu_has_f16c() && __builtin_cpu_supports("avx2"))
    return fp16_decode_f16c;
  return kDecoders[static_cast<std::size_t>(i)][static_cast<int>(isa)];
}

void encode_parallel(EncodeFn fn, const float* in, void* out, std::size_t n, int out_bytes) {
  split(n, n * sizeof(float), [&](std::size_t b, std::size_t e) {
    fn(in + b, static_cast<unsigned char*>(out) + b * static_cast<std::size_t>(out_bytes), e - b);
  });
}

void decode_parallel(DecodeFn fn, const void* in, float* out, std::size_t n, int in_bytes) {
  split(n, n * static_cast<std::size_t>(in_bytes), [&](std::size_t b, std::size_t e) {
    fn(static_cast<const unsigned char*>(in) + b * static_cast<std::size_t>(in_bytes), out + b, e - b);
  });
}

bool codes_valid(const Format& f, const void* in, std::size_t n) {
  if (container_bytes(f) != 1 || bits(f) >= 8)
    return true;                                         // 16-bit codes fill their container; tf32 ignores
  const auto* p = static_cast<const std::uint8_t*>(in);  // its low bits
  const std::uint8_t high = static_cast<std::uint8_t>(~((1u << bits(f)) - 1));
  std::uint8_t any = 0;
  for (std::size_t i = 0; i < n; ++i) any |= p[i];
  return (any & high) == 0;
}

Hardware hardware(const Format& f) {
  Hardware h;
  const int i = shape_index(f);
  if (i == 0 && cpu_has_f16c() && __builtin_cpu_supports("avx")) {
    h.name = "F16C vcvtps2ph/vcvtph2ps";
    h.encode = f16c_encode;
    h.decode = f16c_decode;
  } else if (i == 1 && cpu_has_avx512bf16() && __builtin_cpu_supports("avx512f")) {
    h.name = "AVX-512 BF16 vcvtneps2bf16";
    h.encode = bf16_encode;
    h.daz = true;
  }
  return h;
}

void SweepResult::merge(const SweepResult& o) {
  inputs += o.inputs;
  mismatches += o.mismatches;
  hw_checked += o.hw_checked;
  hw_mismatches += o.hw_mismatches;
  hw_excluded += o.hw_excluded;
  for (const Mismatch& m : o.first)
    if (first.size() < kMaxReported) first.push_back(m);
}

// ---- The exhaustive sweep
// -------------------------------------------------------------------------------------
//
// Why the engine needs one call per class, not per input. For a finite nonzero fp32 x with exponent field F
// and 24-bit significand g (hidden bit included), encode(double) in engine.cpp computes e = floor(log2 |x|),
// returns overflow_result(sign) outright when e > emax (independent of g), and otherwise splits |x| at the
// quantum 2^qe, qe = max(e, emin) - M, into n = floor(|x| / 2^qe), the 64-bit fraction `frac` and `sticky`.
//  (a) qe is the same for the whole slab (sign, F): for F >= 1, e = F - 127; for F = 0 (fp32 subnormals),
//      e <= -127 < emin of every row here (emin >= -126), so qe = emin - M whatever g is. All the other uses
//      of e (the underflow flag e < emin, the e > emax test) are constant over the slab for the same reason.
//  (b) With D = qe - (max(F,1) - 150) bits of g below the quantum: n = g >> D, and the bits below are exactly
//      frac's top bits (plus sticky when D > 64-29), so, with R = bit D-1 of g and T = (g's lower D-1 bits !=
//      0): frac >= 1/2 <=> R;  frac > 1/2 or (= 1/2 with sticky) <=> R and T;  inexact <=> R or T.
//  (c) round_up() for rne reads only (frac > 1/2, frac == 1/2 && (sticky || n odd)) = R and (T or n odd), and
//      for rna only frac >= 1/2 = R; finish_float() then reads n, e, qe and the sign.
// So the code (and status) is a function of (sign, F, n, R, T): each class is a run of consecutive inputs,
// and one member of it, passed to encode(), gives the result for all of them. D >= 25 puts every nonzero g of
// the slab in one class (n = 0, R = 0, T = 1), so D is capped at 25; the slabs beyond emax are one class too.
// Zero (g = 0) is its own class (n = R = T = 0). F = 255 is inf (g = 2^23) and NaN (every other g):
// special_input() reads only the sign and the kind, not the payload, which is the split at D = 24.

SweepResult sweep_encode(const Format& to, const ConvertOptions& opt, EncodeFn fast, const Hardware* hw,
                         unsigned slab_begin, unsigned slab_end, unsigned threads) {
  if (shape_index(to) < 0) throw std::logic_error("sweep_encode: no fast path for " + std::string(to.name));
  if (emin(to) <= -127) throw std::logic_error("sweep_encode: the class argument needs emin > -127");
  if (opt.rounding != Rounding::kNearestEven && opt.rounding != Rounding::kNearestAway)
    throw std::logic_error("sweep_encode: the class argument covers rne and rna only");
  const int cbytes = container_bytes(to);
  const int shift = storage_bits(to) - bits(to);
  // The instructions round to nearest even and have no saturation mode: they are compared in that policy
  // only.
  const EncodeFn hw_encode =
      hw && !opt.saturate && opt.rounding == Rounding::kNearestEven ? hw->encode : nullptr;
  std::vector<char> nan_table;
  if (hw_encode) {
    nan_table.resize(std::size_t{1} << (8 * cbytes));
    for (std::size_t c = 0; c < nan_table.size(); ++c)
      nan_table[c] = is_nan_code(to, static_cast<std::uint32_t>(c));
  }
  std::atomic<unsigned> next{slab_begin};
  std::mutex mu;
  SweepResult total;
  auto worker = [&] {
    SweepResult local;
    constexpr std::size_t kBlock = std::size_t{1} << 16;
    std::vector<std::uint32_t> in(kBlock), out(kBlock), hout(kBlock);  // out: wide enough for any container
    std::vector<std::uint32_t> want;
    for (unsigned slab; (slab = next++) < slab_end;) {
      const std::uint32_t sign = slab >> 8, field = slab & 0xff;
      // The bits below the quantum, D (see above).
      int d;
      if (field == 255) {
        d = 24;
      } else {
        const long e = field ? long(field) - 127 : long(emin(to)) - 1;  // F = 0: any e < emin, see (a)
        if (e > emax(to))
          d = 25;
        else
          d = int(std::max<long>(e, emin(to)) - to.mantissa_bits - ((field ? field : 1) - 150));
      }
      d = std::min(d, 25);
      if (d < 2) throw std::logic_error("sweep_encode: fewer than 2 bits below the quantum");
      const std::uint32_t g_lo = field ? 0x800000u : 0u, g_hi = field ? 0x1000000u : 0x800000u;
      const std::uint32_t n_lo = g_lo >> d, n_hi = (g_hi - 1) >> d;
      // The engine, once per class: want[(n - n_lo)·4 + R·2 + T].
      want.assign(std::size_t(n_hi - n_lo + 1) * 4, 0);
      for (std::uint32_t n = n_lo; n <= n_hi; ++n)
        for (std::uint32_t rt = 0; rt < 4; ++rt) {
          // A member of the class inside this slab: the run start for T = 0, else the first input after it.
          const std::uint64_t start = (std::uint64_t(n) << d) | (std::uint64_t(rt >> 1) << (d - 1));
          const std::uint64_t g = (rt & 1) ? std::max<std::uint64_t>(start + 1, g_lo) : start;
          if (g < g_lo || g >= g_hi || g >= start + (std::uint64_t{1} << (d - 1))) continue;
          const std::uint32_t x = (sign << 31) | (field << 23) | (std::uint32_t(g) & 0x7fffffu);
          const u128 code = encode(to, static_cast<double>(std::bit_cast<float>(x)), opt).code;
          want[(n - n_lo) * 4 + rt] = static_cast<std::uint32_t>(code) << shift;
        }
      const std::uint32_t half = 1u << (d - 1);
      for (std::uint32_t g0 = g_lo; g0 < g_hi; g0 += kBlock) {
        const std::uint32_t x0 = (sign << 31) | (field << 23) | (g0 & 0x7fffffu);
        iota_bits(in.data(), kBlock, x0);
        const float* fin = reinterpret_cast<const float*>(in.data());
        fast(fin, out.data(), kBlock);
        if (hw_encode) hw_encode(fin, hout.data(), kBlock);
        local.inputs += kBlock;
        if (hw_encode) local.hw_checked += kBlock;
        // Walk the class runs: at each multiple of 2^(D-1) one input with T = 0, then 2^(D-1) - 1 with T = 1.
        for (std::uint32_t g = g0; g < g0 + kBlock;) {
          const std::uint32_t run_start = g & ~(half - 1);
          const std::uint32_t end =
              g == run_start ? g + 1 : std::min(run_start + half, g0 + std::uint32_t(kBlock));
          const std::uint32_t expect =
              want[((g >> d) - n_lo) * 4 + ((g >> (d - 1)) & 1) * 2 + (g == run_start ? 0 : 1)];
          const std::size_t at = g - g0, len = end - g;
          if (count_ne(reinterpret_cast<const unsigned char*>(out.data()) + at * cbytes, len, expect,
                       cbytes)) {
            for (std::size_t k = at; k < at + len; ++k) {
              const std::uint32_t got = load_code(out.data(), k, cbytes);
              if (got == expect) continue;
              ++local.mismatches;
              if (local.first.size() < kMaxReported) local.first.push_back({in[k], got, expect, false});
            }
          }
          if (hw_encode && count_ne(reinterpret_cast<const unsigned char*>(hout.data()) + at * cbytes, len,
                                    expect, cbytes)) {
            for (std::size_t k = at; k < at + len; ++k) {
              const std::uint32_t got = load_code(hout.data(), k, cbytes);
              if (got == expect || (nan_table[got] && nan_table[expect])) continue;  // NaN payloads by class
              const std::uint32_t sign_code = std::uint32_t(sign_bit(to)) << shift;
              if (hw->daz && field == 0 && (got & ~sign_code) == 0) {  // a subnormal input read as zero
                ++local.hw_excluded;
                continue;
              }
              ++local.hw_mismatches;
              if (local.first.size() < kMaxReported) local.first.push_back({in[k], got, expect, true});
            }
          }
          g = end;
        }
      }
    }
    std::lock_guard<std::mutex> lock(mu);
    total.merge(local);
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < std::max(1u, threads); ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  return total;
}

SweepResult sweep_decode(const Format& from, DecodeFn fast, const Hardware* hw) {
  const Format fp32 = row_of({8, 23, 127, N::kIeee754, NE::kIeee, 0});
  const int cbytes = container_bytes(from), shift = storage_bits(from) - bits(from);
  const std::size_t count = std::size_t{1} << bits(from);
  std::vector<unsigned char> in(count * static_cast<std::size_t>(cbytes));
  for (std::size_t c = 0; c < count; ++c) {
    const std::uint32_t v = static_cast<std::uint32_t>(c) << shift;
    std::memcpy(in.data() + c * cbytes, &v, static_cast<std::size_t>(cbytes));  // little-endian
  }
  std::vector<float> out(count), hout(count);
  fast(in.data(), out.data(), count);
  const DecodeFn hw_decode = hw ? hw->decode : nullptr;
  if (hw_decode) hw_decode(in.data(), hout.data(), count);
  SweepResult r;
  r.inputs = count;
  if (hw_decode) r.hw_checked = count;
  for (std::size_t c = 0; c < count; ++c) {
    const auto want = static_cast<std::uint32_t>(encode(fp32, decode_double(from, c)).code);
    const auto got = std::bit_cast<std::uint32_t>(out[c]);
    const std::uint32_t code = static_cast<std::uint32_t>(c) << shift;
    if (got != want) {
      ++r.mismatches;
      if (r.first.size() < kMaxReported) r.first.push_back({code, got, want, false});
    }
    if (hw_decode) {
      const auto hgot = std::bit_cast<std::uint32_t>(hout[c]);
      const bool both_nan = (hgot & 0x7fffffffu) > 0x7f800000u && (want & 0x7fffffffu) > 0x7f800000u;
      if (hgot != want && !both_nan) {
        ++r.hw_mismatches;
        if (r.first.size() < kMaxReported) r.first.push_back({code, hgot, want, true});
      }
    }
  }
  return r;
}

}  // namespace numscope::fast
