// Fast fp32 <-> ML-format conversions: the table of rows with kernels (kernels.h), the CPU's own conversion
// instructions as baselines, the bulk split across cores, and the exhaustive sweep against the reference engine.
#include "numscope/formats/fast/convert.h"

#include <algorithm>  // std::min, std::max
#include <array>      // std::array
#include <bit>        // std::endian
#include <cstring>    // std::memcpy
#include <stdexcept>  // std::logic_error
#include <string>     // std::string

#include "numscope/formats/fast/kernels.h"
#include "numscope/formats/registry.h"  // the rows: kFp16, kBf16, ...
#include "numscope/support/bits.h"  // bit_cast
#include "numscope/support/parallel.h"

#if NUMSCOPE_FAST_X86
#  include <immintrin.h>  // F16C, AVX-512 BF16 intrinsics for the hardware baselines
#endif

namespace numscope::fast {
namespace {

// ---- The rows with kernels -----------------------------------------------------------------------------------

/// One entry per row with kernels: the row itself and its instantiations.
struct RowEntry {
  const Format* row;
  EncodeFn (*encoder)(bool saturate, bool away, Isa isa);
  DecodeFn (*decoder)(Isa isa);
};
template <const Format&... R>
constexpr std::array<RowEntry, sizeof...(R)> kernel_rows() {
  return {RowEntry{&R, &RowKernels<R>::encoder, &RowKernels<R>::decoder}...};
}
// Every built-in float narrower than fp32 with a sign and subnormals; a Format with the same layout (an alias, an
// equal user-defined row) finds its row here.
constexpr auto kRows = kernel_rows<kFp16, kBf16, kTf32, kE5m2, kE4m3, kE4m3fnuz, kE5m2fnuz, kE4m3b11fnuz, kE4m3Ieee,
                                   kE3m4, kE3m2, kE2m3, kE2m1>();

/// The kernel row of a Format, or null.
const RowEntry* row_entry(const Format& f) {
  if constexpr (std::endian::native != std::endian::little) return nullptr;  // containers are little-endian
  for (const RowEntry& e : kRows)
    if (same_layout(*e.row, f)) return &e;
  return nullptr;
}

// ---- The CPU's conversion instructions
// ----------------------------------------------------------------------

#if NUMSCOPE_FAST_X86
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
  for (; i < n; ++i) out[i] = static_cast<std::uint16_t>(detail::encode_one<kFp16, kSat, false>(bits_in[i]));
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
  for (; i < n; ++i) bits_out[i] = detail::decode_one<kFp16>(in[i]);
}
#endif

// ---- Comparison loops of the sweep (vectorised per CPU by target_clones on x86-64) ------------------------

// NUMSCOPE_CLONES is kernels.h's.

NUMSCOPE_CLONES std::size_t count_ne8(const std::uint8_t* p,
                                                                                  std::size_t n,
                                                                                  std::uint8_t v) {
  std::size_t c = 0;
  for (std::size_t i = 0; i < n; ++i) c += p[i] != v;
  return c;
}
NUMSCOPE_CLONES std::size_t count_ne16(const std::uint16_t* p,
                                                                                   std::size_t n,
                                                                                   std::uint16_t v) {
  std::size_t c = 0;
  for (std::size_t i = 0; i < n; ++i) c += p[i] != v;
  return c;
}
NUMSCOPE_CLONES std::size_t count_ne32(const std::uint32_t* p,
                                                                                   std::size_t n,
                                                                                   std::uint32_t v) {
  std::size_t c = 0;
  for (std::size_t i = 0; i < n; ++i) c += p[i] != v;
  return c;
}
NUMSCOPE_CLONES void iota_bits(std::uint32_t* p, std::size_t n,
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

namespace {
/// fp32 -> fp16 rne on a CPU with F16C: the instruction plus fix-ups (fp16_f16c) instead of the generic
/// kernel, in the AVX2 and AVX-512 builds.
bool uses_f16c(const Format& to, const ConvertOptions& opt, Isa isa) {
  return NUMSCOPE_FAST_X86 && same_layout(to, kFp16) && isa != Isa::kPortable && isa_supported(isa) &&
         opt.rounding == Rounding::kNearestEven && !opt.ftz && cpu_has_f16c();
}
}  // namespace

std::string_view kernel_name(const Format& to, const ConvertOptions& opt, Isa isa) {
  return uses_f16c(to, opt, isa) ? "f16c" : isa_name(isa);
}

EncodeFn encoder(const Format& to, const ConvertOptions& opt, Isa isa) {
  const RowEntry* e = row_entry(to);
  if (!e || opt.ftz || !isa_supported(isa)) return nullptr;
  if (opt.rounding != Rounding::kNearestEven && opt.rounding != Rounding::kNearestAway) return nullptr;
#if NUMSCOPE_FAST_X86
  if (uses_f16c(to, opt, isa)) return opt.saturate ? fp16_f16c<true> : fp16_f16c<false>;
#endif
  return e->encoder(opt.saturate, opt.rounding == Rounding::kNearestAway, isa);
}

DecodeFn decoder(const Format& from, const ConvertOptions& opt, Isa isa) {
  const RowEntry* e = row_entry(from);
  if (!e || opt.ftz || !isa_supported(isa)) return nullptr;
#if NUMSCOPE_FAST_X86
  if (same_layout(from, kFp16) && isa != Isa::kPortable && cpu_has_f16c()) return fp16_decode_f16c;
#endif
  return e->decoder(isa);
}

void encode_parallel(EncodeFn fn, const float* in, void* out, std::size_t n, int out_bytes) {
  parallel_ranges(n, n * sizeof(float), [&](std::size_t b, std::size_t e) {
    fn(in + b, static_cast<unsigned char*>(out) + b * static_cast<std::size_t>(out_bytes), e - b);
  });
}

void decode_parallel(DecodeFn fn, const void* in, float* out, std::size_t n, int in_bytes) {
  parallel_ranges(n, n * static_cast<std::size_t>(in_bytes), [&](std::size_t b, std::size_t e) {
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
#if NUMSCOPE_FAST_X86
  if (same_layout(f, kFp16) && cpu_has_f16c()) {
    h.name = "F16C vcvtps2ph/vcvtph2ps";
    h.encode = f16c_encode;
    h.decode = f16c_decode;
  } else if (same_layout(f, kBf16) && cpu_has_avx512bf16()) {
    h.name = "AVX-512 BF16 vcvtneps2bf16";
    h.encode = bf16_encode;
    h.daz = true;
  }
#else
  (void)f;
#endif
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

namespace {

constexpr std::size_t kSweepBlock = std::size_t{1} << 16;

/// One worker's buffers, kept across its slabs. out: wide enough for any container.
struct SweepBuffers {
  std::vector<std::uint32_t> in, out, hout, want;
};

/// What every slab of one sweep shares.
struct SweepTarget {
  const Format& to;
  const ConvertOptions& opt;
  EncodeFn fast;
  const Hardware* hw;
  EncodeFn hw_encode;           // the instructions, or nullptr where they are not compared
  std::vector<char> nan_table;  // code -> is a NaN code, where hw_encode is set
  int cbytes, shift;
};

/// One slab (sign, F): its significands [g_lo, g_hi), D and the range of n.
struct Slab {
  std::uint32_t sign, field;
  int d;
  std::uint32_t g_lo, g_hi, n_lo, n_hi;
};

Slab slab_of(const Format& to, unsigned slab) {
  Slab s;
  s.sign = slab >> 8;
  s.field = slab & 0xff;
  // The bits below the quantum, D (see above).
  int d;
  if (s.field == 255) {
    d = 24;
  } else {
    const long e = s.field ? long(s.field) - 127 : long(emin(to)) - 1;  // F = 0: any e < emin, see (a)
    if (e > emax(to))
      d = 25;
    else
      d = int(std::max<long>(e, emin(to)) - to.mantissa_bits - ((s.field ? s.field : 1) - 150));
  }
  s.d = std::min(d, 25);
  if (s.d < 2) throw std::logic_error("sweep_encode: fewer than 2 bits below the quantum");
  s.g_lo = s.field ? 0x800000u : 0u;
  s.g_hi = s.field ? 0x1000000u : 0x800000u;
  s.n_lo = s.g_lo >> s.d;
  s.n_hi = (s.g_hi - 1) >> s.d;
  return s;
}

/// The engine, once per class: want[(n - n_lo)·4 + R·2 + T].
void class_codes(const SweepTarget& t, const Slab& s, std::vector<std::uint32_t>& want) {
  const int d = s.d;
  want.assign(std::size_t(s.n_hi - s.n_lo + 1) * 4, 0);
  for (std::uint32_t n = s.n_lo; n <= s.n_hi; ++n)
    for (std::uint32_t rt = 0; rt < 4; ++rt) {
      // A member of the class inside this slab: the run start for T = 0, else the first input after it.
      const std::uint64_t start = (std::uint64_t(n) << d) | (std::uint64_t(rt >> 1) << (d - 1));
      const std::uint64_t g = (rt & 1) ? std::max<std::uint64_t>(start + 1, s.g_lo) : start;
      if (g < s.g_lo || g >= s.g_hi || g >= start + (std::uint64_t{1} << (d - 1))) continue;
      const std::uint32_t x = (s.sign << 31) | (s.field << 23) | (std::uint32_t(g) & 0x7fffffu);
      const u128 code = encode(t.to, static_cast<double>(bit_cast<float>(x)), t.opt).code;
      want[(n - s.n_lo) * 4 + rt] = static_cast<std::uint32_t>(code) << t.shift;
    }
}

/// Inputs [at, at + len) of the block, one class run, against the engine's `expect`: the fast kernel's codes, and
/// the instructions' where they are compared (NaN payloads by class; DAZ's zeros counted apart).
void check_run(const SweepTarget& t, const Slab& s, const SweepBuffers& buf, std::size_t at, std::size_t len,
               std::uint32_t expect, SweepResult& local) {
  const int cbytes = t.cbytes;
  if (count_ne(reinterpret_cast<const unsigned char*>(buf.out.data()) + at * cbytes, len, expect, cbytes)) {
    for (std::size_t k = at; k < at + len; ++k) {
      const std::uint32_t got = load_code(buf.out.data(), k, cbytes);
      if (got == expect) continue;
      ++local.mismatches;
      if (local.first.size() < kMaxReported) local.first.push_back({buf.in[k], got, expect, false});
    }
  }
  if (t.hw_encode &&
      count_ne(reinterpret_cast<const unsigned char*>(buf.hout.data()) + at * cbytes, len, expect, cbytes)) {
    for (std::size_t k = at; k < at + len; ++k) {
      const std::uint32_t got = load_code(buf.hout.data(), k, cbytes);
      if (got == expect || (t.nan_table[got] && t.nan_table[expect])) continue;  // NaN payloads by class
      const std::uint32_t sign_code = std::uint32_t(sign_bit(t.to)) << t.shift;
      if (t.hw->daz && s.field == 0 && (got & ~sign_code) == 0) {  // a subnormal input read as zero
        ++local.hw_excluded;
        continue;
      }
      ++local.hw_mismatches;
      if (local.first.size() < kMaxReported) local.first.push_back({buf.in[k], got, expect, true});
    }
  }
}

/// Every input of one slab through the fast kernel (and the instructions), checked class run by class run.
void sweep_slab(const SweepTarget& t, unsigned slab, SweepBuffers& buf, SweepResult& local) {
  if (buf.in.empty()) {
    buf.in.resize(kSweepBlock);
    buf.out.resize(kSweepBlock);
    buf.hout.resize(kSweepBlock);
  }
  const Slab s = slab_of(t.to, slab);
  const int d = s.d;
  class_codes(t, s, buf.want);
  const std::vector<std::uint32_t>& want = buf.want;
  const std::uint32_t half = 1u << (d - 1);
  for (std::uint32_t g0 = s.g_lo; g0 < s.g_hi; g0 += kSweepBlock) {
    const std::uint32_t x0 = (s.sign << 31) | (s.field << 23) | (g0 & 0x7fffffu);
    iota_bits(buf.in.data(), kSweepBlock, x0);
    const float* fin = reinterpret_cast<const float*>(buf.in.data());
    t.fast(fin, buf.out.data(), kSweepBlock);
    if (t.hw_encode) t.hw_encode(fin, buf.hout.data(), kSweepBlock);
    local.inputs += kSweepBlock;
    if (t.hw_encode) local.hw_checked += kSweepBlock;
    // Walk the class runs: at each multiple of 2^(D-1) one input with T = 0, then 2^(D-1) - 1 with T = 1.
    for (std::uint32_t g = g0; g < g0 + kSweepBlock;) {
      const std::uint32_t run_start = g & ~(half - 1);
      const std::uint32_t end = g == run_start ? g + 1 : std::min(run_start + half, g0 + std::uint32_t(kSweepBlock));
      const std::uint32_t expect =
          want[((g >> d) - s.n_lo) * 4 + ((g >> (d - 1)) & 1) * 2 + (g == run_start ? 0 : 1)];
      check_run(t, s, buf, g - g0, end - g, expect, local);
      g = end;
    }
  }
}

}  // namespace

SweepResult sweep_encode(const Format& to, const ConvertOptions& opt, EncodeFn fast, const Hardware* hw,
                         unsigned slab_begin, unsigned slab_end, unsigned threads) {
  if (!detail::has_kernels(to)) throw std::logic_error("sweep_encode: no fast path for " + std::string(to.name));
  if (emin(to) <= -127) throw std::logic_error("sweep_encode: the class argument needs emin > -127");
  if (opt.rounding != Rounding::kNearestEven && opt.rounding != Rounding::kNearestAway)
    throw std::logic_error("sweep_encode: the class argument covers rne and rna only");
  // The instructions round to nearest even and have no saturation mode: they are compared in that policy
  // only.
  const EncodeFn hw_encode = hw && !opt.saturate && opt.rounding == Rounding::kNearestEven ? hw->encode : nullptr;
  SweepTarget t{to, opt, fast, hw, hw_encode, {}, container_bytes(to), storage_bits(to) - bits(to)};
  if (hw_encode) {
    t.nan_table.resize(std::size_t{1} << (8 * t.cbytes));
    for (std::size_t c = 0; c < t.nan_table.size(); ++c)
      t.nan_table[c] = is_nan_code(to, static_cast<std::uint32_t>(c));
  }
  // One task per slab, merged in slab order (the first mismatches reported do not depend on the threads); one
  // set of buffers per worker.
  const unsigned threads_used = std::max(1u, threads);
  std::vector<SweepBuffers> buffers(worker_count(threads_used));
  std::vector<SweepResult> per_slab(slab_end - slab_begin);
  parallel_tasks(slab_end - slab_begin, threads_used, [&](std::uint64_t task, unsigned worker) {
    sweep_slab(t, slab_begin + static_cast<unsigned>(task), buffers[worker], per_slab[task]);
  });
  SweepResult total;
  for (const SweepResult& r : per_slab) total.merge(r);
  return total;
}

SweepResult sweep_decode(const Format& from, DecodeFn fast, const Hardware* hw) {
  const Format& fp32 = kFp32;
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
    const auto got = bit_cast<std::uint32_t>(out[c]);
    const std::uint32_t code = static_cast<std::uint32_t>(c) << shift;
    if (got != want) {
      ++r.mismatches;
      if (r.first.size() < kMaxReported) r.first.push_back({code, got, want, false});
    }
    if (hw_decode) {
      const auto hgot = bit_cast<std::uint32_t>(hout[c]);
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
