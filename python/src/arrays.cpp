// Arrays of codes: the format facts the Python side needs to allocate arrays, and one conversion call that
// runs formats/arrays.h (what `numscope cast` runs) on numpy buffers with the GIL released.
#include <nanobind/ndarray.h>    // nb::ndarray
#include <nanobind/stl/string.h>  // std::string arguments

#include <string>  // std::string

#include "numscope/formats/arrays.h"
#include "numscope/formats/registry.h"
#include "numscope/python/src/bind.h"
#include "numscope/support/error.h"

namespace numscope::python {
namespace {

using Bytes = nb::ndarray<nb::ro, nb::c_contig, nb::device::cpu>;
using MutableBytes = nb::ndarray<nb::c_contig, nb::device::cpu>;

/// The fields of a format the array functions need, as a dict.
nb::dict format_info(const std::string& name) {
  const Format f = find_format(name);
  const Format fp32 = find_format("fp32"), fp64 = find_format("fp64");  // user-input names, looked up once
  nb::dict d;
  d["name"] = std::string(f.name);
  d["bits"] = bits(f);
  d["storage_bits"] = storage_bits(f);
  d["container_bytes"] = container_bytes(f);
  d["is_int"] = f.kind == Kind::kInt;
  d["has_sign"] = f.kind == Kind::kInt ? f.is_signed : f.has_sign;
  d["has_nan"] = has_nan(f);
  d["has_inf"] = has_inf(f);
  d["fits_fp32"] = finite_values_fit(f, fp32);
  d["fits_fp64"] = finite_values_fit(f, fp64);
  d["is_fp32"] = is_binary32(f);
  return d;
}

/// Converts the codes in `in` (format `from`) into `out` (format `to`), as `numscope cast` does.
void convert(const std::string& from_name, const std::string& to_name, const Bytes& in, MutableBytes& out,
             const std::string& rounding, bool saturate, bool ftz, unsigned long long seed) {
  const Format from = find_format(from_name), to = find_format(to_name);
  Rng rng{seed};
  ConvertOptions opt;
  opt.rounding = parse_rounding(rounding);
  opt.saturate = saturate;
  opt.ftz = ftz;
  opt.rng = &rng;
  const std::size_t in_bytes = container_bytes(from), out_bytes = container_bytes(to);
  const std::size_t n = in.nbytes() / in_bytes;
  if (in.nbytes() % in_bytes != 0 || out.nbytes() != n * out_bytes)
    throw InputError("convert: " + std::to_string(in.nbytes()) + " input bytes of " + std::string(from.name) +
                     " do not fill " + std::to_string(out.nbytes()) + " output bytes of " + std::string(to.name));
  const void* src = in.data();
  void* dst = out.data();
  nb::gil_scoped_release release;  // numpy keeps both buffers alive; other Python threads run meanwhile
  convert_codes(from, to, src, dst, n, opt, /*threads=*/0);
}

}  // namespace

void bind_arrays(nb::module_& m) {
  m.def("format_info", &format_info, nb::arg("name"),
        "The canonical name, widths and value-fit facts of a format (any name `numscope formats` accepts).");
  m.def("convert", &convert, nb::arg("from_format"), nb::arg("to_format"), nb::arg("codes"), nb::arg("out"),
        nb::arg("rounding") = "rne", nb::arg("saturate") = false, nb::arg("ftz") = false, nb::arg("seed") = 1,
        "Converts a contiguous array of codes into `out`, as `numscope cast --from F --to G` does.");
}

}  // namespace numscope::python
