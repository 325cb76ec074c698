// memory, quantize and check from Python: their api requests filled from keyword arguments, a numpy array
// analysed in place by quantize (a RowSource over its buffer, api::QuantizeRequest::Array), and claims checked in text the caller holds.
#include <nanobind/ndarray.h>       // nb::ndarray
#include <nanobind/stl/optional.h>  // std::optional arguments
#include <nanobind/stl/pair.h>      // std::pair arguments
#include <nanobind/stl/string.h>    // std::string arguments
#include <nanobind/stl/vector.h>    // std::vector arguments

#include <cstring>  // std::memcpy
#include <memory>   // std::make_shared
#include <optional>  // std::optional
#include <string>   // std::string
#include <utility>  // std::pair
#include <vector>   // std::vector

#include "numscope/api/check.h"
#include "numscope/api/memory.h"
#include "numscope/api/quantize.h"
#include "numscope/formats/fits.h"
#include "numscope/formats/registry.h"
#include "numscope/io/code_cast.h"
#include "numscope/io/tensor_source.h"
#include "numscope/python/src/bind.h"
#include "numscope/support/error.h"

namespace numscope::python {
namespace {

using Bytes = nb::ndarray<nb::ro, nb::c_contig, nb::device::cpu>;

/// A C-ordered numpy buffer of codes of any format (float32, float64, float16, an ml_dtypes type) seen as
/// rows × cols doubles: rows the first dimension, cols the rest, as the file readers see a tensor. The values
/// are decoded on each read (float32 and float64 as they are, other formats through io/code_cast.h's CodeCast
/// into binary64, exact for every format of at most 64 bits), so nothing is copied up front.
class ArraySource : public RowSource {
 public:
  ArraySource(const Format& f, const unsigned char* data, const std::vector<std::uint64_t>& shape)
      : format_(f), fp64_(find_format("fp64")), data_(data), bytes_(container_bytes(f)) {
    rows_ = shape.size() >= 2 ? shape[0] : 1;
    cols_ = 1;
    for (std::size_t i = shape.size() >= 2 ? 1 : 0; i < shape.size(); ++i) cols_ *= shape[i];
    if (rows_ == 0) cols_ = 0;
  }
  std::uint64_t rows() const override { return rows_; }
  std::uint64_t cols() const override { return cols_; }
  void read_range(std::uint64_t first, std::uint64_t count, double* out) const override {
    if (is_binary32(format_)) {  // numpy's float32 and float64: read as they are
      const float* p = reinterpret_cast<const float*>(data_) + first;
      for (std::uint64_t i = 0; i < count; ++i) out[i] = p[i];
    } else if (is_binary64(format_)) {
      std::memcpy(out, data_ + first * bytes_, count * sizeof(double));
    } else {
      CodeCast(format_, fp64_, {}, {}).convert(data_ + first * bytes_, reinterpret_cast<unsigned char*>(out),
                                               count, first);
    }
  }

 private:
  Format format_, fp64_;
  const unsigned char* data_;
  std::uint64_t bytes_, rows_ = 0, cols_ = 0;
};

Result memory(const std::vector<std::pair<std::string, std::string>>& options, bool list_models, bool list_gpus) {
  api::MemoryRequest req;
  req.options = options;
  req.list_models = list_models;
  req.list_gpus = list_gpus;
  return api::memory(req);
}

// The request is the api's own struct (one data model): Python sets its fields, the array goes in here.
Result quantize(api::QuantizeRequest q, std::optional<Bytes> array, const std::string& array_format,
                const std::vector<std::uint64_t>& shape, const std::string& array_name,
                const std::string& array_dtype) {
  if (array) {
    const Format f = find_format(array_format);
    std::uint64_t n = 1;
    for (std::uint64_t d : shape) n *= d;
    if (array->nbytes() != n * container_bytes(f))
      throw InputError("the array's " + std::to_string(array->nbytes()) + " bytes are not " + std::to_string(n) +
                       " " + std::string(f.name) + " elements");
    api::QuantizeRequest::Array t;
    t.name = array_name;
    t.dtype = array_dtype.empty() ? std::string(f.name) : array_dtype;
    t.shape = shape;
    t.source = std::make_shared<ArraySource>(f, static_cast<const unsigned char*>(array->data()), shape);
    q.array = std::move(t);
  }
  nb::gil_scoped_release release;  // the caller keeps the array alive; the pass takes seconds on large tensors
  return api::quantize(q);
}

Result check(const std::vector<std::string>& paths, const std::vector<std::string>& claims,
             const std::vector<std::pair<std::string, std::string>>& texts, bool failing_only) {
  api::CheckRequest req;
  req.paths = paths;
  req.claims = claims;
  for (const auto& [name, text] : texts) req.texts.push_back({name, text});
  req.failing_only = failing_only;
  return api::check(req);
}

}  // namespace

void bind_analyses(nb::module_& m) {
  m.def("memory", &memory, nb::arg("options"), nb::arg("list_models") = false, nb::arg("list_gpus") = false);
  using QuantizeArgs = api::QuantizeRequest;
  nb::class_<QuantizeArgs>(m, "QuantizeArgs")
      .def(nb::init<>())
      .def_rw("inputs", &QuantizeArgs::inputs)
      .def_rw("tensors", &QuantizeArgs::tensors)
      .def_rw("schemes", &QuantizeArgs::schemes)
      .def_rw("include", &QuantizeArgs::include)
      .def_rw("exclude", &QuantizeArgs::exclude)
      .def_rw("include_1d", &QuantizeArgs::include_1d)
      .def_rw("per_layer", &QuantizeArgs::per_layer)
      .def_rw("percentiles", &QuantizeArgs::percentiles)
      .def_rw("histogram", &QuantizeArgs::histogram)
      .def_rw("all", &QuantizeArgs::all)
      .def_rw("ignore_nonfinite", &QuantizeArgs::ignore_nonfinite)
      .def_rw("synthetic", &QuantizeArgs::synthetic, nb::arg().none())
      .def_rw("dtype", &QuantizeArgs::dtype, nb::arg().none())
      .def_rw("dump_dequantized", &QuantizeArgs::dump_dequantized, nb::arg().none())
      .def_rw("write_blocks", &QuantizeArgs::write_blocks, nb::arg().none())
      .def_rw("imatrix", &QuantizeArgs::imatrix, nb::arg().none())
      .def_rw("list_tensors", &QuantizeArgs::list_tensors)
      .def_rw("rounding", &QuantizeArgs::rounding)
      .def_rw("mx_scale", &QuantizeArgs::mx_scale)
      .def_rw("dump_scheme", &QuantizeArgs::dump_scheme)
      .def_rw("threads", &QuantizeArgs::threads)
      .def_rw("max_bits", &QuantizeArgs::max_bits, nb::arg().none())
      .def_rw("min_sqnr", &QuantizeArgs::min_sqnr, nb::arg().none());
  m.def("quantize", &quantize, nb::arg("args"), nb::arg("array").none(), nb::arg("array_format") = "",
        nb::arg("shape") = std::vector<std::uint64_t>{}, nb::arg("array_name") = "array",
        nb::arg("array_dtype") = "");
  m.def("check", &check, nb::arg("paths"), nb::arg("claims"), nb::arg("texts"), nb::arg("failing_only") = false);
}

}  // namespace numscope::python
