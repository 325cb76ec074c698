// The claim language: a recursive-descent parser that evaluates as it parses, in exact rationals, and the verdicts.
// One file over 600 lines on purpose: the grammar, its evaluator and its work bounds read as one piece (docs/check.md).
#include "numscope/check/claims.h"
#include "numscope/support/units.h"

#include <algorithm>  // std::max
#include <cmath>      // std::frexp, std::ldexp
#include <optional>   // std::optional

#include <boost/multiprecision/cpp_dec_float.hpp>  // cpp_dec_float_50: log10 / log2 of non-powers, digits()

#include "numscope/formats/engine.h"
#include "numscope/formats/properties.h"
#include "numscope/formats/registry.h"
#include "numscope/formats/scheme.h"
#include "numscope/memory/estimate.h"
#include "numscope/memory/gpu.h"
#include "numscope/memory/model.h"

namespace numscope::check {
namespace {

namespace mp = boost::multiprecision;
using Dec = mp::cpp_dec_float_50;

// ---- Small helpers on exact values ------------------------------------------------------------------------

long bit_length(const BigInt& x) { return x == 0 ? 0 : static_cast<long>(mp::msb(abs(x))) + 1; }
long size_bits(const Rational& r) { return bit_length(mp::numerator(r)) + bit_length(mp::denominator(r)); }
/// log2 |x| for x != 0, from the leading 53 bits: the size of x^k is about k times this (2^k needs k + 1 bits).
double log2_of(const BigInt& x) {
  const BigInt a = abs(x);
  const long top = bit_length(a) - 1;
  if (top < 53) return std::log2(static_cast<double>(a));
  return static_cast<double>(top - 52) + std::log2(static_cast<double>(a >> static_cast<unsigned>(top - 52)));
}

Rational from_double(double d) {
  if (d == 0) return Rational(0);
  int e = 0;
  const double m = std::frexp(d, &e);  // d = m · 2^e, 0.5 <= |m| < 1
  return dyadic(BigInt(static_cast<long long>(std::ldexp(m, 53))), e - 53);
}

Rational abs_r(const Rational& r) { return r < 0 ? Rational(-r) : r; }

Value exact(const Rational& r) { return Value{Number::from_rational(r), false}; }

bool is_finite(const Value& v) { return v.num.kind == Number::Kind::kFinite; }

/// A decimal approximation (40 significant digits) of an irrational number, as a Value marked approx.
Value approx_value(const Dec& d) {
  Value v{parse_number(d.str(40, std::ios_base::scientific)), true};
  return v;
}

Dec to_dec(const Rational& r) { return Dec(mp::numerator(r).str()) / Dec(mp::denominator(r).str()); }

const Dec& log10_of_2() {
  static const Dec k = mp::log10(Dec(2));
  return k;
}

/// A short number for reasons: every digit when short, else 6 significant digits marked ≈.
std::string compact_dyadic(const Rational& r);
std::string brief(const Rational& r) {
  if (is_terminating(r)) {
    std::string s = exact_decimal(r);
    if (s.size() <= 20) return s;
  }
  const std::string d = compact_dyadic(r);
  return d.empty() ? "≈" + rounded_decimal(r, 6) : d + " ≈ " + rounded_decimal(r, 6);
}
std::string brief(const Value& v) {
  if (!is_finite(v)) return exact_decimal(v.num);
  if (v.approx) return "≈" + rounded_decimal(v.num.value(), 6);
  return brief(v.num.value());
}

/// Why a store underflowed, true in every mode: below the smallest value and rounded to 0 (at exactly half of it
/// RNE's tie goes to the even 0, so "below half" would be wrong), flushed by ftz though above it, or E8M0's floor
/// (no zero: it keeps 2^-127).
std::string underflow_why(const std::string& fname, const Properties& p, const Number& x, const Number& stored,
                          Rounding mode) {
  if (!stored.is_zero())
    return " is below the smallest " + fname + " value " + brief(p.min_subnormal) + ", which " + fname +
           " stores: it has no zero";
  if (x.mag >= p.min_subnormal)
    return " is flushed to zero (ftz): it is below the smallest normal " + brief(p.min_normal);
  return " is below the smallest " + fname + " value " + brief(p.min_subnormal) + " and rounds (" +
         std::string(rounding_name(mode)) + ") to 0";
}

std::string percent(const Rational& r) { return rounded_decimal(Rational(r * 100), 4) + "%"; }

/// "28 GB = 26.08 GiB" for byte counts.
std::string bytes_text(const Rational& b) {
  return rounded_decimal(Rational(b / 1000000000), 4) + " GB = " + rounded_decimal(Rational(b / (BigInt(1) << 30)), 4) +
         " GiB";
}

bool is_ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_ident_char(char c) { return is_ident_start(c) || (c >= '0' && c <= '9'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// The size units (support/units.h: the one table, matched in any case as everywhere else): 10^p10 · 2^p2.
std::optional<Rational> unit_factor(std::string_view u) {
  const UnitRow* row = find_byte_unit(u);
  if (!row) return std::nullopt;
  BigInt f = 1;
  for (int i = 0; i < row->pow10; ++i) f *= 10;
  return Rational(f << row->pow2);
}
const std::string kUnits = byte_unit_names();
constexpr const char* kQueries =
    "max, min_normal, min_subnormal, epsilon, digits, digits10, max_digits10, bits, bytes, bias, exponent_bits, "
    "mantissa_bits, store(FORMAT, NUMBER), memory(KEY=VALUE, ...), params(KEY=VALUE, ...), log2, log10, "
    "bits_per_element(SCHEME) (or bpw)";
constexpr const char* kRelations = "=, !=, ≈ (or ~= or ~), <, <=, >, >=, overflows, underflows, is exact, fits GPU";

// ---- What a call on the left side was, for overflows / underflows / is exact / fits ---------------------------

struct CallInfo {
  enum class Kind { kNone, kStore, kMemory, kOther } kind = Kind::kNone;
  std::string text;  // the call as written
  // store
  Format format{};
  Number input;
  Encoded encoded;
  std::string outcome;
  // memory
  memory::MemoryRequest request;
  bool has_field = false;
};

// ---- The parser ---------------------------------------------------------------------------------------------

class Parser {
 public:
  Parser(std::string_view line, std::size_t begin, std::size_t end, int depth = 0)
      : s_(line), pos_(begin), end_(end), depth_(depth) {}

  std::vector<std::string> notes;  // what each query evaluated to, for the reason
  CallInfo last_call;              // the last call evaluated
  int operations = 0;              // operators applied (0 with one call: the side is that call)

  [[noreturn]] void fail(std::size_t at, const std::string& what) const { throw ClaimError(column(at), what); }

  /// 1-based column of a byte offset, counting UTF-8 code points.
  int column(std::size_t at) const {
    int col = 1;
    for (std::size_t i = 0; i < at && i < s_.size(); ++i)
      if ((static_cast<unsigned char>(s_[i]) & 0xC0) != 0x80) ++col;
    return col;
  }

  void skip_ws() {
    while (pos_ < end_ && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\r')) ++pos_;
  }
  bool at_end() {
    skip_ws();
    return pos_ >= end_;
  }
  std::size_t pos() const { return pos_; }
  void set_pos(std::size_t p) { pos_ = p; }
  bool peek(std::string_view tok) {
    skip_ws();
    return s_.substr(pos_, std::min(tok.size(), end_ - pos_)) == tok && tok.size() <= end_ - pos_;
  }
  bool eat(std::string_view tok) {
    if (!peek(tok)) return false;
    pos_ += tok.size();
    return true;
  }
  /// The identifier at the cursor (after blanks), or "" without consuming.
  std::string_view peek_ident() {
    skip_ws();
    std::size_t p = pos_;
    if (p >= end_ || !is_ident_start(s_[p])) return {};
    while (p < end_ && is_ident_char(s_[p])) ++p;
    return s_.substr(pos_, p - pos_);
  }
  std::string found() {
    skip_ws();
    if (pos_ >= end_) return "the end of the line";
    std::string_view rest = s_.substr(pos_, std::min<std::size_t>(end_ - pos_, 16));
    return "'" + std::string(rest) + (end_ - pos_ > 16 ? "...'" : "'");
  }

  // expr := term (('+' | '-') term)*
  Value expr() { return value_of(expr_q()); }

 private:
  std::string_view s_;
  std::size_t pos_, end_;
  int depth_;
  double work_ = 0;  // limb operations of exact arithmetic spent so far (bounded by kMaxWork)

  void enter(std::size_t at) {
    if (++depth_ > kMaxDepth)
      fail(at, "refused: nesting deeper than " + std::to_string(kMaxDepth) + " levels of parentheses and calls");
  }
  void leave() { --depth_; }

  void need_finite(const Value& v, std::size_t at, const char* op) const {
    if (!is_finite(v))
      fail(at, std::string("cannot ") + op + " " + exact_decimal(v.num) +
                   ": arithmetic takes finite numbers; compare a store(...) that gives inf or nan directly");
  }
  void check_size(long bits, std::size_t at) const {
    if (bits > kMaxBits)
      fail(at, "refused: the result would need about " + std::to_string(bits) + " bits (the limit is " +
                   std::to_string(kMaxBits) +
                   ", about 30000 decimal digits); check evaluates exactly and bounds every intermediate number so "
                   "that each claim finishes in bounded time and memory");
  }

  // ---- Arithmetic on unreduced fractions ----------------------------------------------------------------------
  // A finite value in the middle of arithmetic is a fraction num/den (den > 0) kept unreduced: a chain of
  // products and sums then costs no gcd per step. (Boost's gcd is binary, quadratic in the operand's length even
  // against a one-digit operand: `3*3*...*3*1 = 1` over 99,999 characters took 205 s, a sum of 1/p over 4,000
  // primes 10.7 s.) The fraction is reduced once, when the value leaves the arithmetic (value_of), or earlier
  // when its size passes kMaxBits. Every operation adds its cost in limb operations to `work_`, bounded per claim
  // by kMaxWork: no claim runs for long, whatever its shape.
  struct Q {
    Value v;            // the value while it is not a fraction (a number as parsed, a query's result, inf, nan)
    bool frac = false;  // num / den hold the value
    BigInt num, den;
    bool approx = false;
  };
  static Q q_of(Value v) {
    Q q;
    q.approx = v.approx;
    q.v = std::move(v);
    return q;
  }
  static long limbs(const BigInt& x) { return bit_length(x) / 64 + 1; }
  void spend(double cost, std::size_t at) {
    work_ += cost;
    if (work_ > static_cast<double>(kMaxWork))
      fail(at, "refused: the claim needs more than " + std::to_string(kMaxWork) + " operations on 64-bit words of "
               "exact arithmetic (the work bound of one claim); split it into smaller claims");
  }
  void need_finite(const Q& q, std::size_t at, const char* op) const {
    if (!q.frac) need_finite(q.v, at, op);
  }
  /// q as a fraction num/den (from its reduced Rational when it is still a Value).
  static void as_frac(Q& q) {
    if (q.frac) return;
    const Rational& m = q.v.num.mag;
    q.num = q.v.num.neg ? BigInt(-mp::numerator(m)) : BigInt(mp::numerator(m));
    q.den = mp::denominator(m);
    q.frac = true;
  }
  /// Divides num and den by their gcd (Euclid by remainders: one step when either side is small).
  void reduce(Q& q, std::size_t at) {
    if (!q.frac || q.den == 1) return;
    BigInt a = abs(q.num), b = q.den;
    while (b != 0) {
      spend(static_cast<double>(limbs(a)), at);  // one remainder: about the dividend's length in word operations
      a %= b;
      std::swap(a, b);
    }
    if (a > 1) {
      q.num /= a;
      q.den /= a;
    }
  }
  /// The value of q, reduced: where a value leaves the arithmetic. (Building the Rational runs Boost's gcd once
  /// more on the coprime pair: at most kMaxBits · kMaxBits / 64 word shifts, once per value, not per operation.)
  Value value_of(Q q) {
    if (!q.frac) return q.v;
    reduce(q, pos_);
    if (q.den != 1)  // Boost's binary gcd: about (bits of both) iterations over the longer one's words
      spend(static_cast<double>(bit_length(q.num) + bit_length(q.den)) * static_cast<double>(limbs(q.num) + limbs(q.den)),
            pos_);
    const bool neg = q.num < 0;
    Rational mag = q.den == 1 ? Rational(abs(q.num)) : Rational(abs(q.num), q.den);  // coprime: one more gcd
    return Value{Number{Number::Kind::kFinite, neg, std::move(mag)}, q.approx};
  }
  long q_bits(const Q& q) const {
    return q.frac ? bit_length(q.num) + bit_length(q.den) : size_bits(q.v.num.value());
  }
  /// Refuses a result past kMaxBits, after reducing it: an unreduced fraction may be far larger than its value.
  /// (Operands are within kMaxBits, so an operation's result, before this check, is within twice that.)
  void fit(Q& q, std::size_t at) {
    if (q_bits(q) <= kMaxBits) return;
    reduce(q, at);
    check_size(q_bits(q), at);
  }

  Q add(Q a, Q b, bool sub, std::size_t at) {
    ++operations;
    need_finite(a, at, sub ? "subtract from" : "add to");
    need_finite(b, at, sub ? "subtract" : "add");
    as_frac(a);
    as_frac(b);
    spend(static_cast<double>(limbs(a.num) * limbs(b.den) + limbs(b.num) * limbs(a.den) + limbs(a.den) * limbs(b.den)),
          at);
    Q r;
    r.frac = true;
    r.approx = a.approx || b.approx;
    if (a.den == b.den) {  // a common denominator (sums of integers, of like fractions): no products at all
      r.num = sub ? BigInt(a.num - b.num) : BigInt(a.num + b.num);
      r.den = a.den;
    } else {
      r.num = sub ? BigInt(a.num * b.den - b.num * a.den) : BigInt(a.num * b.den + b.num * a.den);
      r.den = a.den * b.den;
    }
    fit(r, at);
    return r;
  }

  // term := unary (('*' | '×' | '·' | '/') unary)*
  Q term_q() {
    Q v = unary_q();
    for (;;) {
      const std::size_t at = (skip_ws(), pos_);
      bool div = false;
      if (eat("*") || eat("×") || eat("·")) div = false;
      else if (eat("/") || eat("÷")) div = true;
      else return v;
      Q w = unary_q();
      ++operations;
      need_finite(v, at, div ? "divide" : "multiply");
      need_finite(w, at, div ? "divide by" : "multiply by");
      as_frac(v);
      as_frac(w);
      if (div && w.num == 0) fail(at, "division by zero");
      spend(static_cast<double>(limbs(v.num) * limbs(w.num) + limbs(v.den) * limbs(w.den)), at);
      Q r;
      r.frac = true;
      r.approx = v.approx || w.approx;
      r.num = v.num * (div ? w.den : w.num);
      r.den = v.den * (div ? w.num : w.den);
      if (r.den < 0) {
        r.num = -r.num;
        r.den = -r.den;
      }
      fit(r, at);
      v = std::move(r);
    }
  }

  Q expr_q() {
    Q v = term_q();
    for (;;) {
      const std::size_t at = (skip_ws(), pos_);
      if (eat("+")) v = add(std::move(v), term_q(), false, at);
      else if (eat("-") || eat("−")) v = add(std::move(v), term_q(), true, at);
      else return v;
    }
  }

  // unary := ('-' | '+') unary | power
  Q unary_q() {
    const std::size_t at = (skip_ws(), pos_);
    if (eat("-") || eat("−")) {
      enter(at);
      Q v = unary_q();
      leave();
      ++operations;
      if (v.frac) {
        v.num = -v.num;
      } else {
        v.v.num.neg = !v.v.num.neg;
        if (v.v.num.kind == Number::Kind::kNan) v.v.num.neg = false;
      }
      return v;
    }
    if (eat("+")) {
      enter(at);
      Q v = unary_q();
      leave();
      return v;
    }
    return power_q();
  }

  // power := primary ['^' unary]   (right-associative: 2^-23, 2^3^2 = 2^9)
  Q power_q() {
    Q base = q_of(primary());
    const std::size_t at = (skip_ws(), pos_);
    if (!eat("^") && !eat("**")) return base;
    enter(at);
    const std::size_t exp_at = (skip_ws(), pos_);
    const Value e = value_of(unary_q());
    leave();
    ++operations;
    need_finite(base, at, "raise");
    need_finite(e, exp_at, "raise to");
    if (e.approx || mp::denominator(e.num.mag) != 1)
      fail(exp_at, "the exponent must be an integer (x^(p/q) is irrational in general), got " + brief(e));
    const BigInt n = e.num.neg ? BigInt(-mp::numerator(e.num.mag)) : BigInt(mp::numerator(e.num.mag));
    as_frac(base);
    reduce(base, at);  // a power multiplies every common factor k times: take it out once first
    const BigInt& bn = base.num;
    const BigInt& bd = base.den;
    if (bn == 0) {
      if (n < 0) fail(at, "division by zero: 0 to a negative power");
      return q_of(exact(n == 0 ? Rational(1) : Rational(0)));
    }
    if (bd == 1 && (bn == 1 || bn == -1)) return q_of(exact(bn == 1 || (n & 1) == 0 ? Rational(1) : Rational(-1)));
    if (abs(n) > kMaxExponent)
      fail(exp_at, "refused: the exponent " + n.str() + " is beyond ±" + std::to_string(kMaxExponent) +
                       "; check evaluates exactly and bounds exponents and the size of every intermediate number so "
                       "that each claim finishes in bounded time and memory");
    const long k = static_cast<long>(abs(n));
    // |numerator|^k and denominator^k: about k·log2 of each, plus a bit apiece.
    const long bits = static_cast<long>(std::ceil(k * (log2_of(bn) + log2_of(bd)))) + 2;
    check_size(bits, at);
    spend(static_cast<double>(bits / 64 + 1) * static_cast<double>(bits / 64 + 1), at);  // the last squarings
    Q r;
    r.frac = true;
    r.approx = base.approx;
    BigInt num = mp::pow(abs(bn), static_cast<unsigned>(k)), den = mp::pow(bd, static_cast<unsigned>(k));
    if (n < 0) std::swap(num, den);
    const bool neg = bn < 0 && (k & 1) == 1;
    r.num = neg ? BigInt(-num) : num;
    r.den = den;
    return r;
  }

  /// An optional size unit after a number or a parenthesised expression.
  Value with_unit(Value v) {
    const std::size_t at = (skip_ws(), pos_);
    const std::string_view id = peek_ident();
    if (id.empty()) return v;
    if (const auto f = unit_factor(id)) {
      pos_ += id.size();
      if (is_finite(v)) v.num = Number::from_rational(Rational(v.num.value() * *f));
      return v;
    }
    if (id == "within" || id == "overflows" || id == "underflows" || id == "is" || id == "fits") return v;
    fail(at, "unknown unit '" + std::string(id) + "': expected " + kUnits + ", an operator or a relation");
  }

  Value number() {
    const std::size_t start = pos_;
    std::size_t p = pos_;
    if (p + 1 < end_ && s_[p] == '0' && (s_[p + 1] == 'x' || s_[p + 1] == 'X')) {
      p += 2;
      while (p < end_ && (is_hex(s_[p]) || s_[p] == '.')) ++p;
      if (p < end_ && (s_[p] == 'p' || s_[p] == 'P')) {
        ++p;
        if (p < end_ && (s_[p] == '+' || s_[p] == '-')) ++p;
        while (p < end_ && is_digit(s_[p])) ++p;
      }
    } else {
      // Digits may be grouped with '_' between digits (1_500 MB), as every size option takes them.
      while (p < end_ && (is_digit(s_[p]) || s_[p] == '.' ||
                          (s_[p] == '_' && p > start && is_digit(s_[p - 1]) && p + 1 < end_ && is_digit(s_[p + 1]))))
        ++p;
      if (p < end_ && (s_[p] == 'e' || s_[p] == 'E')) {
        std::size_t q = p + 1;
        if (q < end_ && (s_[q] == '+' || s_[q] == '-')) ++q;
        if (q < end_ && is_digit(s_[q])) {
          p = q;
          while (p < end_ && is_digit(s_[p])) ++p;
        }
      }
    }
    pos_ = p;
    std::string text(s_.substr(start, p - start));
    std::erase(text, '_');
    Number n;
    try {
      n = parse_number(text);
    } catch (const InputError& e) {
      fail(start, e.what());
    }
    check_size(size_bits(n.mag), start);
    return with_unit(Value{n, false});
  }

  // primary := number [unit] | '(' expr ')' [unit] | inf | nan | NAME '(' args ')' ['.' field]
  Value primary() {
    skip_ws();
    const std::size_t at = pos_;
    if (pos_ >= end_) fail(at, "expected a number, '(' or a query, found the end of the line");
    const char c = s_[pos_];
    if (is_digit(c) || (c == '.' && pos_ + 1 < end_ && is_digit(s_[pos_ + 1]))) return number();
    if (c == '(') {
      ++pos_;
      enter(at);
      Value v = expr();
      leave();
      if (!eat(")")) fail(pos_, "expected ')' to close the '(' at column " + std::to_string(column(at)) + ", found " + found());
      return with_unit(v);
    }
    const std::string_view id = peek_ident();
    if (id.empty())
      fail(at, "expected a number, '(' or a query (" + std::string(kQueries) + "), found " + found());
    pos_ += id.size();
    skip_ws();
    if (pos_ < end_ && s_[pos_] == '(') return call(std::string(id), at);
    if (id == "inf" || id == "infinity") return Value{Number{Number::Kind::kInf, false, {}}, false};
    if (id == "nan" || id == "NaN") return Value{Number{Number::Kind::kNan, false, {}}, false};
    fail(at, "unknown name '" + std::string(id) + "': expected a number, '(' or a query (" + kQueries + ")");
  }

  struct Arg {
    std::size_t begin, end;  // trimmed byte range
  };

  /// The arguments of a call: pos_ is at '('; top-level commas split them. Leaves pos_ after ')'.
  std::vector<Arg> arguments(const std::string& name) {
    const std::size_t open = pos_;
    int nest = 0;
    std::size_t p = pos_, close = std::string_view::npos;
    for (; p < end_; ++p) {
      if (s_[p] == '(') ++nest;
      else if (s_[p] == ')' && --nest == 0) {
        close = p;
        break;
      }
    }
    if (close == std::string_view::npos) fail(open, "no ')' closes the '(' of " + name + "(");
    std::vector<Arg> args;
    std::size_t start = open + 1;
    nest = 0;
    for (p = open + 1; p <= close; ++p) {
      if (p < close && s_[p] == '(') ++nest;
      else if (p < close && s_[p] == ')') --nest;
      else if (p == close || (s_[p] == ',' && nest == 0)) {
        std::size_t b = start, e = p;
        while (b < e && (s_[b] == ' ' || s_[b] == '\t')) ++b;
        while (e > b && (s_[e - 1] == ' ' || s_[e - 1] == '\t')) --e;
        args.push_back({b, e});
        start = p + 1;
      }
    }
    if (args.size() == 1 && args[0].begin == args[0].end) args.clear();  // name()
    for (const Arg& a : args)
      if (a.begin == a.end) fail(a.begin, "empty argument in " + name + "(...)");
    pos_ = close + 1;
    return args;
  }

  std::string_view text_of(const Arg& a) const { return s_.substr(a.begin, a.end - a.begin); }

  Format format_arg(const Arg& a) const {
    const std::string name(text_of(a));
    try {
      return find_format(name);
    } catch (const InputError& e) {
      bool scheme = false;  // a quantization scheme where a format was expected: say which query takes it
      try {
        scheme = parse_scheme(name).family != SchemeFamily::kCast;
      } catch (const InputError&) {
      }
      if (scheme)
        fail(a.begin, "'" + name + "' is a quantization scheme, not a number format: bits_per_element(" + name +
                          ") gives its storage bits per element");
      fail(a.begin, e.what());
    }
  }

  Value sub_expression(const Arg& a) {
    Parser sub(s_, a.begin, a.end, depth_ + 1);
    if (depth_ + 1 > kMaxDepth) fail(a.begin, "refused: nesting deeper than " + std::to_string(kMaxDepth) + " levels");
    Value v = sub.expr();
    if (!sub.at_end()) sub.fail(sub.pos(), "expected an operator or the end of the argument, found " + sub.found());
    for (auto& n : sub.notes) notes.push_back(std::move(n));
    return v;
  }

  Value call(const std::string& name, std::size_t at) {
    enter(at);
    const std::vector<Arg> args = arguments(name);
    const std::string text(s_.substr(at, pos_ - at));
    Value v;
    if (name == "store") v = store(args, text, at);
    else if (name == "memory" || name == "params") v = memory_call(name, args, text, at);
    else if (name == "log2" || name == "log10") v = log_call(name, args, at);
    else if (name == "bits_per_element" || name == "bpw") v = scheme_query(name, args, text);
    else v = format_query(name, args, text, at);
    leave();
    return v;
  }

  Value format_query(const std::string& name, const std::vector<Arg>& args, const std::string& text, std::size_t at) {
    static const char* const kFormatQueries[] = {"max", "min_normal", "min_subnormal", "epsilon", "digits",
                                                 "digits10", "max_digits10", "bits", "bytes", "bias",
                                                 "exponent_bits", "mantissa_bits"};
    bool known = false;
    for (const char* q : kFormatQueries) known = known || name == q;
    if (!known) fail(at, "unknown query '" + name + "': expected one of " + kQueries);
    if (args.size() != 1)
      fail(at, name + "(FORMAT) takes one format name, got " + std::to_string(args.size()) + " arguments");
    const Format f = format_arg(args[0]);
    const Properties p = properties(f);
    last_call = CallInfo{};
    last_call.kind = CallInfo::Kind::kOther;
    last_call.text = text;
    const bool is_int = f.kind == Kind::kInt;
    auto int_only = [&](const char* what) {
      if (is_int) fail(args[0].begin, std::string(f.name) + " is an integer format: it has no " + what);
    };
    auto note = [&](const std::string& formula, const Value& v) {
      const std::string b = brief(v);
      std::string tail;  // the value after the formula, unless the formula already is it
      if (b.rfind(formula, 0) == 0) tail = b.substr(formula.size());
      else tail = (b.rfind("≈", 0) == 0 ? " " : " = ") + b;
      notes.push_back(text + " = " + formula + tail);
      return v;
    };
    const std::string fname(f.name);
    if (name == "max") return note(max_formula(f), exact(p.max));
    if (name == "bits") {
      if (is_int) return note(std::to_string(p.bits), exact(p.bits));
      return note(std::string(f.has_sign ? "1 + " : "") + std::to_string(f.exponent_bits) + " + " +
                      std::to_string(f.mantissa_bits) + " (sign, exponent, mantissa)",
                  exact(p.bits));
    }
    if (name == "bytes")
      return note(std::to_string(p.storage_bits) + "/8" +
                      (p.storage_bits != p.bits ? " (stored in a " + std::to_string(p.storage_bits) + "-bit container)" : ""),
                  exact(Rational(p.storage_bits, 8)));
    int_only(name == "min_normal" || name == "min_subnormal" ? "subnormals or normals"
             : name == "epsilon"                            ? "epsilon (the gap above 1 is 1)"
                                                            : "exponent, bias or mantissa fields");
    if (name == "min_normal") return note(pow2_formula(p.emin), exact(p.min_normal));
    if (name == "min_subnormal") return note(pow2_formula(static_cast<int>(floor_log2(p.min_subnormal))), exact(p.min_subnormal));
    if (name == "epsilon") return note("2^-" + std::to_string(f.mantissa_bits), exact(p.epsilon));
    if (name == "bias") return note(std::to_string(p.bias), exact(p.bias));
    if (name == "exponent_bits") return note(std::to_string(p.exponent_bits), exact(p.exponent_bits));
    if (name == "mantissa_bits") return note(std::to_string(p.mantissa_bits) + " stored (precision p = " +
                                                 std::to_string(p.precision) + " with the hidden bit)",
                                             exact(p.mantissa_bits));
    if (name == "digits10") return note("floor((p-1)·log10 2), p = " + std::to_string(p.precision), exact(p.digits10));
    if (name == "max_digits10")
      return note("ceil(1 + p·log10 2), p = " + std::to_string(p.precision), exact(p.max_digits10));
    // digits: p · log10 2, irrational
    const Value v = approx_value(Dec(p.precision) * log10_of_2());
    notes.push_back(text + " = " + std::to_string(p.precision) + "·log10 2 (p = " + std::to_string(f.mantissa_bits) +
                    " + 1 hidden bit) ≈ " + rounded_decimal(v.num.value(), 6) + ", irrational");
    return v;
  }

  /// bits_per_element(SCHEME), bpw(SCHEME): the storage bits per element of a quantization scheme, exact: element
  /// bits + (block scale + zero point bits) / block + second-level scale bits / (block · group), the row of
  /// formats/scheme.h. Per-tensor and per-channel scales depend on the tensor's size and are not counted.
  Value scheme_query(const std::string& name, const std::vector<Arg>& args, const std::string& text) {
    if (args.size() != 1) fail(args.empty() ? pos_ : args[1].begin, name + "(SCHEME) takes one scheme name");
    Scheme s;
    try {
      s = parse_scheme(text_of(args[0]));
    } catch (const InputError& e) {
      fail(args[0].begin, e.what());
    }
    if (s.family == SchemeFamily::kCast)
      fail(args[0].begin, s.name + " is a plain format, not a quantization scheme: bits(" + s.name + ") is its width");
    last_call = CallInfo{};
    last_call.kind = CallInfo::Kind::kOther;
    last_call.text = text;
    const int elem = properties(s.element).storage_bits;
    Rational bits(elem);
    std::string formula = std::to_string(elem);
    if (s.granularity == Granularity::kBlock) {
      bits += Rational(s.scale_bits + s.zero_bits, s.block);
      formula += " + " + std::to_string(s.scale_bits + s.zero_bits) + "/" + std::to_string(s.block);
    }
    if (s.scale2_group > 0) {
      bits += Rational(s.scale2_bits, s.block * s.scale2_group);
      formula += " + " + std::to_string(s.scale2_bits) + "/(" + std::to_string(s.block) + "·" +
                 std::to_string(s.scale2_group) + ")";
    }
    const Value v = exact(bits);
    const std::string value = brief(v);
    notes.push_back(text + " = " + formula + (formula == value ? "" : " = " + value) + " (" + s.description + ")" +
                    (s.granularity == Granularity::kTensor || s.granularity == Granularity::kChannel ||
                             s.tensor_scale_bits > 0
                         ? "; per-tensor and per-channel scales not counted"
                         : ""));
    return v;
  }

  Value log_call(const std::string& name, const std::vector<Arg>& args, std::size_t at) {
    if (args.size() != 1) fail(at, name + "(X) takes one expression");
    const Value x = sub_expression(args[0]);
    if (!is_finite(x) || x.num.neg || x.num.mag == 0)
      fail(args[0].begin, name + " needs a positive finite number, got " + brief(x));
    const Rational& r = x.num.mag;
    const BigInt& n = mp::numerator(r);
    const BigInt& d = mp::denominator(r);
    if (!x.approx) {
      // Exact when r is a power of the base (the only rationals whose logarithm is rational).
      const int base = name == "log2" ? 2 : 10;
      const bool up = d == 1;
      BigInt m = up ? n : d;
      if (up || n == 1) {
        long k = 0;
        while (m > 1 && m % base == 0) {
          m /= base;
          ++k;
        }
        if (m == 1) return exact(Rational(up ? k : -k));
      }
    }
    const Dec dv = to_dec(r);
    const Value v = approx_value(name == "log2" ? Dec(mp::log(dv) / mp::log(Dec(2))) : Dec(mp::log10(dv)));
    notes.push_back(name + "(" + brief(x) + ") ≈ " + rounded_decimal(v.num.value(), 6) + ", irrational");
    return v;
  }

  Value store(const std::vector<Arg>& args, const std::string& text, std::size_t at) {
    if (args.size() < 2) fail(at, "store(FORMAT, NUMBER) takes a format and a number");
    const Format f = format_arg(args[0]);
    Number x;
    try {
      x = parse_number(text_of(args[1]));
    } catch (const InputError&) {
      const Value v = sub_expression(args[1]);
      if (v.approx) fail(args[1].begin, "store needs an exact number; " + std::string(text_of(args[1])) + " is irrational");
      x = v.num;
    }
    ConvertOptions opt;
    for (std::size_t i = 2; i < args.size(); ++i) {
      std::string_view o = text_of(args[i]);
      if (o == "saturate") opt.saturate = true;
      else if (o == "ftz") opt.ftz = true;
      else {
        if (o.substr(0, 9) == "rounding=") o.remove_prefix(9);
        try {
          opt.rounding = parse_rounding(o);
        } catch (const InputError& e) {
          fail(args[i].begin, std::string(e.what()) + "; store options are a rounding mode, saturate or ftz");
        }
        if (opt.rounding == Rounding::kStochastic)
          fail(args[i].begin, "stochastic rounding is random: a claim needs a deterministic store");
      }
    }
    const Encoded e = encode(f, x, opt);
    const std::string oc(outcome(f, x, e));
    if (oc == "invalid")
      fail(at, text + " is invalid: no " + std::string(f.name) + " code stands for " + exact_decimal(x));
    const Number stored = decode(f, e.code).number();
    CallInfo info;
    info.kind = CallInfo::Kind::kStore;
    info.text = text;
    info.format = f;
    info.input = x;
    info.encoded = e;
    info.outcome = oc;
    last_call = info;
    const Value v{stored, false};
    const Properties p = properties(f);
    const std::string fname(f.name);
    if (oc == "overflow" || oc == "saturated") {
      notes.push_back(text + " is " + exact_decimal(stored) + ": " + exact_decimal(x) + (x.neg ? " < -max " : " > max ") +
                      brief(p.max) +
                      (oc == "saturated" ? " (saturated to ±max)"
                       : stored.kind == Number::Kind::kNan ? " and " + fname + " has no infinity, so it becomes NaN"
                                                           : ""));
    } else if (oc == "underflow") {
      notes.push_back(text + " is " + exact_decimal(stored) + ": " + exact_decimal(x) +
                      underflow_why(fname, p, x, stored, opt.rounding));
    } else if (oc == "rounded") {
      // The two values of the format around x: the stored one and its neighbour on the other side.
      const bool above = stored.value() > x.value();
      const auto other = above ? next_down(f, e.code) : next_up(f, e.code);
      std::string around;
      if (other) {
        const Number o = decode(f, *other).number();
        if (o.kind == Number::Kind::kFinite) {
          const Rational lo = above ? o.value() : stored.value(), hi = above ? stored.value() : o.value();
          around = ": the " + fname + " values around " + brief(x.value()) + " are " + brief(lo) + " and " + brief(hi);
        }
      }
      notes.push_back(text + " rounds (" + std::string(rounding_name(opt.rounding)) + ") to " + brief(stored.value()) + around);
    } else if (oc == "exact") {
      notes.push_back(text + " is exact: " + exact_decimal(x) + " is a " + fname + " value");
    } else {
      notes.push_back(text + " is " + exact_decimal(stored) + " (" + oc + ")");
    }
    return v;
  }

  Value memory_call(const std::string& name, const std::vector<Arg>& args, const std::string& text, std::size_t at) {
    if (args.empty())
      fail(at, name + "(...) needs KEY=VALUE arguments, e.g. params=7B or model=llama-3-8b; keys: " + memory::option_keys());
    memory::MemoryRequest req;
    // Pieces without '=' continue the previous value (lora-targets=q,k,v).
    std::vector<std::pair<std::string, std::string>> kv;
    std::vector<std::size_t> where;
    for (const Arg& a : args) {
      const std::string_view t = text_of(a);
      const auto eq = t.find('=');
      if (eq == std::string_view::npos) {
        if (kv.empty()) fail(a.begin, "expected KEY=VALUE in " + name + "(...), found '" + std::string(t) + "'");
        kv.back().second += "," + std::string(t);
        continue;
      }
      kv.emplace_back(std::string(trim(t.substr(0, eq))), std::string(trim(t.substr(eq + 1))));
      where.push_back(a.begin);
    }
    for (std::size_t i = 0; i < kv.size(); ++i) {
      try {
        memory::set_option(req, kv[i].first, kv[i].second);
      } catch (const InputError& e) {
        fail(where[i], e.what());
      }
    }
    memory::MemoryEstimate est;
    try {
      est = memory::estimate(req);
    } catch (const InputError& e) {
      fail(at, e.what());
    }
    CallInfo info;
    info.kind = name == "memory" ? CallInfo::Kind::kMemory : CallInfo::Kind::kOther;
    info.text = text;
    info.request = req;
    if (name == "params") {
      last_call = info;
      notes.push_back(text + " = " + memory::group_thousands(est.params) + " parameters");
      return exact(Rational(est.params));
    }
    // An optional .field after memory(...)
    std::string field;
    if (pos_ < end_ && s_[pos_] == '.') {
      ++pos_;
      const std::size_t fat = pos_;
      const std::string_view id = peek_ident();
      if (id.empty() || pos_ != fat) fail(fat, "expected a row name after '.': weights, gradients, optimizer, master, activations, kv_cache, lora, overhead, per_gpu, total");
      pos_ += id.size();
      field = std::string(id);
      info.has_field = true;
      info.text = std::string(s_.substr(at, pos_ - at));
    }
    last_call = info;
    if (field.empty()) {
      const Rational b = from_double(est.total_bytes);
      std::string rows;
      for (const auto& c : est.components)
        if (c.in_total)  // the CUDA context row counts in the fit, not the total
          rows += (rows.empty() ? "" : " + ") + c.name + " " + rounded_decimal(from_double(c.bytes) / 1000000000, 4) + " GB";
      notes.push_back(info.text + " = " + exact_decimal(b) + " B = " + bytes_text(b) + " (" + rows + ")");
      return exact(b);
    }
    const auto got = est.get(field);
    if (!got)
      fail(at, "unknown memory row '" + field +
                   "': expected weights, gradients, optimizer, master, activations, kv_cache, lora, overhead, "
                   "per_gpu, total, params or a row of this estimate");
    const Rational b = from_double(*got);
    std::string formula;
    for (const auto& c : est.components)
      if (c.name == field || (field == "kv_cache" && c.name == "kv_cache")) formula = c.formula;
    if (field == "params" || field == "trainable_params") {
      notes.push_back(info.text + " = " + exact_decimal(b) + " parameters");
    } else {
      notes.push_back(info.text + " = " + exact_decimal(b) + " B = " + bytes_text(b) +
                      (formula.empty() ? "" : " (" + formula + ")"));
    }
    return exact(b);
  }
};

// ---- Relations ------------------------------------------------------------------------------------------------

enum class Rel { kEq, kNe, kApprox, kLt, kLe, kGt, kGe, kOverflows, kUnderflows, kIsExact, kFits };

std::string_view rel_text(Rel r) {
  switch (r) {
    case Rel::kEq: return "=";
    case Rel::kNe: return "≠";
    case Rel::kApprox: return "≈";
    case Rel::kLt: return "<";
    case Rel::kLe: return "≤";
    case Rel::kGt: return ">";
    case Rel::kGe: return "≥";
    default: return "";
  }
}

/// -1, 0, 1 comparing extended reals (both non-NaN).
int compare(const Value& a, const Value& b) {
  auto rank = [](const Value& v) {
    if (v.num.kind == Number::Kind::kInf) return v.num.neg ? -1 : 1;
    return 0;
  };
  const int ra = rank(a), rb = rank(b);
  if (ra != 0 || rb != 0) return ra < rb ? -1 : ra > rb ? 1 : 0;
  const Rational &x = a.num.value(), &y = b.num.value();
  return x < y ? -1 : x > y ? 1 : 0;
}

struct Tolerance {
  bool factor = false;
  Rational value{1, 10};  // 10% relative by default
  std::string text = "10%";
};

struct Judgement {
  bool holds = false;
  std::string why;
};

Judgement judge(Rel rel, const Value& l, const Value& r, const Tolerance& tol) {
  const bool lnan = l.num.kind == Number::Kind::kNan, rnan = r.num.kind == Number::Kind::kNan;
  const std::string ls = brief(l), rs = brief(r);
  if (lnan || rnan) {
    const bool both = lnan && rnan;
    if (rel == Rel::kEq || rel == Rel::kApprox)
      return {both, both ? "both are NaN" : ls + " is not " + rs + " (NaN equals only NaN here)"};
    if (rel == Rel::kNe) return {!both, both ? "both are NaN" : ls + " ≠ " + rs};
    return {false, "NaN is unordered: " + ls + " " + std::string(rel_text(rel)) + " " + rs + " does not hold"};
  }
  const bool finite = is_finite(l) && is_finite(r);
  const bool approx = l.approx || r.approx;
  if (approx && finite) {
    // A 40-digit approximation decides unless the two sides are closer than it can resolve.
    const Rational diff = abs_r(Rational(l.num.value() - r.num.value()));
    const Rational scale = std::max({abs_r(l.num.value()), abs_r(r.num.value()), Rational(1)});
    if (diff <= scale * Rational(BigInt(1), BigInt("1" + std::string(35, '0'))))
      throw ClaimError(0, "the two sides agree to 35 digits and one of them is irrational: the claim cannot be decided");
  }
  const int c = compare(l, r);
  switch (rel) {
    case Rel::kEq:
      if (approx) return {false, (l.approx ? ls : rs) + " is irrational: no number written in digits equals it; use ≈"};
      if (c == 0) return {true, "both sides are " + (finite ? brief(l) : ls)};
      if (finite) {
        const Rational d = abs_r(Rational(l.num.value() - r.num.value()));
        std::string off = "off by " + brief(d);
        if (r.num.mag != 0) off += " (" + percent(Rational(d / r.num.mag)) + " of the right side)";
        return {false, ls + " ≠ " + rs + ", " + off};
      }
      return {false, ls + " ≠ " + rs};
    case Rel::kNe: return {c != 0, c != 0 ? ls + " ≠ " + rs : "both sides are " + ls};
    case Rel::kLt: return {c < 0, ls + (c < 0 ? " < " : c == 0 ? " = " : " > ") + rs};
    case Rel::kLe: return {c <= 0, ls + (c < 0 ? " < " : c == 0 ? " = " : " > ") + rs};
    case Rel::kGt: return {c > 0, ls + (c < 0 ? " < " : c == 0 ? " = " : " > ") + rs};
    case Rel::kGe: return {c >= 0, ls + (c < 0 ? " < " : c == 0 ? " = " : " > ") + rs};
    case Rel::kApprox: {
      if (!finite) return {c == 0, c == 0 ? "both sides are " + ls : ls + " is not close to " + rs};
      const Rational &x = l.num.value(), &y = r.num.value();
      if (!tol.factor) {
        if (y == 0) return {x == 0, x == 0 ? "both sides are 0" : "the right side is 0: only 0 is within a relative tolerance of it"};
        const Rational rel = abs_r(Rational(x - y)) / abs_r(y);
        const bool ok = rel <= tol.value;
        return {ok, "|" + ls + " - " + rs + "| / " + brief(abs_r(y)) + " = " + (rel == 0 ? "0%" : percent(rel)) +
                        (ok ? (rel == tol.value ? " = " : " ≤ ") : " > ") + tol.text};
      }
      if (x == 0 && y == 0) return {true, "both sides are 0"};
      if (x == 0 || y == 0 || (x < 0) != (y < 0))
        return {false, ls + " and " + rs + " are not within a factor " + tol.text.substr(1) + ": " +
                           (x == 0 || y == 0 ? "one side is 0" : "their signs differ")};
      const Rational ratio = x / y;
      const Rational big = ratio >= 1 ? ratio : Rational(1 / ratio);
      const bool ok = big <= tol.value;
      return {ok, ls + " / " + rs + " = " + rounded_decimal(ratio, 4) + (ok ? ", within a factor " : ", more than a factor ") +
                      exact_decimal(tol.value) + (ok ? "" : " apart")};
    }
    default: return {false, ""};
  }
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

void set_side(ClaimResult& r, const Value& v, bool left) {
  (left ? r.left : r.right) = compact_text(v);
  (left ? r.left_rounded : r.right_rounded) = rounded_text(v);
  (left ? r.left_exact : r.right_exact) = exact_text(v);
  (left ? r.left_value : r.right_value) = v;
}

/// The relation after the left side (the cursor at `rel_at`).
Rel parse_relation(Parser& p, std::size_t rel_at) {
  if (p.at_end()) p.fail(rel_at, std::string("expected a relation (") + kRelations + ") after the left side");
  Rel rel;
  if (p.eat("<=") || p.eat("≤")) rel = Rel::kLe;
  else if (p.eat(">=") || p.eat("≥")) rel = Rel::kGe;
  else if (p.eat("!=") || p.eat("≠")) rel = Rel::kNe;
  else if (p.eat("~=") || p.eat("≈") || p.eat("~")) rel = Rel::kApprox;
  else if (p.eat("==") || p.eat("=")) rel = Rel::kEq;
  else if (p.eat("<")) rel = Rel::kLt;
  else if (p.eat(">")) rel = Rel::kGt;
  else {
    const std::string_view id = p.peek_ident();
    if (id == "overflows") rel = Rel::kOverflows;
    else if (id == "underflows") rel = Rel::kUnderflows;
    else if (id == "is") rel = Rel::kIsExact;
    else if (id == "fits") rel = Rel::kFits;
    else p.fail(rel_at, std::string("expected a relation (") + kRelations + "), found " + p.found());
    p.set_pos(p.pos() + id.size());
    if (rel == Rel::kIsExact && !(p.peek_ident() == "exact" && p.eat("exact")))
      p.fail(p.pos(), "expected 'exact' after 'is', found " + p.found());
  }
  return rel;
}

/// overflows / underflows / is exact: the left side must be store(FORMAT, NUMBER) alone, whose outcome decides.
void judge_store_relation(ClaimResult& res, Parser& p, Rel rel, const CallInfo& call, const Value& left,
                          std::size_t rel_at) {
  const char* word = rel == Rel::kOverflows ? "overflows" : rel == Rel::kUnderflows ? "underflows" : "is exact";
  if (call.kind != CallInfo::Kind::kStore)
    p.fail(rel_at, std::string("'") + word + "' needs store(FORMAT, NUMBER) alone on the left side");
  if (!p.at_end()) p.fail(p.pos(), std::string("expected the end of the line after '") + word + "', found " + p.found());
  const Properties props = properties(call.format);
  bool holds = false;
  std::string why;
  if (rel == Rel::kOverflows) {
    holds = call.outcome == "overflow" || call.outcome == "saturated";
    set_side(res, Value{Number::from_rational(props.max), false}, false);
    if (!holds) why = exact_decimal(call.input) + " is within ±max " + brief(props.max) + " of " + std::string(call.format.name);
  } else if (rel == Rel::kUnderflows) {
    holds = call.outcome == "underflow";
    if (!holds) {
      const std::string fname(call.format.name);
      if (left.num.is_zero() && call.input.is_zero()) why = "the stored value is 0 because the input is 0";
      else if (left.num.is_zero())  // only integers store a nonzero number as 0 without underflowing
        why = fname + " rounds it to the integer 0 (status rounded): underflow is a float result below the format's "
                      "range, and integers have none below 1";
      else why = "the stored value is not zero";
    }
  } else {
    holds = call.outcome == "exact";
    set_side(res, Value{call.input, false}, false);
  }
  res.verdict = holds ? Verdict::kTrue : Verdict::kFalse;
  res.reason = join(p.notes, "; ") + (why.empty() ? "" : "; " + why);
}

/// fits GPU: the left side must be memory(...) alone; its per-GPU need is compared with the GPU named after 'fits'.
void judge_fits(ClaimResult& res, Parser& p, std::string_view text, const CallInfo& call, std::size_t rel_at) {
  if (call.kind != CallInfo::Kind::kMemory || call.has_field)
    p.fail(rel_at, "'fits GPU' needs memory(...) alone on the left side (no .row)");
  p.skip_ws();
  const std::size_t gat = p.pos();
  const std::string gpu(trim(text.substr(gat)));
  if (gpu.empty()) p.fail(gat, "expected a GPU name after 'fits', e.g. H100-80GB; known: " + memory::gpu_names());
  memory::MemoryRequest req = call.request;
  try {
    req.gpu = {std::string(memory::find_gpu(gpu).name)};
  } catch (const InputError& e) {
    p.fail(gat, e.what());
  }
  const memory::MemoryEstimate est = memory::estimate(req);
  const memory::Fit& fit = est.fits.at(0);
  const Rational need = from_double(fit.need_bytes), cap = Rational(fit.capacity_bytes);  // CUDA context included
  set_side(res, exact(need), true);
  set_side(res, exact(cap), false);
  const memory::Gpu& g = memory::find_gpu(gpu);
  res.verdict = fit.fits ? Verdict::kTrue : Verdict::kFalse;
  res.reason = "per-GPU need " + bytes_text(need) + (fit.fits ? " ≤ " : " > ") + std::string(g.name) + " " +
               bytes_text(cap) + " (" + std::string(g.reported) + " as the driver reports)";
  if (!fit.fits && fit.gpus_needed) res.reason += "; needs " + std::to_string(*fit.gpus_needed) + " GPUs by " + fit.how;
}

/// "within N%" (relative) or "within xN" (a factor) after the right side of ≈; the default (10%) without it.
Tolerance parse_tolerance(Parser& p, std::string_view text, Rel rel) {
  Tolerance tol;
  const std::size_t wat = (p.skip_ws(), p.pos());
  if (p.peek_ident() != "within") return tol;
  if (rel != Rel::kApprox) p.fail(wat, "'within' goes with ≈ (or ~= or ~), not with " + std::string(rel_text(rel)));
  p.eat("within");
  p.skip_ws();
  const std::size_t tat = p.pos();
  const bool factor = p.eat("x") || p.eat("×") || p.eat("X");
  p.skip_ws();
  const std::size_t nat = p.pos();
  std::size_t e = nat;
  while (e < text.size() && (is_digit(text[e]) || text[e] == '.')) ++e;
  if (e == nat) p.fail(tat, "expected a tolerance after 'within': N% (relative) or xN (a factor), found " + p.found());
  const std::string num(text.substr(nat, e - nat));
  Number n;
  try {
    n = parse_number(num);
  } catch (const InputError& err) {
    p.fail(nat, err.what());
  }
  p.set_pos(e);
  tol.factor = factor;
  if (factor) {
    if (n.mag < 1) p.fail(nat, "a factor tolerance must be at least 1 (x10 means within ten times either way)");
    tol.value = n.mag;
    tol.text = "x" + num;
  } else {
    if (!p.eat("%")) p.fail(p.pos(), "expected '%' after the tolerance " + num + " (or write xN for a factor)");
    tol.value = n.mag / 100;
    tol.text = num + "%";
  }
  return tol;
}

ClaimResult evaluate_claim(std::string_view text) {
  ClaimResult res;
  res.claim = std::string(text);
  if (text.size() > kMaxClaimLength)
    throw ClaimError(1, "refused: the claim is longer than " + std::to_string(kMaxClaimLength) + " characters");
  Parser p(text, 0, text.size());
  const Value left = p.expr();
  const CallInfo call = p.operations == 0 ? p.last_call : CallInfo{};
  set_side(res, left, true);
  const std::size_t rel_at = (p.skip_ws(), p.pos());
  const Rel rel = parse_relation(p, rel_at);
  // The store / memory relations: the left side must be that call alone.
  if (rel == Rel::kOverflows || rel == Rel::kUnderflows || rel == Rel::kIsExact) {
    judge_store_relation(res, p, rel, call, left, rel_at);
    return res;
  }
  if (rel == Rel::kFits) {
    judge_fits(res, p, text, call, rel_at);
    return res;
  }
  const Value right = p.expr();
  set_side(res, right, false);
  const Tolerance tol = parse_tolerance(p, text, rel);
  if (!p.at_end())
    p.fail(p.pos(), std::string("expected an operator, ") + (rel == Rel::kApprox ? "'within' " : "") +
                        "or the end of the claim, found " + p.found());
  Judgement j;
  try {
    j = judge(rel, left, right, tol);
  } catch (const ClaimError& e) {
    p.fail(rel_at, e.what());
  }
  res.verdict = j.holds ? Verdict::kTrue : Verdict::kFalse;
  res.reason = j.why + (p.notes.empty() ? "" : "; " + join(p.notes, "; "));
  return res;
}

/// A dyadic value m·2^e with a short m, written that way (2^-149, 3·2^-20, 16777215·2^104), or "".
std::string compact_dyadic(const Rational& r) {
  const BigInt& den = mp::denominator(r);
  BigInt num = mp::numerator(r);
  if (num == 0 || (den & (den - 1)) != 0) return "";
  long e = -static_cast<long>(mp::msb(den));
  while ((num & 1) == 0) {
    num >>= 1;
    ++e;
  }
  const std::string m = num.str();
  if (m.size() > 12 || e == 0) return "";
  return (m == "1" ? "" : m == "-1" ? "-" : m + "·") + "2^" + std::to_string(e);
}

}  // namespace

std::string_view verdict_name(Verdict v) {
  switch (v) {
    case Verdict::kTrue: return "TRUE";
    case Verdict::kFalse: return "FALSE";
    case Verdict::kError: return "ERROR";
  }
  return "ERROR";
}

std::string exact_text(const Value& v) {
  if (!is_finite(v)) return exact_decimal(v.num);
  if (v.approx) return "≈" + rounded_decimal(v.num.value(), 40);
  return exact_decimal(v.num);
}

std::string compact_text(const Value& v) {
  if (!is_finite(v) || v.num.mag == 0) return exact_decimal(v.num);
  if (v.approx) return "≈" + rounded_decimal(v.num.value(), 12);
  const Rational r = v.num.value();
  const std::string full = exact_decimal(r);
  if (full.size() <= 24) return full;
  const std::string d = compact_dyadic(r);
  if (!d.empty()) return d;
  if (full.size() <= 48) return full;
  return "≈" + rounded_decimal(r, 12);
}

std::string rounded_text(const Value& v) {
  if (!is_finite(v) || v.num.mag == 0) return exact_decimal(v.num);
  return rounded_decimal(v.num.value(), 6);
}

Value evaluate(std::string_view expression) {
  Parser p(expression, 0, expression.size());
  Value v = p.expr();
  if (!p.at_end()) p.fail(p.pos(), "expected an operator or the end of the expression, found " + p.found());
  return v;
}

ClaimResult check_claim(std::string_view text) {
  try {
    return evaluate_claim(text);
  } catch (const ClaimError& e) {
    ClaimResult r;
    r.claim = std::string(text);
    r.verdict = Verdict::kError;
    r.column = e.column;
    r.reason = e.what();
    return r;
  } catch (const InputError& e) {  // from the memory estimator on a re-run (fits)
    ClaimResult r;
    r.claim = std::string(text);
    r.verdict = Verdict::kError;
    r.column = 1;
    r.reason = e.what();
    return r;
  } catch (const std::bad_alloc&) {
    ClaimResult r;
    r.claim = std::string(text);
    r.verdict = Verdict::kError;
    r.column = 1;
    r.reason = "out of memory evaluating the claim";
    return r;
  }
}

}  // namespace numscope::check
