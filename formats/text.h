// Text forms of a code: shortest round-trip decimal, hex float, and the bits grouped by field.
#pragma once

#include <string>  // std::string

#include "numscope/formats/engine.h"
#include "numscope/formats/format.h"

namespace numscope {

/// The shortest decimal that encodes back (rne) to the same code; "inf", "-inf", "nan" for those.
/// Example: shortest_decimal(fp32, code of 0.1f) == "0.1"
std::string shortest_decimal(const Format& f, u128 code);

/// Hex float of the exact value, normalised: "0x1.e24p+16"; "inf", "nan", "0x0p+0".
std::string hex_float(const Format& f, u128 code);

/// "0x7bff", zero-padded to the format's width; tf32 as its 32-bit container ("0x47f1c000").
std::string bits_hex(const Format& f, u128 code);

/// The bits grouped by field: "0 10000 1111000111" (sign, exponent, mantissa); integers as one group.
std::string bits_binary(const Format& f, u128 code);

std::string to_string(u128 v);
std::string to_string(i128 v);

}  // namespace numscope
