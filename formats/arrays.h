// Converts arrays of codes from one format to another: what `numscope cast` runs on each block and what the
// Python package's encode / decode / round run on a numpy array, so both give the same bits.
#pragma once

#include <cstddef>  // std::size_t
#include <cstdint>  // std::uint64_t

#include "numscope/formats/engine.h"
#include "numscope/formats/format.h"

namespace numscope {

/// True when every finite value of `f` is exactly a value of `g` (so decoding f into g never rounds).
/// Example: finite_values_fit(kFp16, kFp32) is true; finite_values_fit(int32, fp32) is false (2^24 + 1).
bool finite_values_fit(const Format& f, const Format& g);

/// True for the binary32 row (IEEE 754 §3.4), whatever it is called: the source of the fast encoders and the
/// target of the fast decoders.
bool is_binary32(const Format& f);
/// True for the binary64 row (IEEE 754 §3.4), whatever it is called.
bool is_binary64(const Format& f);

/// Converts n codes of `from` into codes of `to`. Both arrays hold container_bytes() bytes per element in host
/// byte order (little-endian), as `numscope cast` reads and writes them: narrow codes in the low bits, tf32's
/// 19 bits at the top of its 32-bit container.
///
/// fp32 -> G and F -> fp32 run the fast kernels (fast/convert.h) where they apply; everything else runs the
/// engine per element (8- and 16-bit sources through decode_table, other sources exactly). Every path gives
/// the engine's bits.
///
/// `threads`: 1 converts on the calling thread; 0 splits arrays of more than fast::kParallelBytes over every
/// core. Stochastic rounding always runs on one thread in element order, so a seed gives the same bits.
/// Throws InputError naming the first element (numbered from `first_index`) whose code has bits set above
/// bits(from); `out` is then partly written.
/// Example: convert_codes(find_format("fp32"), find_format("bf16"), in, out, n, {}) writes what
///          `numscope cast --from fp32 --to bf16` writes for the same bytes.
void convert_codes(const Format& from, const Format& to, const void* in, void* out, std::size_t n,
                   const ConvertOptions& opt, unsigned threads = 1, std::uint64_t first_index = 0);

}  // namespace numscope
