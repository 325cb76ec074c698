// Fast bulk conversion between fp32 and the ML formats, bit for bit the reference engine (engine.h), and the
// exhaustive sweep that proves it.
//
// The engine stays the source of truth (STYLE.md R4): each fast path here is one generic, branch-free integer
// kernel instantiated on a format row itself (kernels.h: RowKernels<kE4m3>), vectorised by GCC for three
// instruction sets chosen at run time (support/cpu.h). Covered:
//   fp32 -> fp16, bf16, tf32, e5m2, e4m3 (fn), e4m3fnuz, e5m2fnuz, e4m3b11fnuz, e4m3-ieee, e3m4, e3m2, e2m3,
//   e2m1 (any row with the same fields, so aliases and equal user-defined rows too), rounding rne or rna,
//   with or without --saturate, no --ftz; and every one of them -> fp32 (always exact, so any rounding).
// The CPU's own instructions (F16C vcvtps2ph / vcvtph2ps, AVX-512 BF16 vcvtneps2bf16) are exposed separately
// as baselines (hardware()): they differ from the engine in documented ways (NaN payloads, bf16 DAZ).
// Sources: IEEE 754-2019 §4.3 (rounding), §7.4 (overflow); OCP OFP8 rev 1.0 §5; OCP MX v1.0 §5.3; Intel SDM
// vol. 2 (VCVTPS2PH, VCVTNEPS2BF16: "DAZ and FTZ are assumed", no MXCSR).
#pragma once

#include <cstddef>      // std::size_t
#include <cstdint>      // std::uint32_t, std::uint64_t
#include <string_view>  // std::string_view
#include <vector>       // std::vector

#include "numscope/formats/engine.h"
#include "numscope/formats/fast/kernels.h"  // EncodeFn, DecodeFn, RowKernels<row>
#include "numscope/formats/format.h"
#include "numscope/support/cpu.h"
#include "numscope/support/parallel.h"

namespace numscope::fast {

// The instruction set is support/cpu.h's (Isa, best_isa, isa_supported, the NUMSCOPE_ISA cap), named here too
// for the callers of this header; EncodeFn / DecodeFn and the per-row kernels are kernels.h's.
using numscope::best_isa;
using numscope::Isa;
using numscope::isa_cap;
using numscope::isa_cap_valid;
using numscope::isa_name;
using numscope::isa_supported;

/// The fast fp32 -> `to` kernel for these options, or nullptr when there is none (another rounding mode,
/// --ftz, a format without a fast path, or an instruction set this CPU lacks).
/// Example: fast::encoder(kBf16, {})(in, out, n) writes what encode(kBf16, double(in[i])) would.
EncodeFn encoder(const Format& to, const ConvertOptions& opt, Isa isa = best_isa());
/// Which kernel encoder() picks: the instruction set's name, or "f16c" for fp32 -> fp16 rne, which runs
/// vcvtps2ph with its NaN payloads and (for --saturate) infinities corrected to the engine's codes. (fp16 ->
/// fp32 likewise runs vcvtph2ps with NaNs made canonical, on every instruction set but portable.)
std::string_view kernel_name(const Format& to, const ConvertOptions& opt, Isa isa = best_isa());
/// The fast `from` -> fp32 kernel, or nullptr. Decoding is exact, so only --ftz (which flushes fp32 subnormal
/// results) turns it off.
DecodeFn decoder(const Format& from, const ConvertOptions& opt = {}, Isa isa = best_isa());

/// Arrays of more than this many input bytes are split across all cores (support/parallel.h).
using numscope::kParallelBytes;
/// Runs the kernel over [0, n), split across the cores by parallel_ranges (each thread a contiguous piece) when
/// the input is larger than kParallelBytes. `out_bytes` / `in_bytes` is the code element size.
void encode_parallel(EncodeFn fn, const float* in, void* out, std::size_t n, int out_bytes);
void decode_parallel(DecodeFn fn, const void* in, float* out, std::size_t n, int in_bytes);

/// True when no code of the n elements has bits above bits(f) (narrow formats in a byte; tf32 ignores its low
/// 13 container bits, as the engine does).
bool codes_valid(const Format& f, const void* in, std::size_t n);

/// A CPU conversion instruction for this format, when the CPU has one. `encode` / `decode` are raw
/// instruction results, not corrected to the engine: NaN payloads are kept (the engine writes the canonical
/// quiet NaN), there is no saturation mode, and with `daz` subnormal fp32 inputs read as zero.
struct Hardware {
  std::string_view name;  // "F16C vcvtps2ph", or empty when there is none
  EncodeFn encode = nullptr;
  DecodeFn decode = nullptr;
  bool daz = false;  // treats subnormal inputs as zero (vcvtneps2bf16)
};
Hardware hardware(const Format& f);

// ---- The exhaustive sweep (numscope verify --exhaustive)
// ------------------------------------------------------

struct Mismatch {
  std::uint32_t input = 0;  // fp32 bits (encode) or the code (decode)
  std::uint32_t got = 0;    // the fast path's (or the instruction's) output
  std::uint32_t want = 0;   // the engine's
  bool hardware = false;    // found in the instruction's output rather than the fast path's
};
struct SweepResult {
  std::uint64_t inputs = 0, mismatches = 0;
  std::uint64_t hw_checked = 0, hw_mismatches = 0;  // NaNs compared by class (payloads differ by design)
  std::uint64_t hw_excluded = 0;                    // subnormal inputs a DAZ instruction reads as zero
  std::vector<Mismatch> first;                      // the first few, fast path and instruction
  void merge(const SweepResult& o);
};

/// Every fp32 input whose top 9 bits (sign and exponent field, "slab" 0..511) lie in [slab_begin, slab_end)
/// through `fast` (and `hw` when not null), compared with encode(to, double(x), opt). The engine is evaluated
/// once per rounding class, not per input; fast_convert.cpp proves that the class determines its result.
/// Runs on `threads` threads; 512 slabs = all 2^32 inputs.
SweepResult sweep_encode(const Format& to, const ConvertOptions& opt, EncodeFn fast, const Hardware* hw,
                         unsigned slab_begin, unsigned slab_end, unsigned threads);
/// Every code of `from` through `fast` (and hw->decode) against encode(fp32, decode_double(from, code)).
SweepResult sweep_decode(const Format& from, DecodeFn fast, const Hardware* hw);

}  // namespace numscope::fast
