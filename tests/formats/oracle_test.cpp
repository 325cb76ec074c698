// FP32 into every format against independent oracles: Eigen / F16C over all 2^32 inputs, and an exact rational reference.
//
// Rounding per IEEE 754-2019 §4.3 (rne, rna, rtz, up, down) plus round-to-odd, overflow per §7.4 and OCP OFP8
// rev 1.0 §5 (non-saturating fn formats give NaN, saturation mode gives ±max), OCP MX v1.0 §5.3 (FP6/FP4 saturate).
#include <catch2/catch.hpp>

#include <Eigen/Core>
#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <cmath>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>
#include <vector>

#include "numscope/formats/engine.h"
#include "numscope/formats/number.h"
#include "numscope/formats/registry.h"
#include "tests/formats/reference.h"

using namespace numscope;
using reftest::BigInt;
using reftest::Rational;

namespace {

// ---- The exhaustive fp32 -> fp16 / bf16 sweep against Eigen and F16C -----------------------------------

__attribute__((target("f16c"))) void f16c_convert4(const float* in, std::uint16_t* out) {
  const __m128i h = _mm_cvtps_ph(_mm_loadu_ps(in), _MM_FROUND_TO_NEAREST_INT);
  _mm_storel_epi64(reinterpret_cast<__m128i*>(out), h);
}

bool f16_is_nan(std::uint16_t h) { return (h & 0x7c00) == 0x7c00 && (h & 0x3ff) != 0; }
bool bf16_is_nan(std::uint16_t h) { return (h & 0x7f80) == 0x7f80 && (h & 0x7f) != 0; }
/// Equal codes, or both NaN (NaN payloads differ between implementations: compared by class).
bool same16(std::uint16_t a, std::uint16_t b, bool (*is_nan)(std::uint16_t)) {
  return a == b || (is_nan(a) && is_nan(b));
}

}  // namespace

TEST_CASE("all 2^32 fp32 inputs into fp16 and bf16 match Eigen::half, Eigen::bfloat16 and F16C", "[formats][oracle][slow]") {
  const Format fp16 = find_format("fp16"), bf16 = find_format("bf16");
  const bool f16c = __builtin_cpu_supports("f16c");
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  std::atomic<std::uint64_t> bad_half{0}, bad_bf16{0}, bad_f16c{0};
  std::mutex mu;
  std::ostringstream first;
  const auto t0 = std::chrono::steady_clock::now();
  auto work = [&](std::uint64_t begin, std::uint64_t end) {
    std::uint64_t bh = 0, bb = 0, bf = 0;
    alignas(16) float in[4];
    alignas(16) std::uint16_t hw[8];
    for (std::uint64_t base = begin; base < end; base += 4) {
      for (int k = 0; k < 4; ++k) in[k] = std::bit_cast<float>(static_cast<std::uint32_t>(base + k));
      if (f16c) f16c_convert4(in, hw);
      for (int k = 0; k < 4; ++k) {
        const float x = in[k];
        const auto h = static_cast<std::uint16_t>(encode(fp16, static_cast<double>(x)).code);
        const auto b = static_cast<std::uint16_t>(encode(bf16, static_cast<double>(x)).code);
        const std::uint16_t eh = Eigen::numext::bit_cast<std::uint16_t>(Eigen::half(x));
        const std::uint16_t eb = Eigen::numext::bit_cast<std::uint16_t>(Eigen::bfloat16(x));
        const bool ok_h = same16(h, eh, f16_is_nan), ok_b = same16(b, eb, bf16_is_nan);
        const bool ok_f = !f16c || same16(h, hw[k], f16_is_nan);
        if (!ok_h || !ok_b || !ok_f) {
          bh += !ok_h;
          bb += !ok_b;
          bf += !ok_f;
          std::lock_guard<std::mutex> lock(mu);
          if (first.tellp() < 2000)
            first << std::hex << "fp32 0x" << (base + k) << ": fp16 " << h << " eigen " << eh << " f16c " << hw[k]
                  << "; bf16 " << b << " eigen " << eb << "\n";
        }
      }
    }
    bad_half += bh;
    bad_bf16 += bb;
    bad_f16c += bf;
  };
  const std::uint64_t total = std::uint64_t{1} << 32, chunk = total / threads;
  std::vector<std::thread> pool;
  for (unsigned i = 0; i < threads; ++i) pool.emplace_back(work, i * chunk, i + 1 == threads ? total : (i + 1) * chunk);
  for (auto& t : pool) t.join();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  WARN("2^32 sweep: " << secs << " s on " << threads << " threads, F16C " << (f16c ? "used" : "not available"));
  INFO(first.str());
  CHECK(bad_half == 0);
  CHECK(bad_bf16 == 0);
  CHECK(bad_f16c == 0);
}

