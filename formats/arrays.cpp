// Array conversion between any two formats (arrays.h): the fast kernels where they apply, the engine elsewhere.
#include "numscope/formats/arrays.h"

#include <algorithm>  // std::min
#include <limits>     // std::numeric_limits
#include <string>     // std::string, std::to_string
#include <vector>     // std::vector

#include "numscope/formats/fast/convert.h"
#include "numscope/support/error.h"
#include "numscope/support/parallel.h"

namespace numscope {
namespace {

u128 load_le(const unsigned char* p, int n) {
  u128 v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
void store_le(unsigned char* p, int n, u128 v) {
  for (int i = 0; i < n; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}

/// The largest finite value of a float row, exactly.
Rational max_value(const Format& f) { return decode(f, max_finite_code(f)).number().value(); }

/// IEEE 754 binary64 by its fields (§3.4): sources whose finite values it holds decode through a double.
constexpr Format binary64_row() {
  Format f;
  f.exponent_bits = 11;
  f.mantissa_bits = 52;
  f.bias = 1023;
  return f;
}

constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();

/// Elements [b, e) through the engine; returns the index of the first code with bits above bits(from), or
/// kNone. Stops there: later elements are left unwritten.
std::size_t engine_block(const Format& from, const Format& to, const unsigned char* in, unsigned char* out,
                         std::size_t b, std::size_t e, const ConvertOptions& opt) {
  const int in_bytes = container_bytes(from), out_bytes = container_bytes(to);
  const bool exact_double = finite_values_fit(from, binary64_row());
  const std::vector<double>* table = exact_double && bits(from) <= 16 ? &decode_table(from) : nullptr;
  // tf32 keeps its 19 bits at the top of the fp32 container; its low 13 container bits are not read.
  const int in_low = from.storage_override ? from.storage_override - bits(from) : 0;
  const int out_low = to.storage_override ? to.storage_override - bits(to) : 0;
  for (std::size_t i = b; i < e; ++i) {
    u128 code = load_le(in + i * in_bytes, in_bytes) >> in_low;
    if (!valid_code(from, code)) return i;
    Encoded r;
    if (table)
      r = encode(to, (*table)[static_cast<std::size_t>(code)], opt);
    else if (exact_double)
      r = encode(to, decode_double(from, code), opt);
    else
      r = encode(to, decode(from, code).number(), opt);
    store_le(out + i * out_bytes, out_bytes, r.code << out_low);
  }
  return kNone;
}

}  // namespace

bool is_binary32(const Format& f) {
  return f.kind == Kind::kFloat && f.exponent_bits == 8 && f.mantissa_bits == 23 && f.bias == 127 &&
         f.nonfinite == Nonfinite::kIeee754 && f.has_sign && f.has_subnormals && storage_bits(f) == 32;
}

bool is_binary64(const Format& f) {
  const Format b = binary64_row();
  return f.kind == Kind::kFloat && f.exponent_bits == b.exponent_bits && f.mantissa_bits == b.mantissa_bits &&
         f.bias == b.bias && f.nonfinite == Nonfinite::kIeee754 && f.has_sign && f.has_subnormals &&
         storage_bits(f) == 64;
}

bool finite_values_fit(const Format& f, const Format& g) {
  if (f.kind == Kind::kInt) {
    if (g.kind == Kind::kInt) return int_min(f) >= int_min(g) && int_max(f) <= int_max(g);
    if (f.is_signed && !g.has_sign) return false;
    // Integers up to 2^p are exact in a float of precision p; the widest magnitude must not exceed max(g).
    if (!g.has_subnormals || f.int_bits > 126) return false;  // no zero in g; no float row holds 2^126 exactly
    if (precision(g) < 126 && int_max(f) > (i128{1} << precision(g))) return false;
    // The widest magnitude: |int_min| = 2^(n-1), or the unsigned maximum 2^n - 1.
    const BigInt widest = f.is_signed ? BigInt(1) << (f.int_bits - 1) : (BigInt(1) << f.int_bits) - 1;
    return Rational(widest) <= max_value(g);
  }
  if (g.kind == Kind::kInt) return false;
  if (f.has_sign && !g.has_sign) return false;
  if (f.mantissa_bits > g.mantissa_bits || max_value(f) > max_value(g)) return false;
  // The smallest step of f (its subnormal quantum, or 2^emin without subnormals) must be a step of g, and a
  // format without subnormals has no zero to hold f's zero.
  const int f_low = emin(f) - (f.has_subnormals ? f.mantissa_bits : 0);
  if (!g.has_subnormals) return !f.has_subnormals && f_low >= emin(g) && f.mantissa_bits <= g.mantissa_bits;
  return f_low >= emin(g) - g.mantissa_bits && emin(f) - f.mantissa_bits >= emin(g) - g.mantissa_bits;
}

void convert_codes(const Format& from, const Format& to, const void* in_ptr, void* out_ptr, std::size_t n,
                   const ConvertOptions& opt, unsigned threads, std::uint64_t first_index) {
  const auto* in = static_cast<const unsigned char*>(in_ptr);
  auto* out = static_cast<unsigned char*>(out_ptr);
  const int in_bytes = container_bytes(from), out_bytes = container_bytes(to);
  const bool parallel =
      threads != 1 && opt.rounding != Rounding::kStochastic && n * in_bytes > fast::kParallelBytes;
  // The fast kernels: fp32 -> G and F -> fp32, bit for bit the engine (tests/formats/fast_convert_test.cpp,
  // numscope verify --exhaustive).
  if (is_binary32(from)) {
    if (const fast::EncodeFn fn = fast::encoder(to, opt)) {
      const auto* f = reinterpret_cast<const float*>(in);
      parallel ? fast::encode_parallel(fn, f, out, n, out_bytes) : fn(f, out, n);
      return;
    }
  }
  if (is_binary32(to)) {
    const fast::DecodeFn fn = fast::decoder(from, opt);
    if (fn && fast::codes_valid(from, in, n)) {
      auto* f = reinterpret_cast<float*>(out);
      parallel ? fast::decode_parallel(fn, in, f, n, in_bytes) : fn(in, f, n);
      return;
    }
  }
  std::size_t bad = kNone;
  if (!parallel) {
    bad = engine_block(from, to, in, out, 0, n, opt);
  } else {
    constexpr std::size_t kTask = std::size_t{1} << 16;  // elements per task
    const std::size_t tasks = (n + kTask - 1) / kTask;
    std::vector<std::size_t> first_bad(tasks, kNone);
    parallel_tasks(tasks, threads, [&](std::uint64_t t, unsigned) {
      first_bad[t] = engine_block(from, to, in, out, t * kTask, std::min(n, (t + 1) * kTask), opt);
    });
    for (std::size_t b : first_bad)
      if (b != kNone) {
        bad = b;
        break;
      }
  }
  if (bad != kNone) {
    const std::uint64_t index = first_index + bad;
    throw InputError("element " + std::to_string(index) + " (byte offset " + std::to_string(index * in_bytes) +
                     ") has bits set above the " + std::to_string(bits(from)) + "-bit " + std::string(from.name) +
                     " code; narrow codes go in the low bits");
  }
}

}  // namespace numscope
