// The seam below every tensor reader: a tensor seen as rows x cols that hands out its elements as doubles.
//
// Readers (npy, safetensors, synthetic, and later GGUF) return RowSources; the quantizer and the statistics read
// through this interface only, so they never know which container a tensor came from.
#pragma once

#include <cstdint>  // std::uint64_t
#include <vector>   // std::vector

namespace numscope {

/// A tensor that hands out its rows as doubles (C order within a row).
class RowSource {
 public:
  virtual ~RowSource() = default;
  virtual std::uint64_t rows() const = 0;
  virtual std::uint64_t cols() const = 0;
  /// Writes elements [first, first + count) in C order (row-major over rows x cols) to out.
  virtual void read_range(std::uint64_t first, std::uint64_t count, double* out) const = 0;
  /// Elements [first, first + count) as little-endian fp32 bytes in memory (any alignment), where the source
  /// holds them so (a mapped fp32 tensor in C order); null otherwise. A reader that widens them itself (the
  /// quantizer's first pass) takes them from there instead of read_range.
  virtual const unsigned char* fp32_bytes(std::uint64_t /*first*/, std::uint64_t /*count*/) const { return nullptr; }
  /// Writes rows [first, first + count) to out (count · cols doubles).
  void read_rows(std::uint64_t first, std::uint64_t count, double* out) const {
    read_range(first * cols(), count * cols(), out);
  }
};

/// A tensor held in memory.
class MemorySource : public RowSource {
 public:
  MemorySource(std::vector<double> data, std::uint64_t rows, std::uint64_t cols);
  std::uint64_t rows() const override { return rows_; }
  std::uint64_t cols() const override { return cols_; }
  void read_range(std::uint64_t first, std::uint64_t count, double* out) const override;
  const std::vector<double>& data() const { return data_; }

 private:
  std::vector<double> data_;
  std::uint64_t rows_, cols_;
};

}  // namespace numscope