// ---- The exact rational reference on a stratified set, and seeded random inputs ------------------------

namespace {

/// The exact value of an fp32 bit pattern (IEEE 754 §3.4 for binary32), computed without the engine.
Rational rational_of(std::uint32_t b) {
  const std::uint32_t ef = (b >> 23) & 0xff, mf = b & 0x7fffff;
  const BigInt sig = ef ? (mf | 0x800000u) : mf;
  const Rational r = Rational(sig) * reftest::pow2(static_cast<long>(ef ? ef : 1) - 150);
  return (b >> 31) ? Rational(-r) : r;
}

bool finite_bits(std::uint32_t b) { return ((b >> 23) & 0xff) != 0xff; }

std::vector<Format> oracle_formats() {
  std::vector<Format> out = reftest::formats_upto16();
  out.push_back(find_format("tf32"));
  return out;
}

/// Compares the engine with the reference for one format; collects failures instead of asserting per input.
struct Oracle {
  Format f;
  reftest::Table<Rational> exact;
  reftest::Table<double> fast;
  std::vector<char> nan_code;  // per code: is it a NaN (ref_decode)
  long checks = 0, failures = 0;
  std::size_t inputs = 0;
  std::ostringstream first;

  Oracle(const Format& fmt, bool need_exact) : f(fmt), fast(reftest::make_table<double>(fmt)) {
    if (need_exact) exact = reftest::make_table<Rational>(fmt);
    const int n = reftest::ref_bits(f);
    nan_code.resize(std::size_t{1} << n);
    for (std::uint64_t c = 0; c < nan_code.size(); ++c) nan_code[c] = reftest::is_nan_code(f, c);
  }

  /// Code (NaNs by class), status flags, and the status word by engine.h's one rule for every mode.
  bool same(const reftest::Result& want, const Encoded& got, bool neg) {
    const auto code = static_cast<std::uint64_t>(got.code);
    if (got.status != want.status) return false;
    if (outcome(f, Number{Number::Kind::kFinite, neg, Rational(1)}, got) != want.word) return false;
    if (code >= nan_code.size()) return false;
    if (f.kind == Kind::kFloat && nan_code[want.code]) return nan_code[code] != 0;
    return code == want.code;
  }

  void fail(std::uint32_t x, int mode, bool sat, const char* path, const reftest::Result& want, const Encoded& got) {
    if (failures++ < 10)
      first << f.name << " fp32 0x" << std::hex << x << " (" << std::bit_cast<float>(x) << ") mode "
            << rounding_name(static_cast<Rounding>(mode)) << (sat ? " sat" : "") << " " << path << ": want 0x"
            << want.code << "/" << want.status << "/" << want.word << " got 0x" << static_cast<std::uint64_t>(got.code)
            << "/" << got.status << "/" << outcome(f, Number{Number::Kind::kFinite, false, Rational(1)}, got)
            << std::dec << "\n";
  }

