// make_plan, read_task and block_lcm (plan.h).
#include "numscope/quantize/plan.h"

#include <numeric>  // std::lcm

#include "numscope/quantize/kernels.h"

namespace numscope::detail {

Plan make_plan(const RowSource& src, std::uint64_t chunk_elements, std::uint64_t block) {
  Plan p;
  p.rows = src.rows();
  p.cols = src.cols();
  chunk_elements = std::max<std::uint64_t>(1, chunk_elements);
  if (p.rows == 0 || p.cols == 0) return p;
  if (p.cols <= chunk_elements || block > chunk_elements) {
    p.rows_per_task = std::max<std::uint64_t>(1, chunk_elements / p.cols);
    p.tasks = (p.rows + p.rows_per_task - 1) / p.rows_per_task;
    return p;
  }
  p.segmented = true;
  p.seg = chunk_elements / block * block;
  p.segs_per_row = (p.cols + p.seg - 1) / p.seg;
  p.tasks = p.rows * p.segs_per_row;
  return p;
}


/// Reads task k of the plan into buf (resized); returns the number of NaN / inf values, set to 0 when `mask`.
std::uint64_t read_task(const RowSource& src, const Plan& plan, std::uint64_t k, std::vector<double>& buf,
                        bool mask) {
  const Plan::Task t = plan.task(k);
  buf.resize(t.count);
  src.read_range(t.first, t.count, buf.data());
  return count_nonfinite(buf.data(), t.count, mask);
}


std::uint64_t block_lcm(std::span<const Scheme> schemes) {
  std::uint64_t l = 1;
  for (const Scheme& s : schemes)
    if (s.block > 0) l = std::lcm(l, static_cast<std::uint64_t>(s.block));
  return l;
}


}  // namespace numscope::detail
