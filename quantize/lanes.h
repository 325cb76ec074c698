// The error sums of the metrics (quantize.h Metrics) in eight fixed lanes, so that their bits depend neither on
// the vector width nor on the thread count.
#pragma once

#include <algorithm>  // std::max_element, std::copy
#include <cstdint>    // std::int64_t, std::uint64_t
#include <cstring>    // std::memcmp
#include <limits>     // std::numeric_limits

#include "numscope/quantize/kernels.h"
#include "numscope/quantize/quantize.h"

namespace numscope::detail {

/// Error sums of one task in eight fixed lanes: element i of a segment goes to lane i mod 8, and the lanes are
/// added in one fixed order at the end. The sums therefore do not depend on the CPU's vector width (the same
/// lanes are two AVX2 vectors or four SSE2 ones), and tasks merged in task order make them independent of the
/// thread count. (Eigen's fixed-size arrays did the same sums at 6.6 ns an element: its select() and cast()
/// of comparisons run scalar; these GCC vector loops take about 1 ns with AVX2, 2.6 ns with SSE2.)
struct Lanes {
  double x2[8] = {}, y2[8] = {}, xy[8] = {}, e2[8] = {}, rel[8] = {}, emax[8] = {};
  // Element counts: only their totals are read (count), so a loop may count in any lane (the AVX-512 loops
  // count underflows in a scalar register and add them to lane 0).
  std::int64_t rel_n[8] = {}, under[8] = {}, nonfinite[8] = {}, bad[8] = {};
  std::uint64_t clipped = 0;

  /// Whether o holds the same sums, lane by lane and bit for bit, and the same counts (as totals).
  bool same_bits(const Lanes& o) const {
    auto same = [](const double (&a)[8], const double (&b)[8]) { return std::memcmp(a, b, sizeof a) == 0; };
    return same(x2, o.x2) && same(y2, o.y2) && same(xy, o.xy) && same(e2, o.e2) && same(rel, o.rel) &&
           same(emax, o.emax) && count(rel_n) == count(o.rel_n) && count(under) == count(o.under) &&
           count(nonfinite) == count(o.nonfinite) && count(bad) == count(o.bad) && clipped == o.clipped;
  }

  /// inv: 1/|x| (0 where x is 0), computed once per piece for every scheme (reciprocals()): the relative
  /// error |x - y|·(1/|x|) then costs a multiplication instead of a division per scheme.
  void add(const double* x, const double* inv, const double* y, const unsigned char* clip, std::uint64_t n,
           Isa isa = kernel_isa()) {
    add_x(x, n, isa);
    add_error(x, inv, y, clip, n, isa);
  }
  /// The sums that do not depend on y (Σx², the nonzero count): the driver takes them once per segment for all
  /// schemes and copies them into each (take_x), which gives the bits add() gives.
  void add_x(const double* x, std::uint64_t n, Isa isa = kernel_isa());
  /// What a segment needs before any scheme runs on it, in one pass: NaN / inf in x set to 0 (returns their
  /// count, as count_nonfinite), inv = 1/|x| (reciprocals; not when inv is null) and add_x.
  std::uint64_t prepare_x(double* x, double* inv, std::uint64_t n, Isa isa = kernel_isa());
  /// prepare_x of n fp32 values read from src (little-endian bytes, any alignment, RowSource::fp32_bytes) into
  /// x: the same x and the same sums as widening them first, in one pass with AVX-512; `amax`, when given,
  /// gets block_amax of the prepared x.
  std::uint64_t prepare_fp32(const unsigned char* src, double* x, double* inv, std::uint64_t n,
                             double* amax = nullptr, Isa isa = kernel_isa());
  /// Every other sum and count, and the clipped flags.
  void add_error(const double* x, const double* inv, const double* y, const unsigned char* clip, std::uint64_t n,
                 Isa isa = kernel_isa());
  void take_x(const Lanes& shared) {
    std::copy(shared.x2, shared.x2 + 8, x2);
    std::copy(shared.rel_n, shared.rel_n + 8, rel_n);
  }
  static double total(const double (&a)[8]) {  // ((l0+l1)+(l2+l3))+((l4+l5)+(l6+l7))
    return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
  }
  static std::uint64_t count(const std::int64_t (&a)[8]) {
    std::int64_t s = 0;
    for (std::int64_t v : a) s += v;
    return static_cast<std::uint64_t>(s);
  }
  /// `compared`: the elements of the task whose input was finite (masked ones are zeros in x and y).
  Metrics metrics(std::uint64_t compared) const {
    Metrics c;
    c.n = compared;
    c.sum_x2 = total(x2);
    c.sum_y2 = total(y2);
    c.sum_xy = total(xy);
    c.sum_err2 = total(e2);
    c.max_abs_err = count(bad) > 0 ? std::numeric_limits<double>::infinity() : *std::max_element(emax, emax + 8);
    c.sum_rel = total(rel);
    c.rel_n = count(rel_n);
    c.underflow = count(under);
    c.nonfinite = count(nonfinite);
    c.clipped = clipped;
    return c;
  }
};


}  // namespace numscope::detail
