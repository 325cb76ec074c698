// Range and precision properties derived from a format row: max, min normal, epsilon, decimal digits, ...
#pragma once

#include <string>  // std::string

#include "numscope/formats/format.h"
#include "numscope/formats/number.h"

namespace numscope {

/// Every derived property of one format (floats; integers fill int_min / int_max and leave the rest zero).
struct Properties {
  int bits = 0, storage_bits = 0;
  int exponent_bits = 0, mantissa_bits = 0, bias = 0, precision = 0;  // precision p = m + 1
  int emin = 0, emax = 0;
  Rational max, min_normal, min_subnormal;  // exact; min_subnormal == min_normal without subnormals
  Rational epsilon;                         // 2^-m: the gap between 1 and the next value
  Rational unit_roundoff;                   // 2^-p = epsilon / 2: the largest relative error of rne
  double decimal_digits = 0;                // p · log10(2)
  int digits10 = 0;                         // floor((p - 1) · log10 2): decimal digits that survive a round trip
  int max_digits10 = 0;                     // ceil(1 + p · log10 2): digits needed to print any value uniquely
  double range_decades = 0;                 // log10(max / smallest positive value)
  std::string finite_count;                 // distinct finite values (+0 and -0 count once)
  bool has_inf = false, has_nan = false, has_negative_zero = false;
  std::string nan_encoding;                 // "S.11111.xx (IEEE)", "S.1111.111", "0x80", "none"
  Rational int_min, int_max;
};

Properties properties(const Format& f);

/// Symbolic exact forms for the table: "(2-2^-23)·2^127", "2^-126".
std::string max_formula(const Format& f);
std::string pow2_formula(int e);

}  // namespace numscope