  /// Every mode except stochastic, both overflow policies, through encode(double); and one configuration
  /// (rotating) through encode(Number) on the exact path.
  void check(std::uint32_t x, bool exact_ref) {
    if (!finite_bits(x)) return;
    const bool xneg = (x >> 31) != 0;
    const double d = static_cast<double>(std::bit_cast<float>(x));
    reftest::Where w;
    Rational q;
    if (exact_ref) {
      q = rational_of(x);
      w = reftest::locate(exact, q, xneg);
    } else {
      w = reftest::locate(fast, d, xneg);
    }
    const int number_cfg = static_cast<int>(inputs++ % 12);
    for (int cfg = 0; cfg < 12; ++cfg) {
      ConvertOptions opt;
      opt.rounding = static_cast<Rounding>(cfg % 6);
      opt.saturate = cfg >= 6;
      const reftest::Result want = exact_ref ? reftest::decide(exact, w, opt.rounding, opt.saturate)
                                             : reftest::decide(fast, w, opt.rounding, opt.saturate);
      const Encoded got = encode(f, d, opt);
      ++checks;
      if (!same(want, got, xneg)) fail(x, cfg % 6, opt.saturate, "double", want, got);
      if (exact_ref && cfg == number_cfg) {
        const Encoded viaq = encode(f, Number{Number::Kind::kFinite, xneg, q < 0 ? Rational(-q) : q}, opt);
        ++checks;
        if (!same(want, viaq, xneg)) fail(x, cfg % 6, opt.saturate, "Number", want, viaq);
      }
    }
  }
};

void push_float(std::vector<std::uint32_t>& out, double v) {
  const float f = static_cast<float>(v);
  if (static_cast<double>(f) != v || std::isinf(f)) return;  // only exact fp32 values
  out.push_back(std::bit_cast<std::uint32_t>(f));
  out.push_back(std::bit_cast<std::uint32_t>(std::nextafter(f, INFINITY)));
  out.push_back(std::bit_cast<std::uint32_t>(std::nextafter(f, -INFINITY)));
}

/// The stratified set: (1) every fp32 exponent × every pattern of the top 4 mantissa bits × the kept bits
/// below them all 0 or all 1 (alternating) × the discarded bits 0, half - 1, half (tie), half + 1, all ones, both signs;
/// (2) each rounding boundary: every target value and every midpoint between neighbours (including the one
/// past max), each with its fp32 neighbours ± 1 ulp. `all` = every boundary; otherwise the boundaries in the
/// lowest, highest and around-one binades plus a stride through the rest.
std::vector<std::uint32_t> stratified(const Oracle& o, bool all) {
  std::vector<std::uint32_t> out;
  const int keep = o.f.kind == Kind::kFloat ? std::min(o.f.mantissa_bits, 22) : 4;
  const int drop = 23 - keep;
  const std::uint32_t half = std::uint32_t{1} << (drop - 1);
  const std::uint32_t drops[] = {0, half - 1, half, half + 1, (std::uint32_t{1} << drop) - 1};
  const std::uint32_t mid_ones = keep > 4 ? ((std::uint32_t{1} << 19) - 1) & ~((std::uint32_t{1} << drop) - 1) : 0;
  for (std::uint32_t s : {0u, 1u})
    for (std::uint32_t e = 0; e < 255; ++e)
      for (std::uint32_t top = 0; top < 16; ++top)
        for (std::uint32_t dr : drops) {
          const std::uint32_t mid = ((e + top) & 1) ? mid_ones : 0;  // the kept bits below the top 4: 0 or all 1
          out.push_back((s << 31) | (e << 23) | (top << 19) | mid | dr);
        }
  const auto& t = o.fast.e;  // same entries as the exact table: values are exact in double (<= 12 significant bits)
  const std::size_t n = t.size();
  std::size_t zero = 0;
  while (zero < n && t[zero].value < 0) ++zero;
  for (std::size_t i = 0; i + 1 < n; ++i) {
    const bool pick = all || n < 4096 || i < 256 || i + 256 > n || (i + 256 > zero && i < zero + 256) || i % 61 == 0 ||
                      (std::abs(t[i].value) >= 0.5 && std::abs(t[i].value) <= 4);
    if (!pick) continue;
    if (!t[i].ext) push_float(out, t[i].value);
    push_float(out, (t[i].value + t[i + 1].value) / 2);  // exact: one more bit than the format's
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

/// Runs `job` for every format on hardware_concurrency() threads; the Catch assertions stay on this thread.
template <class Job>
void for_formats(const std::vector<Format>& formats, Job job) {
  std::vector<std::string> report(formats.size());
  std::vector<long> failures(formats.size(), 0);
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i; (i = next++) < formats.size();) failures[i] = job(formats[i], report[i]);
  };
  std::vector<std::thread> pool;
  for (unsigned k = 0; k < std::max(1u, std::thread::hardware_concurrency()); ++k) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  for (std::size_t i = 0; i < formats.size(); ++i) {
    INFO(report[i]);
    CHECK(failures[i] == 0);
  }
}

void run_stratified(bool all, const std::vector<Format>& formats) {
  for_formats(formats, [all](const Format& f, std::string& report) {
    Oracle o(f, true);
    const std::vector<std::uint32_t> inputs = stratified(o, all);
    for (const std::uint32_t x : inputs) o.check(x, true);
    report = "format " + std::string(f.name) + ": " + std::to_string(inputs.size()) + " inputs, " +
             std::to_string(o.checks) + " comparisons\n" + o.first.str();
    return o.failures;
  });
}

}  // namespace

TEST_CASE("fp32 into every format of at most 16 bits and tf32: exact rational reference, stratified",
          "[formats][oracle]") {
  run_stratified(false, oracle_formats());
}

TEST_CASE("fp32 into fp16, bf16, tf32 and the wide user formats: every rounding boundary", "[formats][oracle][slow]") {
  std::vector<Format> wide;
  for (const Format& f : oracle_formats())
    if (bits(f) > 12) wide.push_back(f);
  run_stratified(true, wide);
}

