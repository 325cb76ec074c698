// Which formats hold which values: whether every finite value of one format is a value of another (so decoding
// into it never rounds), and the IEEE 754 binary32 / binary64 rows recognised by their fields, whatever they are
// called (the source of the fast encoders, the target of the fast decoders, the doubles of the exact paths).
#pragma once

#include "numscope/formats/format.h"

namespace numscope {

/// True when every finite value of `f` is exactly a value of `g`.
/// Example: finite_values_fit(fp16, fp32) is true; finite_values_fit(int32, fp32) is false (2^24 + 1).
bool finite_values_fit(const Format& f, const Format& g);

/// The binary32 row (IEEE 754 §3.4): 8 exponent bits, 23 mantissa bits, bias 127, inf and NaN, 32 bits stored.
bool is_binary32(const Format& f);
/// The binary64 row (IEEE 754 §3.4): 11 exponent bits, 52 mantissa bits, bias 1023, inf and NaN, 64 bits stored.
bool is_binary64(const Format& f);

}  // namespace numscope
