// CodeCast (code_cast.h): fast kernels for fp32 <-> the ML formats, the engine for everything else, and the
// elements the target cannot hold (NaN, beyond ±max, negative into unsigned, stray container bits) always seen by
// the engine, whose status decides what is refused, mapped and counted.
#include "numscope/io/code_cast.h"

#include <algorithm>  // std::min
#include <cmath>      // std::isnan, std::isinf, std::nextafter
#include <cstring>    // std::memcpy
#include <limits>     // std::numeric_limits

#include "numscope/formats/fits.h"
#include "numscope/formats/registry.h"
#include "numscope/support/bits.h"  // bit_cast
#include "numscope/support/error.h"

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

bool has_sign_of(const Format& f) { return f.kind == Kind::kInt ? f.is_signed : f.has_sign; }

std::string hex(u128 v) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  do {
    s.insert(s.begin(), kHex[static_cast<int>(v & 15)]);
    v >>= 4;
  } while (v);
  return "0x" + s;
}

/// Which elements the fast encoder's output alone does not settle: 1 for fp32 bits x that are NaN into a format
/// without NaN, beyond ±max (magnitude bits above `beyond`: fp32 magnitudes order as their bits), or negative (not
/// -0) into a format without a sign. Integer operations only, so the loops below vectorise.
struct Screen {
  std::uint32_t beyond, nan_matters, sign_matters;
  std::uint32_t operator()(std::uint32_t x) const {
    const std::uint32_t a = x & 0x7fffffffu;
    const std::uint32_t nan = a > 0x7f800000u;
    const std::uint32_t negative = (x >> 31) & static_cast<std::uint32_t>(a != 0);
    return nan ? nan_matters : (a > beyond) | (negative & sign_matters);
  }
};

std::uint32_t bits_at(const unsigned char* in, std::size_t i) {
  std::uint32_t x;
  std::memcpy(&x, in + 4 * i, 4);
  return x;
}

/// Whether any of n fp32 elements needs the engine; vectorised per CPU (the library's baseline is x86-64 v1).
NUMSCOPE_CLONES bool any_needs_engine(const unsigned char* in, std::size_t n, Screen screen) {
  std::uint32_t any = 0;
  for (std::size_t i = 0; i < n; ++i) any |= screen(bits_at(in, i));
  return any != 0;
}

}  // namespace

NanTo parse_nan_to(const std::string& s) {
  if (s == "error") return NanTo::kError;
  if (s == "zero") return NanTo::kZero;
  if (s == "max") return NanTo::kMax;
  throw InputError("--nan-to must be error (refuse NaN, the default), zero (store +0) or max (store +max), got '" +
                   s + "'");
}

CodeCast::CodeCast(const Format& from, const Format& to, const ConvertOptions& opt, CastPolicy policy)
    : from_(from), to_(to), opt_(opt), policy_(policy), in_bytes_(container_bytes(from)),
      out_bytes_(container_bytes(to)), low_bits_(from.storage_override ? from.storage_override - bits(from) : 0),
      exact_double_(finite_values_fit(from, find_format("fp64"))) {
  // The fast kernels: fp32 -> G and F -> fp32, bit for bit the engine (tests/formats/fast_convert_test.cpp,
  // numscope verify --exhaustive). Everything else goes through the engine per element.
  fast_encode_ = is_binary32(from) ? fast::encoder(to, opt) : nullptr;
  fast_decode_ = is_binary32(to) && !fast_encode_ ? fast::decoder(from, opt) : nullptr;
  // 8- and 16-bit sources decode through a table; wider ones decode per element.
  if (exact_double_ && bits(from) <= 16 && !fast_decode_) table_ = &decode_table(from);
  max_double_ = to.kind == Kind::kInt ? static_cast<double>(int_max(to)) : decode_double(to, max_finite_code(to));
  zero_code_ = encode(to, 0.0).code;
  ConvertOptions clamp;
  clamp.saturate = true;
  max_code_ = to.kind == Kind::kInt ? encode(to, max_double_, clamp).code : max_finite_code(to);
  // An fp32 x has |x| > max_double_ exactly when its magnitude bits exceed those of the largest fp32 not above
  // max_double_ (fp32 magnitudes order as their bits): that fp32, found without a float conversion that could
  // overflow.
  if (std::isinf(max_double_)) {
    beyond_bits_ = 0x7f800000u;  // nothing is beyond
  } else if (max_double_ >= static_cast<double>(std::numeric_limits<float>::max())) {
    beyond_bits_ = 0x7f7fffffu;  // only inf
  } else {
    float top = static_cast<float>(max_double_);
    if (static_cast<double>(top) > max_double_) top = std::nextafter(top, 0.0f);
    beyond_bits_ = bit_cast<std::uint32_t>(top);
  }
  nan_matters_ = !has_nan(to);
  sign_matters_ = !has_sign_of(to);
}

u128 CodeCast::checked_code(const unsigned char* in, std::uint64_t index) {
  u128 code = load_le(in, in_bytes_);
  const std::string where = "element " + std::to_string(index) + " (byte offset " +
                            std::to_string(index * static_cast<std::uint64_t>(in_bytes_)) + ")";
  if (low_bits_) {  // a container format (tf32: 19 bits at the top of 32) keeps its low bits zero
    const u128 low = code & mask_bits(low_bits_);
    const u128 container = code;
    code >>= low_bits_;
    if (low != 0) {
      if (!policy_.truncate_low_bits)
        throw InputError(where + " is " + hex(container) + ", with bits set below the " + std::to_string(bits(from_)) +
                         "-bit " + std::string(from_.name) + " field (its low " + std::to_string(low_bits_) +
                         " container bits must be zero): pass --tf32-truncate to drop them");
      ++counts_.truncated;
      // A NaN container whose payload lies only in the dropped bits would truncate to inf: it stays NaN.
      if (has_nan(from_) && decode(from_, code).cls == ValueClass::kInf)
        code = (code & sign_bit(from_)) | nan_code(from_);
    }
  }
  if (!valid_code(from_, code))
    throw InputError(where + " has bits set above the " + std::to_string(bits(from_)) + "-bit " +
                     std::string(from_.name) + " code; narrow codes go in the low bits");
  return code;
}

