// Arrays of codes: the format facts the Python side needs to allocate arrays, and one conversion call that runs
// what `numscope cast` runs (api::plan_cast, then io/code_cast.h's CodeCast: the fast kernels where they apply,
// the engine elsewhere, NaN into a format without NaN refused or mapped) on numpy buffers, the GIL released and
// large arrays split over the cores.
#include <nanobind/ndarray.h>     // nb::ndarray
#include <nanobind/stl/string.h>  // std::string arguments

#include <algorithm>  // std::min
#include <exception>  // std::exception_ptr
#include <map>        // std::map
#include <string>     // std::string
#include <vector>     // std::vector

#include "numscope/api/cast.h"
#include "numscope/formats/fast/convert.h"
#include "numscope/formats/fits.h"
#include "numscope/formats/registry.h"
#include "numscope/io/code_cast.h"
#include "numscope/python/src/bind.h"
#include "numscope/support/error.h"
#include "numscope/support/parallel.h"

namespace numscope::python {
namespace {

using Bytes = nb::ndarray<nb::ro, nb::c_contig, nb::device::cpu>;
using MutableBytes = nb::ndarray<nb::c_contig, nb::device::cpu>;

/// The fields of a format the array functions need, as a dict.
nb::dict format_info(const std::string& name) {
  const Format f = find_format(name);
  static const Format kFp32 = find_format("fp32"), kFp64 = find_format("fp64");
  nb::dict d;
  d["name"] = std::string(f.name);
  d["bits"] = bits(f);
  d["storage_bits"] = storage_bits(f);
  d["container_bytes"] = container_bytes(f);
  d["is_int"] = f.kind == Kind::kInt;
  d["has_sign"] = f.kind == Kind::kInt ? f.is_signed : f.has_sign;
  d["has_nan"] = has_nan(f);
  d["has_inf"] = has_inf(f);
  d["fits_fp32"] = finite_values_fit(f, kFp32);
  d["fits_fp64"] = finite_values_fit(f, kFp64);
  d["is_fp32"] = is_binary32(f);
  return d;
}

/// A cast's plan and its CodeCast, ready to copy. Preparing one parses both names and runs the exact engine
/// (CodeCast's constructor): some 10 us, which a small array would pay on every call.
struct Prepared {
  api::CastPlan plan;
  CodeCast cast;  // built without a generator: stochastic rounding builds its own per call
};

/// The prepared cast for a request, kept for the next calls with the same names and options (the seed aside).
/// Called with the GIL held, which guards the cache; the caller copies what it needs before releasing it.
const Prepared& prepared(const api::CastRequest& req) {
  static std::map<std::string, Prepared> cache;
  const api::Conversion& c = req.conversion;
  const std::string key = req.from + '\n' + req.to + '\n' + c.rounding + '\n' + req.nan_to + '\n' +
                          char('0' + c.saturate) + char('0' + c.ftz) + char('0' + req.tf32_truncate);
  if (const auto it = cache.find(key); it != cache.end()) return it->second;
  api::CastPlan plan = api::plan_cast(req);  // throws the CLI's message for a bad request: nothing is kept
  Rng unused;
  ConvertOptions opt = api::convert_options(c, unused);
  opt.rng = nullptr;
  CodeCast cast(plan.from, plan.to, opt, plan.policy);
  if (cache.size() >= 64) cache.clear();  // names are user input: the cache stays small
  return cache.emplace(key, Prepared{std::move(plan), std::move(cast)}).first->second;
}

/// Converts the codes in `in` (format `from`) into `out` (format `to`) as `numscope cast` does, with its
/// options. Arrays larger than fast::kParallelBytes are cut into pieces converted on every core, each worker with
/// its own copy of one CodeCast (stochastic rounding stays on one thread, in order, so a seed gives the cast's
/// bits); the first element that cannot be converted is reported, whichever thread met it.
void convert(const std::string& from_name, const std::string& to_name, const Bytes& in, MutableBytes& out,
             const std::string& rounding, bool saturate, bool ftz, unsigned long long seed,
             const std::string& nan_to, bool tf32_truncate) {
  api::CastRequest req;
  req.from = from_name;
  req.to = to_name;
  req.conversion = {rounding, saturate, ftz, seed};
  req.nan_to = nan_to;
  req.tf32_truncate = tf32_truncate;
  const Prepared& ready = prepared(req);
  const api::CastPlan plan = ready.plan;  // copies: another thread may clear the cache once the GIL is released
  const std::size_t ib = plan.in_bytes, ob = plan.out_bytes;
  const std::size_t n = in.nbytes() / ib;
  if (in.nbytes() % ib != 0 || out.nbytes() != n * ob)
    throw InputError("convert: " + std::to_string(in.nbytes()) + " input bytes of " + std::string(plan.from.name) +
                     " do not fill " + std::to_string(out.nbytes()) + " output bytes of " + std::string(plan.to.name));
  const auto* src = static_cast<const unsigned char*>(in.data());
  auto* dst = static_cast<unsigned char*>(out.data());
  Rng rng;
  const ConvertOptions opt = api::convert_options(req.conversion, rng);
  const CodeCast cast = opt.rounding == Rounding::kStochastic ? CodeCast(plan.from, plan.to, opt, plan.policy)
                                                              : ready.cast;
  nb::gil_scoped_release release;  // numpy keeps both buffers alive; other Python threads run meanwhile
  const bool serial = opt.rounding == Rounding::kStochastic || n * ib <= fast::kParallelBytes;
  if (serial) {
    CodeCast(cast).convert(src, dst, n, 0);
    return;
  }
  constexpr std::size_t kPiece = std::size_t{1} << 18;  // elements per task: 1 MiB of fp32
  const std::size_t tasks = (n + kPiece - 1) / kPiece;
  std::vector<CodeCast> casts(worker_count(0), cast);  // one per worker: a CodeCast counts as it converts
  std::vector<std::exception_ptr> errors(tasks);
  parallel_tasks(tasks, 0, [&](std::uint64_t t, unsigned worker) {
    const std::size_t first = t * kPiece, count = std::min(n, first + kPiece) - first;
    try {
      casts[worker].convert(src + first * ib, dst + first * ob, count, first);
    } catch (...) {  // kept per piece: the lowest piece's error names the first bad element
      errors[t] = std::current_exception();
    }
  });
  for (const std::exception_ptr& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace

void bind_arrays(nb::module_& m) {
  m.def("format_info", &format_info, nb::arg("name"),
        "The canonical name, widths and value-fit facts of a format (any name `numscope formats` accepts).");
  m.def("convert", &convert, nb::arg("from_format"), nb::arg("to_format"), nb::arg("codes"), nb::arg("out"),
        nb::arg("rounding") = "rne", nb::arg("saturate") = false, nb::arg("ftz") = false, nb::arg("seed") = 1,
        nb::arg("nan_to") = "error", nb::arg("tf32_truncate") = false,
        "Converts a contiguous array of codes into `out`, as `numscope cast --from F --to G` does.");
}

}  // namespace numscope::python
