// `quantize`: many quantization schemes over one or more tensors; cost in bits against error, a recommendation.
#pragma once

#include <cstdint>     // std::uint64_t
#include <functional>  // std::function
#include <memory>      // std::shared_ptr
#include <optional>  // std::optional
#include <string>    // std::string
#include <vector>    // std::vector

#include "numscope/io/tensor_source.h"
#include "numscope/support/result.h"

namespace numscope::api {

/// Where a run of quantize() is, for a progress line: the tensor (index 1 to tensors) and the input bytes, as the
/// files store them, worked through of the whole run's. A run makes two passes: value statistics of every tensor
/// (stats true, reported per tensor; the faster one), then every scheme over every tensor.
struct QuantizeProgress {
  std::string tensor;
  std::size_t index = 0, tensors = 0;
  bool stats = false;
  std::uint64_t bytes_done = 0, bytes_total = 0;
};

struct QuantizeRequest {
  std::vector<std::string> inputs;       // .npy, .safetensors or GGUF files (several: the shards of one model),
                                         // or model directories
  std::vector<std::string> tensors;      // tensors of the inputs to analyse; empty: the only one (or `all`)
  bool all = false;                      // every float tensor of the inputs, plus totals
  std::optional<std::string> synthetic;  // a synthetic tensor instead of inputs: "student-t:nu=3,n=65536,seed=1"
  std::optional<std::string> dtype;      // the type inside an ml_dtypes .npy saved as <V2 / <V1 (bf16, e4m3, e5m2)
  std::vector<std::string> schemes;      // scheme names; empty: a representative set of every family
  std::string rounding = "rne";          // element rounding of casts, scaled, integer, MX and NVFP4 schemes
  unsigned threads = 0;                  // worker threads; 0: every core (results do not depend on it)
  std::string mx_scale = "floor";        // MX block scale rule: floor (OCP MX v1.0) or ceil
  std::optional<double> max_bits;        // recommend only schemes of at most this many bits per element
  std::optional<double> min_sqnr;        // recommend only schemes with at least this SQNR in dB
  std::optional<std::string> dump_dequantized;  // write the dequantized tensor (float64 .npy) of one scheme
  std::string dump_scheme;               // that scheme ("": the recommended or only one)
  std::optional<std::string> write_blocks;      // write the q8_0 or q4_0 blocks in ggml's byte layout
  bool ignore_nonfinite = false;         // analyse the finite values only when the input has NaN or inf
  std::optional<std::string> imatrix;    // llama.cpp importance-matrix file (GGUF or legacy .dat) for the ggml
                                         // schemes that take weights (quantize/imatrix.h)
  std::vector<std::string> include;      // --all: only tensors matching one of these globs (quantize/model.h)
  std::vector<std::string> exclude;      // --all: leave out tensors matching any of these globs
  bool include_1d = false;               // --all: keep 1-D tensors (norms, biases), left out by default
  bool per_layer = false;                // add table "layers": each scheme summed per transformer block
  bool percentiles = false;              // add table "percentiles": p50/p90/p99/p99.9 of |err| and relative err
  unsigned histogram = 0;                // add table "histogram" of |err| in this many logarithmic bins
  bool list_tensors = false;             // only list the inputs' tensors from the file headers (quantize_list.h)
  /// Called as the run goes (QuantizeProgress); may be called from worker threads.
  std::function<void(const QuantizeProgress&)> progress;
  /// A tensor the caller holds in memory (the Python package's numpy array), analysed instead of inputs or
  /// synthetic: its name and dtype for the input table, its shape, and its elements as a RowSource.
  struct Array {
    std::string name = "array", dtype;
    std::vector<std::uint64_t> shape;
    std::shared_ptr<const RowSource> source;
  };
  std::optional<Array> array;
};

/// Tables "input" (tensor, dtype, shape, elements, min, max, amax, mean, std, kurtosis, outlier_fraction,
/// nonfinite: one row per tensor) and "schemes" (tensor when there are several, scheme, bits_per_element,
/// bytes, mse, rmse, sqnr_db, max_abs_error, mean_rel_error, cosine, clipped_fraction, underflow_fraction,
/// nonfinite, and recommended when max_bits or min_sqnr is set), sorted by bits then SQNR; with several tensors,
/// each tensor's rows and then the totals (tensor "total"). The recommendation and the reasons each cheaper
/// scheme fails are notes. When max_bits or min_sqnr admit no scheme, status is 1 and `errors` holds the one line
/// saying so. Files are written whole or not at all. Throws InputError for bad input.
///
/// **Example**:
///   QuantizeRequest q;
///   q.synthetic = "normal:n=4096,seed=1";
///   q.schemes = {"q4_0", "q8_0"};
///   q.max_bits = 8;
///   Result r = api::quantize(q);  // r.table("schemes"): q4_0 first, recommended
Result quantize(const QuantizeRequest& request);

/// The names of the tables quantize(request) returns, in order, known before it runs: the CLI checks --table and
/// CSV against them before a run of minutes, not after it.
std::vector<std::string> quantize_table_names(const QuantizeRequest& request);

}  // namespace numscope::api
