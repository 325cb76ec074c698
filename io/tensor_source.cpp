// A tensor held in memory, for synthetic tensors and tests.
#include <cstring>  // std::memcpy

#include "numscope/io/tensor_source.h"
#include "numscope/support/error.h"

namespace numscope {

MemorySource::MemorySource(std::vector<double> data, std::uint64_t rows, std::uint64_t cols)
    : data_(std::move(data)), rows_(rows), cols_(cols) {
  if (data_.size() != rows * cols) throw InputError("tensor data does not match its shape");
}
void MemorySource::read_range(std::uint64_t first, std::uint64_t count, double* out) const {
  std::memcpy(out, data_.data() + first, count * sizeof(double));
}

}  // namespace numscope
