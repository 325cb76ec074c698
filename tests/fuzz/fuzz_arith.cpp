// libFuzzer target: the claim language's exact arithmetic (check/claims.h), against an independent evaluation.
//
// The input bytes build an expression (integers and decimals, + - * / ^ with small exponents, unary minus,
// parentheses, and long left-associative chains such as a*b/c*d or a+b-c+d, where the evaluator keeps unreduced
// fractions). The fuzzer evaluates the same tree itself with Boost's normalised cpp_rational, step by step, and
// checks: `EXPR = VALUE` is TRUE and `EXPR = VALUE + 1/7` is FALSE; a division by zero (or 0 to a negative power)
// anywhere is an ERROR saying so; nothing else is an ERROR unless a documented bound (size, work) refused it.
#include <cstdint>
#include <optional>
#include <string>

#include <boost/multiprecision/cpp_int.hpp>

#include "numscope/check/claims.h"
#include "tests/fuzz/fuzz_io.h"

using namespace numscope;
using Q = boost::multiprecision::cpp_rational;

namespace {

struct Bytes {
  const std::uint8_t* p;
  std::size_t n, i = 0;
  unsigned next() { return i < n ? p[i++] : 0; }
  bool done() const { return i >= n; }
};

struct Expr {
  std::string text;
  std::optional<Q> value;  // nullopt: a division by zero happened
  bool zero_div = false;
};

Expr leaf(Bytes& b) {
  const unsigned k = b.next();
  Expr e;
  if (k % 4 == 3) {  // a decimal with up to three places
    const unsigned whole = b.next() % 100, frac = b.next() % 1000;
    e.text = std::to_string(whole) + "." + std::to_string(1000 + frac).substr(1);
    e.value = Q(whole) + Q(frac) / 1000;
  } else {
    const unsigned v = (k * 7 + b.next()) % 1000;
    e.text = std::to_string(v);
    e.value = Q(v);
  }
  return e;
}

Expr combine(const Expr& a, const Expr& b, char op) {
  Expr e;
  e.text = a.text + " " + op + " " + b.text;
  e.zero_div = a.zero_div || b.zero_div;
  if (!a.value || !b.value) return e;
  switch (op) {
    case '+': e.value = *a.value + *b.value; break;
    case '-': e.value = *a.value - *b.value; break;
    case '*': e.value = *a.value * *b.value; break;
    default:
      if (*b.value == 0) {
        e.zero_div = true;
        return e;
      }
      e.value = *a.value / *b.value;
  }
  return e;
}

Expr expr(Bytes& b, int depth) {
  const unsigned k = b.next();
  if (depth == 0 || b.done() || k % 5 == 0) return leaf(b);
  if (k % 5 == 1) {  // a power of a leaf: small integer exponents, negative ones too
    Expr base = leaf(b);
    const int n = static_cast<int>(b.next() % 17) - 8;
    Expr e;
    e.text = base.text + "^" + (n < 0 ? "(" + std::to_string(n) + ")" : std::to_string(n));
    if (*base.value == 0 && n < 0) {
      e.zero_div = true;
      return e;
    }
    Q v = 1;
    for (int i = 0; i < (n < 0 ? -n : n); ++i) v *= *base.value;
    e.value = n < 0 ? Q(1 / v) : v;
    return e;
  }
  if (k % 5 == 2) {  // unary minus of a parenthesised expression
    Expr inner = expr(b, depth - 1);
    Expr e;
    e.text = "-(" + inner.text + ")";
    e.zero_div = inner.zero_div;
    if (inner.value) e.value = -*inner.value;
    return e;
  }
  // A chain of one precedence level, left-associative, each operand a leaf or a parenthesised expression.
  const bool mul = k % 5 == 3;
  const unsigned length = 2 + b.next() % 40;
  auto operand = [&] {
    if (b.next() % 3 == 0) {
      Expr inner = expr(b, depth - 1);
      inner.text = "(" + inner.text + ")";
      return inner;
    }
    return leaf(b);
  };
  Expr e = operand();
  for (unsigned i = 1; i < length && !b.done(); ++i) {
    const unsigned o = b.next();
    const char op = mul ? (o % 2 ? '*' : '/') : (o % 2 ? '+' : '-');
    e = combine(e, operand(), op);
  }
  return e;
}

std::string text_of(const Q& v) {
  const auto num = boost::multiprecision::numerator(v), den = boost::multiprecision::denominator(v);
  return den == 1 ? num.str() : "(" + num.str() + ")/" + den.str();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Bytes b{data, size};
  const Expr e = expr(b, 4);
  if (e.text.size() > 20000) return 0;
  auto fail = [&](const std::string& what) {
    fuzz::fail("fuzz_arith", what + "\n  expression: '" + e.text.substr(0, 400) + "'");
  };
  const bool refused_by_bound = [&] {
    const check::ClaimResult r = check::check_claim(e.text + " = 0");
    if (e.zero_div) {
      if (r.verdict != check::Verdict::kError || r.reason.find("division by zero") == std::string::npos)
        fail("a division by zero that is not an error: " + r.reason);
      return true;
    }
    if (r.verdict == check::Verdict::kError) {
      if (r.reason.find("refused") == std::string::npos) fail("an unexpected error: " + r.reason);
      return true;  // a documented bound (bits, work)
    }
    return false;
  }();
  if (refused_by_bound || !e.value) return 0;
  const std::string value = text_of(*e.value);
  if (value.size() > 20000) return 0;
  const check::ClaimResult same = check::check_claim(e.text + " = " + value);
  if (same.verdict != check::Verdict::kTrue) fail("EXPR = " + value.substr(0, 200) + " is not TRUE: " + same.reason);
  const check::ClaimResult off = check::check_claim(e.text + " = " + value + " + 1/7");
  if (off.verdict != check::Verdict::kFalse) fail("EXPR = VALUE + 1/7 is not FALSE: " + off.reason);
  return 0;
}
