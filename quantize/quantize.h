// Runs quantization schemes (scheme.h) over a tensor in chunks, all schemes in one pass, and measures the error.
//
// A tensor is seen as rows x cols: rows are the output channels (shape[0]), cols the product of the other
// dimensions; a 1-D tensor is one row. Per-channel scales are per row, groups and blocks run along a row.
// Tensors are read in chunks of about chunk_elements (whole rows, or pieces of a long row cut at block
// boundaries), so a memory-mapped checkpoint is never converted to doubles whole. One pass over the data serves
// every scheme, and the chunks are spread over the cores; every sum is taken per chunk in fixed lanes and the
// chunks are merged in order, so results do not depend on the number of threads.
// Sources: see scheme.h; each family cites its own in quantize/families/ and quantize/ggml/.
#pragma once

#include <cstdint>      // std::uint64_t
#include <functional>   // std::function
#include <iosfwd>       // std::ostream
#include <optional>     // std::optional
#include <span>         // std::span
#include <string>       // std::string
#include <vector>       // std::vector

#include "numscope/formats/scheme.h"
#include "numscope/io/tensor_source.h"

namespace numscope {

/// Summary of the input (finite values only).
struct TensorStats {
  std::uint64_t count = 0;      // all elements
  std::uint64_t nonfinite = 0;  // NaN or inf among them
  double min = 0, max = 0, amax = 0, mean = 0, std = 0;
  double kurtosis = 0;          // Pearson's (normal: 3)
  double outlier_fraction = 0;  // share of |x| > 6·std
};
/// Two passes over the tensor in chunks of 2^20 elements on `threads` threads (0: every core).
TensorStats tensor_stats(const RowSource& src, unsigned threads = 0);

/// A fixed logarithmic histogram of errors: four bins per octave from 2^-64 to 2^64, bin 0 for exact zeros and
/// the last for anything larger (inf, NaN). Counts are integers, so they merge in any order; percentiles read
/// from it are approximate (the upper edge of the bin holding the rank), the maximum is kept exactly elsewhere.
struct ErrorHistogram {
  static constexpr int kPerOctave = 4, kMinExp = -64, kMaxExp = 64;
  static constexpr int kBins = 2 + (kMaxExp - kMinExp) * kPerOctave;
  static int bin(double e);             // e >= 0
  static double lower_edge(int bin);    // 0 for bin 0
  static double upper_edge(int bin);    // inf for the last bin
  /// The upper edge of the bin where the cumulative count first reaches p · total (0 < p <= 1); 0 when empty.
  static double percentile(const std::vector<std::uint64_t>& counts, double p);
};

/// Error accumulators, in double; merged over chunks.
struct Metrics {
  std::uint64_t n = 0;  // elements compared (finite inputs)
  double sum_x2 = 0, sum_y2 = 0, sum_xy = 0, sum_err2 = 0, max_abs_err = 0, sum_rel = 0;
  std::uint64_t rel_n = 0;       // nonzero inputs (for the mean relative error)
  std::uint64_t clipped = 0;     // saturated or clamped to the largest code of its scale
  std::uint64_t underflow = 0;   // nonzero input that became zero
  std::uint64_t nonfinite = 0;   // NaN or inf produced
  /// |x - y| and |x - y| / |x| (x != 0) in ErrorHistogram bins; empty unless QuantizeOptions::error_histogram.
  std::vector<std::uint64_t> abs_hist, rel_hist;
  void merge(const Metrics& o);
  double mse() const;
  double rmse() const;
  double sqnr_db() const;  // 10·log10(Σx²/Σ(x−y)²); +inf when exact
  double cosine() const;
  double mean_rel_error() const;
  double clipped_fraction() const { return n ? double(clipped) / double(n) : 0; }
  double underflow_fraction() const { return n ? double(underflow) / double(n) : 0; }
};

/// llama.cpp's importance matrix of one tensor (quantize/imatrix.h reads the files): one weight per column of a
/// ggml row, per matrix (per expert of a 3-D tensor). The ggml schemes whose quantize_<type> takes quant_weights
/// use them (Q4_0 ... Q6_K, IQ4_NL, IQ4_XS); the others ignore them, as ggml does.
struct ImportanceWeights {
  std::vector<float> values;  // `matrices` runs of ne0 weights
  std::uint64_t ne0 = 0;      // ggml's row length (the tensor's last dimension); a multiple of the block sizes
  std::uint64_t ne1 = 0;      // ggml rows per matrix (values of matrix m serve rows m·ne1 ... (m+1)·ne1 - 1)
};

struct QuantizeOptions {
  bool ignore_nonfinite = false;  // NaN / inf inputs quantize as 0 and are left out of the metrics
  std::ostream* blocks = nullptr;  // the ggml block types: the blocks in ggml's byte layout
  /// Receives the dequantized tensor in order, `count` elements at a time (C order). Runs on one thread.
  std::function<void(const double* y, std::uint64_t count)> dequantized;
  std::uint64_t chunk_elements = 1 << 20;  // the tensor is read in chunks of about this many elements
  std::uint64_t read_elements = 1 << 14;   // pieces of a chunk that every scheme analyses while in cache;
                                           // the results do not depend on it (tests vary it)
  unsigned threads = 0;                    // 0: every core
  bool error_histogram = false;            // fill Metrics::abs_hist / rel_hist (costs a pass per scheme)
  const ImportanceWeights* imatrix = nullptr;  // --imatrix: the weights of this tensor, or null
  /// Called after each task with the elements done so far and the total, from the worker thread that finished
  /// it (several may call at once: the callback serialises what it prints).
  std::function<void(std::uint64_t done, std::uint64_t total)> progress;
};

struct SchemeResult {
  Scheme scheme;
  double storage_bits = 0;  // the whole tensor: elements, scales, zero points
  double bits_per_element = 0;
  std::uint64_t bytes = 0;  // ceil(storage_bits / 8)
  Metrics metrics;
};

/// Quantizes and dequantizes the whole tensor with every scheme, in one pass over the data. Throws InputError
/// when the input has NaN / inf and options.ignore_nonfinite is off, or when ggml blocks are asked for and cols
/// is not a multiple of the block. options.blocks receives the blocks of the ggml schemes (keep one of them).
std::vector<SchemeResult> quantize_schemes(std::span<const Scheme> schemes, const RowSource& src,
                                           const TensorStats& stats, const QuantizeOptions& options = {});
/// The same for one scheme.
SchemeResult quantize_tensor(const Scheme& s, const RowSource& src, const TensorStats& stats,
                             const QuantizeOptions& options = {});

/// Quantize + dequantize of one buffer (rows x cols, in memory): the building block, exposed for tests.
std::vector<double> quantize_dequantize(const Scheme& s, std::span<const double> x, std::uint64_t rows,
                                        std::uint64_t cols, Metrics* metrics = nullptr,
                                        std::ostream* blocks = nullptr);

// ---- Building blocks, exposed for tests --------------------------------------------------------------------

/// bitsandbytes NF4 code values, index 0..15 (functional.py get_4bit_type("nf4"), kernels.cu dDequantizeNF4).
std::span<const float> nf4_codes();
/// bitsandbytes FP4 code values, index 0..15 (bit 3 = sign; magnitudes {0, 0.0625, 8, 12, 4, 6, 2, 3}/12).
std::span<const float> bnb_fp4_codes();
/// bitsandbytes create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8), sorted: the 8-bit code of
/// the double-quantized absmax values.
std::span<const float> bnb_dynamic_map();
/// Compares the quantizers' element rounding (with its fast paths: the binade grid, integer rounding in double,
/// the AVX2 / SSE2 vector kernels, the fp32 kernels) against the engine's encode + decode_double for every
/// value; true when all agree bit for bit (and in the clipped flag). On a mismatch, `mismatch` names the format
/// and value.
bool check_element_rounding(const Format& f, Rounding r, std::span<const double> values, std::string* mismatch,
                            bool saturate = true);

/// The error metrics of y against x (clipped counts 0), summed as quantize_tensor sums one chunk: element i in
/// lane i mod 8, lanes added as ((l0+l1)+(l2+l3))+((l4+l5)+(l6+l7)). isa: 0 the best vector kernel, 1 SSE2,
/// 2 AVX2 (only where have_avx2_kernels()), 3 AVX-512 (only where have_avx512_kernels()); every choice gives the
/// same bits.
Metrics error_metrics(std::span<const double> x, std::span<const double> y, int isa = 0);
bool have_avx2_kernels();
bool have_avx512_kernels();

/// Index of the nearest code of a sorted table (by midpoints in fp32, a tie goes to the lower code).
int nearest_code(std::span<const float> sorted_codes, float x);
/// nearest_code of each x (of |x| when `magnitude`) as the quantizers search a segment: books of up to 16 codes
/// count midpoints in vector lanes (isa 1: SSE2, 2: AVX2, 0: the best here).
std::vector<int> nearest_codes(std::span<const float> sorted_codes, std::span<const float> x, bool magnitude = false,
                               int isa = 0);

/// OCP MX v1.0 shared exponent of a block: floor rule floor(log2 amax) − emax_elem, ceil rule
/// ceil(log2(amax / max_elem)); clamped to the E8M0 range [−127, 127]; an all-zero block gets −127 (code 0).
int mx_scale_exponent(double amax, int emax_elem, double max_elem, MxScaleRule rule);

/// One llama.cpp block_q8_0 (34 bytes) from 32 floats, as quantize_row_q8_0_ref.
void ggml_quantize_q8_0(const float* x, unsigned char out[34]);
/// One llama.cpp block_q4_0 (18 bytes) from 32 floats, as quantize_row_q4_0_ref.
void ggml_quantize_q4_0(const float* x, unsigned char out[18]);
/// A row of n floats (a multiple of the type's block) in a ggml block type (io/ggml_types.h id), as
/// ggml_quantize_chunk does it with one ggml row of n and the importance weights `imatrix` (n of them; null for
/// none); false when numscope has no quantizer for the type.
bool ggml_quantize_row(int ggml_type, const float* x, std::uint64_t n, unsigned char* out,
                       const float* imatrix = nullptr);
/// The same bytes without importance weights by ggml's reference quantizer as ggml writes it (scalar loops, one
/// trial scale after another), which ggml_quantize_row runs faster: the baseline `numscope bench` times.
bool ggml_quantize_row_reference(int ggml_type, const float* x, std::uint64_t n, unsigned char* out);
/// The blocks of n elements back to floats, as ggml's to_float; false when numscope has no codec for the type.
bool ggml_dequantize_row(int ggml_type, const unsigned char* in, std::uint64_t n, float* y);
/// Whether --write-blocks writes this scheme's blocks (the ggml block types).
bool writes_ggml_blocks(const Scheme& s);
/// Whether the scheme uses importance weights (QuantizeOptions::imatrix): the ggml types whose quantize_<type>
/// takes quant_weights.
bool takes_importance_weights(const Scheme& s);

/// The recommendation: the cheapest result meeting both bars, and one line for each cheaper one saying why
/// it fails. `chosen` is empty when none qualifies.
struct Recommendation {
  std::optional<std::size_t> chosen;
  std::vector<std::string> reasons;
  std::string summary;  // one line
};
Recommendation recommend(const std::vector<SchemeResult>& results, std::optional<double> max_bits,
                         std::optional<double> min_sqnr_db);
/// The indices of `results` cheapest first: by bits per element, then by SQNR (best first), ties in input order.
/// The recommendation ranks by it and the quantize table lists by it.
std::vector<std::size_t> cost_order(const std::vector<SchemeResult>& results);

}  // namespace numscope
