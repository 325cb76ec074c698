// The table of built-in rows with their aliases, and the parser of format names: built-in names, aliases and
// user-defined eXmY / intN formats, each canonicalised to one printed name per layout.
#include "numscope/formats/registry.h"
#include "numscope/support/ascii.h"

#include <algorithm>  // std::find_if
#include <array>      // std::array
#include <cctype>     // std::tolower, std::isdigit
#include <mutex>      // std::mutex, std::lock_guard
#include <optional>   // std::optional
#include <set>        // std::set (stable storage for the names of user-defined formats)
#include <utility>    // std::pair

#include "numscope/support/error.h"
#include "numscope/support/suggest.h"

namespace numscope {
namespace {

// The format table, in the order `numscope formats` prints it: floats by width, then integers.
constexpr std::array kBuiltins = {kFp64, kFp32,  kTf32, kFp16,         kBf16,        kE5m2,     kE4m3, kE4m3fnuz,
                                  kE5m2fnuz, kE4m3b11fnuz, kE4m3Ieee, kE3m4, kE3m2, kE2m3, kE2m1, kE8m0,
                                  kInt8, kUint8, kInt4, kUint4, kInt2, kUint2};

// Cross-checks of the rows against published anchors (IEEE 754, OFP8, OCP MX, LLVM APFloat's fltSemantics).
static_assert(emax(kFp16) == 15 && emin(kFp16) == -14);
static_assert(emax(kE4m3) == 8 && emin(kE4m3) == -6);  // e4m3fn: APFloat {8, -6, 4, 8}
static_assert(max_finite_code(kE4m3) == 0x7e);         // 0b0'1111'110 = 1.75 · 2^8 = 448
static_assert(max_finite(kE4m3) == 448 && max_finite(kE4m3fnuz) == 240 && max_finite(kE4m3b11fnuz) == 30);
static_assert(max_finite_code(kE5m2) == 0x7b);  // 0b0'11110'11 = 1.75 · 2^15 = 57344
static_assert(max_finite(kE5m2) == 57344 && max_finite(kE5m2fnuz) == 57344);
static_assert(max_finite_code(kFp16) == 0x7bff && max_finite(kFp16) == 65504);
static_assert(max_finite(kE4m3Ieee) == 240 && max_finite(kE3m4) == 15.5);
static_assert(max_finite(kE3m2) == 28 && max_finite(kE2m3) == 7.5 && max_finite(kE2m1) == 6);  // OCP MX §5.3.1
static_assert(emax(kE8m0) == 127 && emin(kE8m0) == -127 && max_finite(kE8m0) == pow2_f64(127));   // OCP MX §5.4.1
static_assert(max_finite(kFp32) == 0x1.fffffep127 && max_finite(kFp64) == 0x1.fffffffffffffp1023);
static_assert(bits(kTf32) == 19 && storage_bits(kTf32) == 32);
static_assert(nan_code(kFp16) == 0x7e00 && nan_code(kBf16) == 0x7fc0 && nan_code(kE4m3) == 0x7f &&
              nan_code(kE4m3fnuz) == 0x80 && nan_code(kE8m0) == 0xff);

// Every spelling people use for a built-in format, with who spells it so and, where libraries disagree, a hint.
// Looked up after normalize(): case, '_' against '-', and a library prefix (torch., np., jnp., ml_dtypes.) do not
// matter. Sources: PyTorch and ml_dtypes dtype names, NumPy/C names, MLIR builtin types (f8E4M3FN), Triton
// (fp8e4nv), safetensors dtypes (F8_E4M3), ONNX (FLOAT8E4M3FN), OCP MX v1.0 and OFP8 names.
constexpr AliasInfo kAliases[] = {
    {"float64", "fp64", "PyTorch, NumPy, JAX", ""},
    {"double", "fp64", "C, PyTorch", ""},
    {"f64", "fp64", "Rust, MLIR, safetensors F64", ""},
    {"binary64", "fp64", "IEEE 754", ""},
    {"float32", "fp32", "PyTorch, NumPy, JAX", ""},
    {"float", "fp32", "C, PyTorch", ""},
    {"single", "fp32", "NumPy, Fortran", ""},
    {"f32", "fp32", "Rust, MLIR, safetensors F32", ""},
    {"binary32", "fp32", "IEEE 754", ""},
    {"tensorfloat32", "tf32", "NVIDIA", ""},
    {"tensorfloat-32", "tf32", "NVIDIA", ""},
    {"float16", "fp16", "PyTorch, NumPy, JAX", ""},
    {"half", "fp16", "C++, PyTorch, NumPy", ""},
    {"f16", "fp16", "Rust, MLIR, safetensors F16", ""},
    {"binary16", "fp16", "IEEE 754", ""},
    {"bfloat16", "bf16", "PyTorch, JAX, ml_dtypes", ""},
    {"fp8-e5m2", "e5m2", "NVIDIA Transformer Engine", ""},
    {"float8_e5m2", "e5m2", "PyTorch, ml_dtypes, JAX", ""},
    {"f8e5m2", "e5m2", "MLIR", ""},
    {"f8_e5m2", "e5m2", "safetensors F8_E5M2", ""},
    {"float8e5m2", "e5m2", "ONNX", ""},
    {"fp8e5", "e5m2", "Triton", ""},
    {"fp8-e4m3", "e4m3", "NVIDIA Transformer Engine",
     "OCP E4M3 (e4m3fn, max 448); ml_dtypes' float8_e4m3 is the IEEE-like e4m3-ieee"},
    {"e4m3fn", "e4m3", "OFP8, LLVM APFloat", ""},
    {"float8_e4m3fn", "e4m3", "PyTorch, ml_dtypes, JAX", ""},
    {"f8e4m3fn", "e4m3", "MLIR", ""},
    {"f8_e4m3", "e4m3", "safetensors F8_E4M3", "safetensors' F8_E4M3 is OCP E4M3 (e4m3fn); MLIR's f8E4M3 is e4m3-ieee"},
    {"float8e4m3fn", "e4m3", "ONNX", ""},
    {"fp8e4nv", "e4m3", "Triton", ""},
    {"float8_e4m3fnuz", "e4m3fnuz", "PyTorch, ml_dtypes, JAX", ""},
    {"f8e4m3fnuz", "e4m3fnuz", "MLIR", ""},
    {"float8e4m3fnuz", "e4m3fnuz", "ONNX", ""},
    {"fp8e4b8", "e4m3fnuz", "Triton", ""},
    {"float8_e5m2fnuz", "e5m2fnuz", "PyTorch, ml_dtypes, JAX", ""},
    {"f8e5m2fnuz", "e5m2fnuz", "MLIR", ""},
    {"float8e5m2fnuz", "e5m2fnuz", "ONNX", ""},
    {"fp8e5b16", "e5m2fnuz", "Triton", ""},
    {"float8_e4m3b11fnuz", "e4m3b11fnuz", "ml_dtypes, JAX", ""},
    {"f8e4m3b11fnuz", "e4m3b11fnuz", "MLIR", ""},
    {"float8_e4m3", "e4m3-ieee", "ml_dtypes",
     "IEEE-like with inf (max 240), not OCP E4M3: PyTorch's and OCP's E4M3 is float8_e4m3fn (numscope e4m3)"},
    {"f8e4m3", "e4m3-ieee", "MLIR, LLVM APFloat Float8E4M3",
     "IEEE-like with inf (max 240), not OCP E4M3 (e4m3fn, numscope e4m3)"},
    {"float8_e3m4", "e3m4", "ml_dtypes", ""},
    {"f8e3m4", "e3m4", "MLIR", ""},
    {"fp6-e3m2", "e3m2", "OCP MX", ""},
    {"float6_e3m2fn", "e3m2", "ml_dtypes", ""},
    {"f6e3m2fn", "e3m2", "MLIR", ""},
    {"e3m2fn", "e3m2", "ml_dtypes suffix", ""},
    {"fp6-e2m3", "e2m3", "OCP MX", ""},
    {"float6_e2m3fn", "e2m3", "ml_dtypes", ""},
    {"f6e2m3fn", "e2m3", "MLIR", ""},
    {"e2m3fn", "e2m3", "ml_dtypes suffix", ""},
    {"fp4", "e2m1", "OCP MX, NVIDIA", "OCP MX has one FP4 element format, E2M1; mxfp4 and nvfp4 are block schemes of it"},
    {"fp4-e2m1", "e2m1", "OCP MX", ""},
    {"float4_e2m1fn", "e2m1", "PyTorch, ml_dtypes", ""},
    {"f4e2m1fn", "e2m1", "MLIR", ""},
    {"float4e2m1", "e2m1", "ONNX", ""},
    {"e2m1fn", "e2m1", "ml_dtypes suffix", ""},
    {"float8_e8m0fnu", "e8m0", "PyTorch, ml_dtypes", ""},
    {"e8m0fnu", "e8m0", "ml_dtypes suffix", ""},
    {"f8e8m0fnu", "e8m0", "MLIR", ""},
    {"ue8m0", "e8m0", "NVIDIA, DeepSeek", ""},
    {"i8", "int8", "Rust, MLIR, safetensors I8", ""},
    {"u8", "uint8", "Rust, MLIR, safetensors U8", ""},
    {"i4", "int4", "MLIR", ""},
    {"u4", "uint4", "MLIR", ""},
};

// Names that mean different formats in different places: refused with the candidates (formats lists them all).
constexpr AmbiguousName kAmbiguous[] = {
    {"fp8", "e4m3,e5m2", "OCP FP8 is two formats: e4m3 (max 448, weights and activations) or e5m2 (max 57344)"},
    {"float8", "e4m3,e5m2", "OCP FP8 is two formats: e4m3 (max 448, weights and activations) or e5m2 (max 57344)"},
    {"fp6", "e2m3,e3m2",
     "OCP MX FP6 is two formats: e2m3 (max 7.5, mxfp6's element) or e3m2 (max 28, FP6-LLM's FP6)"},
    {"float6", "e2m3,e3m2",
     "OCP MX FP6 is two formats: e2m3 (max 7.5, mxfp6's element) or e3m2 (max 28, FP6-LLM's FP6)"},
};

// Block schemes (formats/scheme.cpp) that people type where a format is asked for, with their element format.
constexpr std::pair<std::string_view, std::string_view> kSchemeElements[] = {
    {"mxfp8", "e4m3 (mxfp8-e5m2: e5m2) with an e8m0 scale per 32"},
    {"mxfp6", "e2m3 (mxfp6-e3m2: e3m2) with an e8m0 scale per 32"},
    {"mxfp4", "e2m1 with an e8m0 scale per 32"},
    {"mxint8", "int8 with an e8m0 scale per 32"},
    {"nvfp4", "e2m1 with an e4m3 scale per 16 and an fp32 scale per tensor"},
    {"nf4", "4-bit indices into the NormalFloat codebook"},
    {"q8_0", "int8 with an fp16 scale per 32 (ggml)"},
    {"q4_0", "int4 with an fp16 scale per 32 (ggml)"},
};

/// The spelling a name is looked up by: lower case, '_' as '-', one library prefix removed ("torch.float8_e4m3fn"
/// -> "float8-e4m3fn").
std::string normalize(std::string_view name) {
  std::string s = ascii_lower(trim(name));
  for (std::string_view prefix : {"torch.", "numpy.", "np.", "jax.numpy.", "jnp.", "ml_dtypes.", "tf."})
    if (s.rfind(prefix, 0) == 0 && s.size() > prefix.size()) {
      s.erase(0, prefix.size());
      break;
    }
  for (char& c : s)
    if (c == '_') c = '-';
  return s;
}

/// The canonical name a normalized alias means, or the key itself.
std::string_view resolve_alias(std::string_view key) {
  for (const AliasInfo& a : kAliases)
    if (normalize(a.alias) == key) return a.name;
  return key;
}

std::string_view intern(const std::string& s) {
  static std::mutex mu;
  static std::set<std::string> names;
  std::lock_guard<std::mutex> lock(mu);
  return *names.insert(s).first;
}

[[noreturn]] void unknown(std::string_view name, const std::string& why = "") {
  const std::string shown(name.substr(0, 60));
  if (!why.empty())
    throw InputError("unknown format '" + shown + "' (" + why + "): expected " + accepted_format_names());
  const std::string key = normalize(name);
  for (const AmbiguousName& a : kAmbiguous)
    if (normalize(a.name) == key)
      throw InputError("format '" + shown + "' is ambiguous: " + std::string(a.why) + "; name one of them");
  for (const auto& [scheme, element] : kSchemeElements)
    if (normalize(scheme) == key)
      throw InputError("'" + shown + "' is a storage scheme, not a number format: its elements are " +
                       std::string(element) + " (quantize --schemes and memory --weights take the scheme)");
  const std::vector<std::string> near = closest_format_names(name, 3);
  if (near.empty())
    throw InputError("unknown format '" + shown + "': expected " + accepted_format_names() +
                     " (numscope formats --aliases lists every spelling)");
  std::string list;
  for (std::size_t i = 0; i < near.size(); ++i) list += (i == 0 ? "" : i + 1 == near.size() ? " or " : ", ") + near[i];
  throw InputError("unknown format '" + shown + "': did you mean " + list +
                   "? (numscope formats --aliases lists every spelling; user-defined: eXmY[-ieee|fn|fnuz][:bias=N], "
                   "intN, uintN)");
}

/// Reads decimal digits at s[i...]; returns -1 when there are none or too many.
long read_uint(const std::string& s, std::size_t& i) {
  const std::size_t start = i;
  long v = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) && i - start < 7) v = v * 10 + (s[i++] - '0');
  return i == start || (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ? -1 : v;
}

/// The built-in row with this canonical name or alias (as normalize() writes it), or null.
const Format* builtin_named(std::string_view key) {
  key = resolve_alias(key);
  for (const Format& f : kBuiltins)
    if (f.name == key) return &f;
  return nullptr;
}

/// A user row with the layout of a built-in one is the built-in row (its name, summary and identity), so that
/// one format never prints under two names and two formats never under one.
Format canonical(Format f, const std::string& printed) {
  for (const Format& b : kBuiltins)
    if (same_layout(b, f)) return b;
  f.name = intern(printed);
  return f;
}

/// intN / uintN, 2 <= N <= 64 (leading zeros allowed: int08 is int8).
bool user_int(const std::string& s, Format& out) {
  const bool is_unsigned = s.rfind("uint", 0) == 0;
  if (!is_unsigned && s.rfind("int", 0) != 0) return false;
  std::size_t i = is_unsigned ? 4 : 3;
  const long n = read_uint(s, i);
  if (n < 0 || i != s.size()) return false;
  if (n < 2 || n > 64) unknown(s, "integer widths go from 2 to 64 bits");
  Format f{.name = {}, .kind = Kind::kInt, .int_bits = static_cast<int>(n), .is_signed = !is_unsigned,
           .summary = is_unsigned ? "unsigned integer" : "two's complement"};
  out = canonical(f, (is_unsigned ? "uint" : "int") + std::to_string(n));
  return true;
}

/// "eXmY" (appended piece by piece: GCC 12 warns, wrongly, on "e" + std::to_string(...) under -Wrestrict).
std::string base_name(long e, long m) {
  std::string out = "e";
  out += std::to_string(e);
  out += 'm';
  out += std::to_string(m);
  return out;
}

/// The generic row eXmY (IEEE-like), eXmYfn (no inf, NaN = all ones) or eXmYfnuz (no inf, no -0, NaN = 100..0)
/// with its conventional bias: 2^(X-1) - 1 (IEEE 754 §3.3: bias = emax), one more for fnuz.
Format generic_float(const std::string& s, long e, long m, std::string_view suffix) {
  if (e < 1 || e > 15 || m > 112) unknown(s, "user-defined formats have 1..15 exponent and 0..112 mantissa bits");
  Format f{.name = {}, .exponent_bits = static_cast<int>(e), .mantissa_bits = static_cast<int>(m),
           .bias = (1 << (e - 1)) - 1, .summary = "user-defined, IEEE-like"};
  if (suffix == "fn") {
    f.nonfinite = Nonfinite::kNanOnly;
    f.nan = NanEncoding::kAllOnes;
    f.summary = "user-defined, no inf, NaN = all ones";
  } else if (suffix == "fnuz") {
    f.nonfinite = Nonfinite::kNanOnly;
    f.nan = NanEncoding::kNegativeZero;
    f.bias += 1;  // the fnuz convention: one more than IEEE
    f.summary = "user-defined, no inf, no -0, NaN = 0x80..0";
  } else if (m == 0) {
    unknown(s, "an IEEE-like format needs a mantissa bit to tell NaN from inf; try the fn suffix");
  }
  return f;
}

/// The printed name of a float row that is not a built-in one: e{X}m{Y}, its suffix, and :bias=N when the bias is
/// not the one that name gives. An IEEE-like row whose e{X}m{Y} names a built-in format of another kind gets
/// -ieee (e2m1 only ever means OCP FP4): the name, parsed again, is the same row.
std::string printed_name(const Format& f) {
  const std::string base = base_name(f.exponent_bits, f.mantissa_bits);
  std::string suffix;
  if (f.nonfinite == Nonfinite::kNanOnly && f.nan == NanEncoding::kAllOnes && f.has_sign) suffix = "fn";
  else if (f.nonfinite == Nonfinite::kNanOnly && f.nan == NanEncoding::kNegativeZero) suffix = "fnuz";
  const Format* named = builtin_named(base + suffix);
  Format gives;  // what base + suffix means without a bias
  if (named && (named->nonfinite == f.nonfinite && named->nan == f.nan && named->has_sign == f.has_sign &&
                named->has_subnormals == f.has_subnormals)) {
    gives = *named;
  } else if (f.nonfinite == Nonfinite::kIeee754 || !suffix.empty()) {
    if (named) suffix = "-ieee";  // only IEEE-like rows reach here with a built-in base of another kind
    gives = generic_float(base, f.exponent_bits, f.mantissa_bits, suffix == "-ieee" ? "" : suffix);
  } else {
    gives = *named;  // finite-only (e2m1, e3m2, e2m3) and unsigned (e8m0) rows come only from those bases
  }
  std::string out = base + suffix;
  if (f.bias != gives.bias) out += ":bias=" + std::to_string(f.bias);
  return out;
}

/// eXmY[-ieee|fn|fnuz][:bias=N]: eXmY[fn|fnuz] names the built-in row of that name when there is one (e2m1 is
/// OCP FP4, e4m3fn is OFP8 E4M3), else the generic row; -ieee asks for the generic IEEE-like row; :bias=N
/// replaces the bias. Digits may have leading zeros (e04m3 is e4m3).
bool user_float(const std::string& s, Format& out) {
  if (s.empty() || s[0] != 'e') return false;
  std::size_t i = 1;
  const long e = read_uint(s, i);
  if (e < 0 || i >= s.size() || s[i] != 'm') return false;
  ++i;
  const long m = read_uint(s, i);
  if (m < 0) return false;
  std::string suffix = s.substr(i);
  std::optional<std::string> bias_text;
  if (const auto colon = suffix.find(':'); colon != std::string::npos) {
    const std::string param = suffix.substr(colon + 1);
    suffix = suffix.substr(0, colon);
    if (param.rfind("bias=", 0) != 0) unknown(s, "the only parameter is :bias=N");
    bias_text = param.substr(5);
  }
  if (!suffix.empty() && suffix != "fn" && suffix != "fnuz" && suffix != "-ieee")
    unknown(s, "suffixes are -ieee, fn and fnuz");
  const std::string base = base_name(e, m);
  const Format* named = suffix == "-ieee" ? nullptr : builtin_named(base + suffix);
  Format f = named ? *named : generic_float(s, e, m, suffix == "-ieee" ? "" : suffix);
  if (bias_text) {
    const std::string& b = *bias_text;
    std::size_t k = !b.empty() && (b[0] == '-' || b[0] == '+') ? 1 : 0;
    const long v = read_uint(b, k);
    if (v < 0 || k != b.size() || v > 16384) unknown(s, "bias must be an integer from -16384 to 16384");
    f.bias = static_cast<int>(b[0] == '-' ? -v : v);
    if (named) f.summary = intern("user-defined: " + std::string(named->name) + "'s layout, another bias");
  }
  if (max_finite_code(f) == 0) unknown(s, "it has no finite value other than zero");
  out = canonical(f, printed_name(f));
  return true;
}

}  // namespace

