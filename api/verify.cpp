// `verify`: every fp32 input (or a sample) through the fast kernels, the reference engine and the CPU's conversion
// instruction, compared bit for bit.
#include "numscope/api/verify.h"

#include <fmt/format.h>  // fmt::format

#include <chrono>  // std::chrono::steady_clock

#include "numscope/formats/fast/convert.h"
#include "numscope/formats/registry.h"
#include "numscope/support/error.h"
#include "numscope/support/parallel.h"

namespace numscope::api {
namespace {

constexpr auto R = Align::kRight;
using T = ColumnType;

std::string hex(std::uint32_t v, int bytes) { return fmt::format("0x{:0{}x}", v, 2 * bytes); }

/// 4294967296 -> 4,294,967,296.
std::string grouped(std::uint64_t v) {
  const std::string digits = std::to_string(v);
  std::string s;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) s += ',';
    s += digits[i];
  }
  return s;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::vector<fast::Isa> parse_isas(const std::string& s) {
  if (s == "best") return {fast::best_isa()};
  std::vector<fast::Isa> out;
  for (fast::Isa isa : {fast::Isa::kPortable, fast::Isa::kAvx2, fast::Isa::kAvx512})
    if ((s == "all" || s == fast::isa_name(isa)) && fast::isa_supported(isa)) out.push_back(isa);
  if (out.empty())
    throw InputError("--isa " + s +
                     ": expected best, all, portable, avx2 or avx512 (one this CPU runs; best here is " +
                     std::string(fast::isa_name(fast::best_isa())) + ")");
  return out;
}

/// The verify table with the totals and the first mismatches its notes list.
struct Tally {
  Table t;
  std::uint64_t bad = 0, inputs = 0;
  std::vector<std::string> firsts;

  void add(const std::string& conv, const std::string& rounding, const std::string& overflow,
           std::string_view kernel, const fast::SweepResult& r, const fast::Hardware* hw, double secs,
           int code_bytes, bool decode) {
    bad += r.mismatches + r.hw_mismatches;
    inputs += r.inputs;
    const bool has_hw = hw != nullptr && r.hw_checked > 0;
    auto count = [](std::uint64_t v) { return Cell::integer(static_cast<std::int64_t>(v)); };
    t.add({Cell::text(conv), Cell::text(rounding), Cell::text(overflow), Cell::text(std::string(kernel)),
           count(r.inputs), count(r.mismatches), has_hw ? Cell::text(std::string(hw->name)) : Cell::null(),
           has_hw ? count(r.hw_mismatches) : Cell::null(),
           has_hw && hw->daz && !decode ? count(r.hw_excluded) : Cell::null(),
           Cell::real(secs, fmt::format("{:.2f}", secs))});
    for (const fast::Mismatch& m : r.first) {
      if (firsts.size() >= 12) break;
      const std::string in = decode ? hex(m.input, code_bytes) : hex(m.input, 4);
      firsts.push_back(fmt::format("mismatch {} {} {} ({}): input {} -> {} {}, engine {}", conv, rounding, overflow,
                                   m.hardware ? std::string(hw ? hw->name : "instruction") : "fast kernel", in,
                                   m.hardware ? "instruction" : "fast", hex(m.got, decode ? 4 : code_bytes),
                                   hex(m.want, decode ? 4 : code_bytes)));
    }
  }
};

Table verify_table(bool exhaustive) {
  Table t;
  t.name = "verify";
  t.title = exhaustive ? "Exhaustive check: all 2^32 fp32 inputs, fast kernels vs the reference engine"
                       : "Quick check: fp32 inputs with exponent field 0, 16, 32, ... 240 and 255 "
                         "(--exhaustive: all 2^32)";
  t.columns = {{"conversion", "conversion"},
               {"rounding", "rounding"},
               {"overflow", "overflow"},
               {"kernel", "kernel"},
               {"inputs", "inputs", T::kInteger, R},
               {"mismatches", "mismatches", T::kInteger, R},
               {"instruction", "instruction"},
               {"instruction_mismatches", "instr. mismatches", T::kInteger, R},
               {"instruction_daz_skipped", "DAZ skipped", T::kInteger, R},
               {"seconds", "seconds", T::kFloat, R}};
  return t;
}

/// fp32 -> f through `fn`: all 2^32 inputs (512 slabs of sign and exponent field), or the sample of exponent
/// fields 0, 16, ... 240 and 255.
fast::SweepResult sweep(const Format& f, const ConvertOptions& opt, fast::EncodeFn fn, const fast::Hardware* hw,
                        bool exhaustive, unsigned threads) {
  if (exhaustive) return fast::sweep_encode(f, opt, fn, hw, 0, 512, threads);
  fast::SweepResult res;
  for (unsigned sign = 0; sign < 2; ++sign)
    for (unsigned field = 0; field < 256; field += 16) {
      const unsigned slab = sign << 8 | field;
      res.merge(fast::sweep_encode(f, opt, fn, hw, slab, slab + 1, threads));
      if (field == 240) res.merge(fast::sweep_encode(f, opt, fn, hw, slab + 15, slab + 16, threads));
    }
  return res;
}

/// Every kernel of one format on one instruction set: each rounding and overflow policy, then the decoder.
void verify_format(const Format& f, fast::Isa isa, const std::vector<Rounding>& roundings, bool exhaustive,
                   unsigned threads, Tally& tally) {
  const fast::Hardware hw = fast::hardware(f);
  const int cb = container_bytes(f);
  std::vector<Rounding> rs = roundings;
  if (rs.empty()) {
    rs.push_back(Rounding::kNearestEven);
    if (storage_bits(f) != bits(f)) rs.push_back(Rounding::kNearestAway);  // tf32: cvt.rna.tf32.f32
  }
  for (Rounding r : rs)
    for (bool sat : {false, true}) {
      ConvertOptions opt;
      opt.rounding = r;
      opt.saturate = sat;
      const auto t0 = std::chrono::steady_clock::now();
      const fast::SweepResult res =
          sweep(f, opt, fast::encoder(f, opt, isa), hw.encode ? &hw : nullptr, exhaustive, threads);
      tally.add("fp32→" + std::string(f.name), std::string(rounding_name(r)), sat ? "saturate" : "ieee",
                fast::kernel_name(f, opt, isa), res, hw.encode && !sat && r == Rounding::kNearestEven ? &hw : nullptr,
                seconds_since(t0), cb, false);
    }
  const auto t0 = std::chrono::steady_clock::now();
  const fast::SweepResult res = fast::sweep_decode(f, fast::decoder(f, {}, isa), hw.decode ? &hw : nullptr);
  tally.add(std::string(f.name) + "→fp32", "exact", "-", fast::isa_name(isa), res, hw.decode ? &hw : nullptr,
            seconds_since(t0), cb, true);
}

}  // namespace