TEST_CASE("fp32 into every format: seeded random inputs against the reference in double", "[formats][oracle]") {
  // Exactness argument: every value of these formats and every midpoint of two neighbours has at most 12
  // significant bits and an exponent inside [-150, 129], so it is a binary64 number; an fp32 input is one too.
  // x + x and lo + hi (= 2·midpoint) are then computed exactly, and comparing them is the exact comparison.
  const std::vector<Format> formats = oracle_formats();
  const long per_format = 1'500'000 / static_cast<long>(formats.size());
  for_formats(formats, [per_format](const Format& f, std::string& report) {
    Oracle o(f, false);
    std::mt19937_64 rng(20240611 + bits(f) * 131 + f.mantissa_bits);  // fixed seed per format
    // Half uniform bit patterns, half with an exponent near the format's range (where its values are).
    const double top = std::abs(o.fast.e.back().value);
    const int hi_e = std::min(254, 127 + std::ilogb(top) + 3);
    const int lo_e = std::max(0, 127 + std::ilogb(reftest::to_double(reftest::pow2(1 - f.bias - f.mantissa_bits))) - 4);
    std::uniform_int_distribution<int> exp(f.kind == Kind::kInt ? 120 : lo_e, f.kind == Kind::kInt ? 127 + f.int_bits + 1 : hi_e);
    for (long i = 0; i < per_format; ++i) {
      std::uint32_t x = static_cast<std::uint32_t>(rng());
      if (i & 1) x = (x & 0x807fffffu) | (static_cast<std::uint32_t>(exp(rng)) << 23);
      o.check(x, false);
    }
    report = "format " + std::string(f.name) + ": " + std::to_string(o.checks) + " comparisons\n" + o.first.str();
    return o.failures;
  });
}

TEST_CASE("special inputs: NaN, ±inf, ±0 in every format, mode and policy", "[formats][oracle]") {
  for (const Format& f : oracle_formats()) {
    INFO("format " << f.name);
    const auto t = reftest::make_table<double>(f);
    for (int r = 0; r < 6; ++r) {
      for (bool sat : {false, true}) {
        ConvertOptions opt;
        opt.rounding = static_cast<Rounding>(r);
        opt.saturate = sat;
        INFO("mode " << r << " sat " << sat);
        const Encoded n = encode(f, NAN, opt);
        if (f.kind == Kind::kFloat && f.nan != NanEncoding::kNone) {
          CHECK(reftest::is_nan_code(f, static_cast<std::uint64_t>(n.code)));
          CHECK(n.status == kOk);
        } else {
          CHECK(n.status == kInvalid);  // no NaN to store
        }
        for (const double z : {0.0, -0.0}) {
          const Encoded e = encode(f, z, opt);
          const reftest::Result want = reftest::round(t, z, std::signbit(z), opt.rounding, sat);
          CHECK(static_cast<std::uint64_t>(e.code) == want.code);
          CHECK(e.status == want.status);
        }
        for (const double inf : {INFINITY, -INFINITY}) {
          const Encoded e = encode(f, inf, opt);
          const bool neg = inf < 0;
          if (f.kind == Kind::kFloat && f.nonfinite == Nonfinite::kIeee754) {
            // IEEE 754 §7.4: an infinite operand is exact, not an overflow; inf stays inf. (Whether --saturate
            // should also clamp an infinite input, as some saturating FP8 converters do, is left open here.)
            if (!sat) {
              CHECK(static_cast<std::uint64_t>(e.code) == (t.inf_code | (neg ? t.sign : 0)));
              CHECK(e.status == kOk);
            }
          } else if (f.kind == Kind::kFloat && !f.has_sign && neg) {
            CHECK(e.status == kInvalid);  // E8M0: a negative number
          } else {
            // no infinity: an infinite input overflows (never pulled back by a directed mode)
            const reftest::Result want = reftest::overflow(t, neg, Rounding::kNearestEven, sat);
            CHECK(e.status == want.status);
            CHECK(outcome(f, Number{Number::Kind::kInf, neg, Rational(0)}, e) == want.word);
            if (f.kind == Kind::kFloat && f.nonfinite == Nonfinite::kNanOnly && !sat)
              CHECK(reftest::is_nan_code(f, static_cast<std::uint64_t>(e.code)));
            else
              CHECK(static_cast<std::uint64_t>(e.code) == want.code);
          }
        }
      }
    }
  }
}