std::span<const Format> builtin_formats() { return kBuiltins; }

std::vector<std::string_view> aliases(const Format& f) {
  std::vector<std::string_view> out;
  for (const AliasInfo& a : kAliases)
    if (a.name == f.name) out.push_back(a.alias);
  return out;
}

std::span<const AliasInfo> alias_table() { return kAliases; }

std::span<const AmbiguousName> ambiguous_names() { return kAmbiguous; }

std::vector<std::string> ambiguous_candidates(std::string_view name) {
  const std::string key = normalize(name);
  std::vector<std::string> out;
  for (const AmbiguousName& a : kAmbiguous) {
    if (normalize(a.name) != key) continue;
    std::string_view list = a.candidates;
    while (!list.empty()) {
      const std::size_t comma = std::min(list.find(','), list.size());
      out.emplace_back(list.substr(0, comma));
      list.remove_prefix(std::min(comma + 1, list.size()));
    }
  }
  return out;
}

std::vector<std::string> closest_format_names(std::string_view name, std::size_t n) {
  std::vector<std::string> names;
  for (const Format& f : kBuiltins) names.emplace_back(f.name);
  for (const AliasInfo& a : kAliases) names.push_back(normalize(a.alias));
  std::vector<std::string> near = closest(normalize(name), names, n * 2);
  // An alias is suggested by the spelling people write ("float8_e4m3fn", not "float8-e4m3fn").
  for (std::string& c : near)
    for (const AliasInfo& a : kAliases)
      if (normalize(a.alias) == c) c = std::string(a.alias);
  std::vector<std::string> out;
  for (const std::string& c : near)
    if (out.size() < n && std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  return out;
}

Format find_format(std::string_view name) {
  const std::string key = normalize(name);
  if (const Format* f = builtin_named(key)) return *f;
  Format out;
  if (user_int(key, out) || user_float(key, out)) return out;
  unknown(name);
}

std::vector<Format> find_formats(std::string_view list) {
  std::vector<Format> out;
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t end = list.find(',', start);
    if (end == std::string_view::npos) end = list.size();
    std::string_view item = list.substr(start, end - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty()) throw InputError("empty format name in list '" + std::string(list) + "': expected " +
                                       "comma-separated names such as fp16,bf16,e4m3");
    out.push_back(find_format(item));
    start = end + 1;
  }
  return out;
}

std::string accepted_format_names() {
  std::string out;
  for (const Format& f : kBuiltins) out += std::string(f.name) + ", ";
  return out + "or eXmY[-ieee|fn|fnuz][:bias=N] (1<=X<=15, 0<=Y<=112), intN or uintN (2<=N<=64)";
}

}  // namespace numscope