void CodeCast::refuse_invalid(const Encoded& e, std::uint64_t index, bool input_nan, bool input_negative) const {
  if (e.status & kInvalid) {
    const std::string where = "element " + std::to_string(index) + " (byte offset " +
                              std::to_string(index * static_cast<std::uint64_t>(in_bytes_)) + ")";
    if (input_nan && policy_.nan_to == NanTo::kError)
      throw InputError(where + " is NaN, and " + std::string(to_.name) +
                       " has no NaN code: pass --nan-to zero or --nan-to max to store +0 or +max for NaN");
    if (!input_nan)
      throw InputError(where + " is " + (input_negative ? "negative" : "not representable") + ", and " +
                       std::string(to_.name) + (input_negative ? " has no sign" : " has no code for it"));
  }
}

void CodeCast::engine_element(const unsigned char* in, unsigned char* out, std::uint64_t index) {
  const u128 code = checked_code(in, index);
  Encoded e;
  bool nan_in = false, neg_in = false;
  if (table_ || exact_double_) {
    const double v = table_ ? (*table_)[static_cast<std::size_t>(code)] : decode_double(from_, code);
    nan_in = std::isnan(v);
    neg_in = v < 0;
    e = encode(to_, v, opt_);
  } else {
    const Decoded d = decode(from_, code);
    nan_in = d.cls == ValueClass::kNan;
    neg_in = d.neg && d.cls != ValueClass::kZero && !nan_in;
    e = encode(to_, d.number(), opt_);
  }
  u128 outcode = e.code;
  refuse_invalid(e, index, nan_in, neg_in);
  if ((e.status & kInvalid) && nan_in) {  // --nan-to zero|max (error threw in note)
    outcode = policy_.nan_to == NanTo::kZero ? zero_code_ : max_code_;
    ++counts_.nan_mapped;
  } else if (e.status & kSaturated) {
    ++counts_.saturated;
  } else if (e.status & kOverflow) {
    const ValueClass c = decode(to_, outcode).cls;
    if (c == ValueClass::kInf || c == ValueClass::kNan) ++counts_.overflowed;
    else ++counts_.saturated;  // ±max by a directed rounding
  }
  if (to_.storage_override) outcode <<= to_.storage_override - bits(to_);
  store_le(out, out_bytes_, outcode);
}

void CodeCast::convert(const unsigned char* in, unsigned char* out, std::size_t n, std::uint64_t first) {
  counts_.elements += n;
  bool stray_low_bits = false;
  if (low_bits_) {
    const u128 mask = mask_bits(low_bits_);
    for (std::size_t i = 0; i < n && !stray_low_bits; ++i)
      stray_low_bits = (load_le(in + i * in_bytes_, in_bytes_) & mask) != 0;
  }
  const auto ib = static_cast<std::size_t>(in_bytes_), ob = static_cast<std::size_t>(out_bytes_);
  if (fast_encode_ && !stray_low_bits) {
    // The kernel is the engine bit for bit; the elements whose outcome matters (NaN without a NaN code, beyond
    // ±max, negative without a sign) go through the engine again for its status. Block by block, so that the
    // screen reads the input while it is still in L1: most blocks need nothing more (a scalar screen in double
    // once cost five times the kernel).
    const Screen screen{beyond_bits_, nan_matters_, sign_matters_};
    constexpr std::size_t kBlock = 4096;
    for (std::size_t b = 0; b < n; b += kBlock) {
      const std::size_t m = std::min(kBlock, n - b);
      fast_encode_(reinterpret_cast<const float*>(in + 4 * b), out + ob * b, m);
      if (!any_needs_engine(in + 4 * b, m, screen)) continue;
      for (std::size_t i = b; i < b + m; ++i)
        if (screen(bits_at(in, i))) engine_element(in + ib * i, out + ob * i, first + i);
    }
    return;
  }
  if (fast_decode_ && !stray_low_bits && fast::codes_valid(from_, in, n)) {  // into fp32: every value fits
    fast_decode_(in, reinterpret_cast<float*>(out), n);
    return;
  }
  for (std::size_t i = 0; i < n; ++i) engine_element(in + ib * i, out + ob * i, first + i);
}

std::string CodeCast::summary() const {
  std::string s;
  auto add = [&](std::uint64_t k, const std::string& what) {
    if (k) s += (s.empty() ? "" : "; ") + std::to_string(k) + " " + what;
  };
  add(counts_.saturated, (counts_.saturated == 1 ? "element" : "elements") + std::string(" of ") +
                             std::to_string(counts_.elements) + " saturated to ±max of " + std::string(to_.name));
  add(counts_.overflowed, std::string(counts_.overflowed == 1 ? "element" : "elements") + " overflowed to " +
                              (has_inf(to_) ? "inf" : "NaN") + " (no larger finite value in " +
                              std::string(to_.name) + "; --saturate stores ±max)");
  add(counts_.nan_mapped, std::string("NaN stored as ") + (policy_.nan_to == NanTo::kZero ? "+0" : "+max") +
                              " (--nan-to)");
  add(counts_.truncated, std::string("codes had low container bits dropped (--tf32-truncate)"));
  return s;
}

}  // namespace numscope
