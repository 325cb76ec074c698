// Quantization families as a table of operations, like ggml's type traits: each family (a cast, scaled floats,
// integers, OCP MX, NVFP4, bitsandbytes 4-bit, the ggml block types) is one row naming how to build its row
// quantizer and what it needs before the pass, and lives in one file of quantize/families/. Adding a family is
// a row in family.cpp and a file. The driver (driver.cpp) never tests which family it runs.
#pragma once

#include <cstdint>      // std::uint64_t
#include <iosfwd>       // std::ostream
#include <memory>       // std::unique_ptr
#include <span>         // std::span
#include <string_view>  // std::string_view
#include <vector>       // std::vector

#include "numscope/formats/scheme.h"
#include "numscope/io/tensor_source.h"
#include "numscope/quantize/codec.h"
#include "numscope/quantize/lanes.h"
#include "numscope/quantize/plan.h"
#include "numscope/quantize/quantize.h"

namespace numscope::detail {

/// min(0, row min) and max(0, row max) of each row (row_ranges).
struct RowRanges {
  std::vector<double> lo, hi;
};

/// Per-tensor state of one scheme, shared by all rows of one run.
struct Ctx {
  double amax = 0, min = 0, max = 0;
  const RowRanges* rows = nullptr;  // set when rows are cut into segments: per-channel ranges come from here
  std::vector<float> dq_absmax;     // nf4-dq: the dequantized absmax of each block, row-major
  std::uint64_t blocks_per_row = 0;
  std::uint64_t cols = 0;                          // the tensor's row length
  const ImportanceWeights* imatrix = nullptr;      // --imatrix: this tensor's weights (ggml schemes)
  std::vector<float> row_sigma2;                   // ggml: σ² of each ggml row, when a segmented plan cuts them
  Rng rng{0x6e756d73636f7065ULL};
};

/// One piece of work: quantize and dequantize `cols` elements starting at column col0 of row `row` (a whole row,
/// or a piece of one whose start is a multiple of every block size, see Plan). y receives the dequantized values,
/// clip 1 where an element saturated or was clamped; `blocks`, when set, the blocks in the family's byte layout.
struct Segment {
  const double* x;
  double* y;
  unsigned char* clip;
  std::uint64_t cols, row, col0;
  std::ostream* blocks;
  double amax = -1;  // max |x| over the segment where the driver's first pass took it, else -1
  const unsigned char* fp32 = nullptr;  // x as the fp32 bytes it was widened from (none masked), or null
};

/// A family's quantizer for one scheme on one worker thread (it may keep scratch buffers).
class RowQuantizer {
 public:
  virtual ~RowQuantizer() = default;
  virtual void run(const Segment& s) = 0;
  /// The segment's error sums added to `sums` (Lanes::add_error's bits), where neither y nor clip is wanted
  /// afterwards (they are scratch then): families that round a segment in one vector loop take the sums in
  /// that loop (Codec::round_sums) instead of storing y and reading it back. inv: 1/|x| (Lanes).
  virtual void run_sums(const Segment& s, const double* inv, Lanes& sums) {
    run(s);
    sums.add_error(s.x, inv, s.y, s.clip, s.cols);
  }
  /// Whether run_sums_inv takes 1/|x| in its own loop: the driver then leaves it out of the shared pass when
  /// this is the one scheme on the segment.
  virtual bool fuses_inverses() const { return false; }
  /// run_sums where inv (1/|x|) is not computed yet (fuses_inverses): a family whose rounding loop takes the
  /// sums may take 1/|x| there too (Codec::round_sums_inv); inv is scratch for it.
  virtual void run_sums_inv(const Segment& s, double* inv, Lanes& sums) {
    reciprocals(s.x, inv, s.cols);
    run_sums(s, inv, sums);
  }
};

/// A family: one row of the table.
struct Family {
  SchemeFamily id;
  std::string_view name;
  /// The row quantizer of a scheme of this family.
  std::unique_ptr<RowQuantizer> (*make)(const Scheme& s, Ctx& ctx);
  /// A pass over the tensor before the main one, or null (nf4-dq: the absmax statistics of the whole tensor).
  void (*prepare)(const Scheme& s, const RowSource& src, const Plan& plan, unsigned threads, Ctx& ctx) = nullptr;
  /// Whether the family has a byte layout that --write-blocks writes (the ggml block types).
  bool writes_blocks = false;
};

/// The table, and the row of a scheme.
std::span<const Family> families();
const Family& family_of(const Scheme& s);

/// The element codec of a scheme, saturating or not; `symmetric` leaves a signed integer's most negative code
/// unused (int8: [-127, 127]; OCP MX v1.0 §5.3.3 for MXINT8).
Codec element_codec(const Scheme& s, Ctx& ctx, bool saturate = true, bool symmetric = false);

// The families, one file each in quantize/families/.
extern const Family kCastFamily, kScaledFamily, kIntFamily, kMxFamily, kNvfp4Family, kNf4Family, kBnbFp4Family,
    kGgmlFamily;

}  // namespace numscope::detail