Result verify(const VerifyRequest& request) {
  const std::string list = request.formats == "all" ? kVerifyAllFormats : request.formats;
  const std::vector<Format> formats = find_formats(list);
  const std::vector<fast::Isa> isas = parse_isas(request.isa);
  const unsigned threads = request.threads ? request.threads : core_count();
  std::vector<Rounding> roundings;
  for (const std::string& r : request.roundings) {
    const Rounding m = parse_rounding(r);
    if (m != Rounding::kNearestEven && m != Rounding::kNearestAway)
      throw InputError("--rounding " + r + ": the fast kernels (and so verify) cover rne and rna");
    roundings.push_back(m);
  }
  for (const Format& f : formats)
    if (!fast::encoder(f, {}, fast::Isa::kPortable))
      throw InputError("no fast path for '" + std::string(f.name) + "': verify covers " + kVerifyAllFormats);

  Result res;
  res.command = "verify";
  res.echo_flag("exhaustive", request.exhaustive);
  std::vector<Cell> names, isa_names, rounding_names;
  for (const Format& f : formats) names.push_back(Cell::text(std::string(f.name)));
  for (fast::Isa isa : isas) isa_names.push_back(Cell::text(std::string(fast::isa_name(isa))));
  for (Rounding r : roundings) rounding_names.push_back(Cell::text(std::string(rounding_name(r))));
  res.echo("formats", std::move(names));
  res.echo("roundings", std::move(rounding_names));
  res.echo("isas", std::move(isa_names));
  res.echo("threads", Cell::integer(threads));

  Tally tally{verify_table(request.exhaustive), 0, 0, {}};
  const auto t_all = std::chrono::steady_clock::now();
  for (const Format& f : formats)
    for (fast::Isa isa : isas) verify_format(f, isa, roundings, request.exhaustive, threads, tally);
  Table& t = tally.t;
  for (const std::string& s : tally.firsts) t.notes.push_back(s);
  t.notes.push_back(fmt::format("{} inputs in {:.1f} s on {} threads: {}", grouped(tally.inputs),
                                seconds_since(t_all), threads,
                                tally.bad == 0 ? std::string("every fast result equals the engine's bits")
                                               : fmt::format("{} MISMATCHES", grouped(tally.bad))));
  t.notes.push_back(
      "The engine runs once per rounding class (sign, exponent, kept bits, round bit, sticky bit), which "
      "determines its result (proof: formats/fast/convert.cpp); instructions' NaN payloads are compared "
      "by class, and vcvtneps2bf16 reads subnormal inputs as zero (DAZ, counted apart).");
  res.status = tally.bad == 0 ? 0 : 1;
  res.tables.push_back(std::move(t));
  return res;
}

}  // namespace numscope::api
