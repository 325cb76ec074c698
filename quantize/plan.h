// How a tensor is cut into tasks (whole rows, or segments of a long row cut at block boundaries) and each task
// into pieces that stay in cache while every scheme runs on them.
#pragma once

#include <algorithm>  // std::max, std::min
#include <cstdint>    // std::uint64_t
#include <span>       // std::span
#include <vector>     // std::vector

#include "numscope/formats/scheme.h"
#include "numscope/io/tensor_source.h"

namespace numscope::detail {

/// How a tensor is cut into tasks. When a row fits in a chunk, a task is `rows_per_task` whole rows; a longer
/// row (a 1-D tensor is one row) is cut into segments of `seg` elements, a multiple of every block size, one
/// task each, so memory stays bounded by the chunk whatever the shape.
struct Plan {
  std::uint64_t rows = 0, cols = 0, rows_per_task = 1, seg = 0, segs_per_row = 1, tasks = 0;
  bool segmented = false;

  struct Task {
    std::uint64_t first, count;  // elements in C order
    std::uint64_t row, col0;     // where it starts
  };
  Task task(std::uint64_t k) const {
    if (!segmented) {
      const std::uint64_t r = k * rows_per_task, nr = std::min(rows_per_task, rows - r);
      return {r * cols, nr * cols, r, 0};
    }
    const std::uint64_t r = k / segs_per_row, c = (k % segs_per_row) * seg;
    return {r * cols + c, std::min(seg, cols - c), r, c};
  }
  /// Calls fn(offset in the task, elements, row, col0) for each segment of a task: its rows, or itself.
  template <class Fn>
  void segments(const Task& t, Fn fn) const {
    if (segmented) return fn(std::uint64_t{0}, t.count, t.row, t.col0);
    for (std::uint64_t off = 0, r = t.row; off < t.count; off += cols, ++r) fn(off, cols, r, std::uint64_t{0});
  }
  std::uint64_t max_segment() const { return segmented ? seg : cols; }
  std::uint64_t max_task() const { return segmented ? seg : rows_per_task * cols; }

  /// A task is read and analysed in pieces of about `read` elements, so that the input, the dequantized values
  /// and their flags stay in the core's L2 cache while every scheme runs on them (a whole task of 2^20
  /// doubles is 8 MiB). A piece is whole rows (at least one), or a part of a segment whose length is a
  /// multiple of `align` (every block size and the 8 lanes of the error sums, so that the sums are those of
  /// the whole segment, see Lanes).
  std::uint64_t read = 1 << 14, align = 8;
  std::uint64_t max_read() const {
    if (!segmented) return std::max<std::uint64_t>(1, read / cols) * cols;
    return std::min(seg, std::max(align, read / align * align));
  }
  /// Calls read(off, count) for each piece of the task in order, then seg_fn(off, n, row, col0) for each
  /// segment of that piece (its rows, or the piece itself); offsets are relative to the task.
  template <class Read, class Seg>
  void pieces(const Task& t, Read read, Seg seg_fn) const {
    const std::uint64_t len = max_read();
    for (std::uint64_t off = 0; off < t.count; off += len) {
      const std::uint64_t n = std::min(len, t.count - off);
      read(off, n);
      if (segmented) {
        seg_fn(off, n, t.row, t.col0 + off);
        continue;
      }
      for (std::uint64_t o = off, r = t.row + off / cols; o < off + n; o += cols, ++r)
        seg_fn(o, cols, r, std::uint64_t{0});
    }
  }
};


/// `block`: every block size of the schemes to run (their least common multiple), 1 for none.
Plan make_plan(const RowSource& src, std::uint64_t chunk_elements, std::uint64_t block);
/// Reads task k of the plan into buf (resized); returns the number of NaN / inf values, set to 0 when `mask`.
std::uint64_t read_task(const RowSource& src, const Plan& plan, std::uint64_t k, std::vector<double>& buf,
                        bool mask);
/// The least common multiple of the schemes' block sizes.
std::uint64_t block_lcm(std::span<const Scheme> schemes);

}  // namespace numscope::detail
