// `numscope verify [--exhaustive]`: every fp32 input through the fast kernels, the reference engine and the
// CPU's conversion instruction, compared bit for bit; exit 1 on any mismatch.
#include <fmt/format.h>  // fmt::format

#include <chrono>  // std::chrono::steady_clock

#include "numscope/formats/fast/convert.h"
#include "numscope/support/parallel.h"
#include "numscope/formats/registry.h"
#include "numscope/tools/cli/command.h"

namespace numscope::cli {
namespace {

const char* const kDefaultFormats = "fp16,bf16,e4m3,e5m2";
const char* const kAllFormats =
    "fp16,bf16,tf32,e5m2,e4m3,e4m3fnuz,e5m2fnuz,e4m3b11fnuz,e4m3-ieee,e3m4,e3m2,e2m3,e2m1";

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

std::vector<fast::Isa> parse_isas(const Args& args) {
  const std::string s = args.get("isa", "best");
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

int run(const Args& args, Context&, Report& report) {
  const bool exhaustive = args.has("exhaustive");
  std::string list = args.get("formats", kDefaultFormats);
  if (list == "all") list = kAllFormats;
  const std::vector<Format> formats = find_formats(list);
  const std::vector<fast::Isa> isas = parse_isas(args);
  const unsigned threads = static_cast<unsigned>(
      args.get_int("threads", core_count(), 1, 1024));
  std::vector<Rounding> roundings;
  for (const std::string& r : args.list("rounding")) {
    const Rounding m = parse_rounding(r);
    if (m != Rounding::kNearestEven && m != Rounding::kNearestAway)
      throw InputError("--rounding " + r + ": the fast kernels (and so verify) cover rne and rna");
    roundings.push_back(m);
  }
  for (const Format& f : formats)
    if (!fast::encoder(f, {}, fast::Isa::kPortable))
      throw InputError("no fast path for '" + std::string(f.name) + "': verify covers " + kAllFormats);

  Table t;
  t.title = exhaustive ? "Exhaustive check: all 2^32 fp32 inputs, fast kernels vs the reference engine"
                       : "Quick check: fp32 inputs with exponent field 0, 16, 32, ... 240 and 255 "
                         "(--exhaustive: all 2^32)";
  t.columns = {{"conversion", "conversion"},
               {"rounding", "rounding"},
               {"overflow", "overflow"},
               {"kernel", "kernel"},
               {"inputs", "inputs", true},
               {"mismatches", "mismatches", true},
               {"instruction", "instruction"},
               {"instr. mismatches", "instruction_mismatches", true},
               {"DAZ skipped", "instruction_daz_skipped", true},
               {"seconds", "seconds", true}};
  std::uint64_t total_bad = 0, total_inputs = 0;
  std::vector<std::string> firsts;
  const auto t_all = std::chrono::steady_clock::now();
  auto add = [&](const std::string& conv, const std::string& rounding, const std::string& overflow,
                 std::string_view kernel, const fast::SweepResult& r, const fast::Hardware* hw, double secs,
                 int code_bytes, bool decode) {
    total_bad += r.mismatches + r.hw_mismatches;
    total_inputs += r.inputs;
    const bool has_hw = hw != nullptr && r.hw_checked > 0;
    t.add({str(conv), str(rounding), str(overflow), str(std::string(kernel)),
           num(static_cast<long long>(r.inputs)), num(static_cast<long long>(r.mismatches)),
           has_hw ? str(std::string(hw->name)) : null_cell(),
           has_hw ? num(static_cast<long long>(r.hw_mismatches)) : null_cell(),
           has_hw && hw->daz && !decode ? num(static_cast<long long>(r.hw_excluded)) : null_cell(),
           num(fmt::format("{:.2f}", secs))});
    for (const fast::Mismatch& m : r.first) {
      if (firsts.size() >= 12) break;
      const std::string in = decode ? hex(m.input, code_bytes) : hex(m.input, 4);
      firsts.push_back(
          fmt::format("mismatch {} {} {} ({}): input {} -> {} {}, engine {}", conv, rounding, overflow,
                      m.hardware ? std::string(hw ? hw->name : "instruction") : "fast kernel", in,
                      m.hardware ? "instruction" : "fast", hex(m.got, decode ? 4 : code_bytes),
                      hex(m.want, decode ? 4 : code_bytes)));
    }
  };
  for (const Format& f : formats) {
    const fast::Hardware hw = fast::hardware(f);
    const int cb = container_bytes(f);
    std::vector<Rounding> rs = roundings;
    if (rs.empty()) {
      rs.push_back(Rounding::kNearestEven);
      if (storage_bits(f) != bits(f)) rs.push_back(Rounding::kNearestAway);  // tf32: cvt.rna.tf32.f32
    }
    for (fast::Isa isa : isas) {
      for (Rounding r : rs)
        for (bool sat : {false, true}) {
          ConvertOptions opt;
          opt.rounding = r;
          opt.saturate = sat;
          const fast::EncodeFn fn = fast::encoder(f, opt, isa);
          const auto t0 = std::chrono::steady_clock::now();
          fast::SweepResult res;
          if (exhaustive) {
            res = fast::sweep_encode(f, opt, fn, hw.encode ? &hw : nullptr, 0, 512, threads);
          } else {
            for (unsigned sign = 0; sign < 2; ++sign)
              for (unsigned field = 0; field < 256; field += 16) {
                const unsigned slab = sign << 8 | field;
                res.merge(fast::sweep_encode(f, opt, fn, hw.encode ? &hw : nullptr, slab, slab + 1, threads));
                if (field == 240)
                  res.merge(fast::sweep_encode(f, opt, fn, hw.encode ? &hw : nullptr, slab + 15, slab + 16,
                                               threads));
              }
          }
          add("fp32→" + std::string(f.name), std::string(rounding_name(r)), sat ? "saturate" : "ieee",
              fast::kernel_name(f, opt, isa), res,
              hw.encode && !sat && r == Rounding::kNearestEven ? &hw : nullptr, seconds_since(t0), cb, false);
        }
      const auto t0 = std::chrono::steady_clock::now();
      const fast::SweepResult res =
          fast::sweep_decode(f, fast::decoder(f, {}, isa), hw.decode ? &hw : nullptr);
      add(std::string(f.name) + "→fp32", "exact", "-", fast::isa_name(isa), res, hw.decode ? &hw : nullptr,
          seconds_since(t0), cb, true);
    }
  }
  for (const std::string& s : firsts) t.notes.push_back(s);
  t.notes.push_back(fmt::format("{} inputs in {:.1f} s on {} threads: {}", grouped(total_inputs),
                                seconds_since(t_all), threads,
                                total_bad == 0 ? std::string("every fast result equals the engine's bits")
                                               : fmt::format("{} MISMATCHES", grouped(total_bad))));
  t.notes.push_back(
      "The engine runs once per rounding class (sign, exponent, kept bits, round bit, sticky bit), which "
      "determines its result (proof: formats/fast/convert.cpp); instructions' NaN payloads are compared "
      "by class, and vcvtneps2bf16 reads subnormal inputs as zero (DAZ, counted apart).");
  report.tables.push_back(std::move(t));
  return total_bad == 0 ? 0 : 1;
}

}  // namespace

const Command& verify_command() {
  static const Command kCommand{
      {"verify",
       "prove the fast conversion kernels bit-exact against the engine (and the CPU's instructions)",
       "numscope verify [--exhaustive] [--formats LIST|all] [--rounding rne,rna] [--isa best|all|NAME] "
       "[--threads N]",
       "Encodes fp32 inputs through the fast kernels, the reference engine and, where the CPU has one, its "
       "own\n"
       "conversion instruction (F16C, AVX-512 BF16), for both overflow policies (IEEE and --saturate), and "
       "decodes\n"
       "every code back to fp32. --exhaustive covers all 2^32 inputs; without it one exponent in 16.\n"
       "Prints the mismatch count and the first mismatches with their bits; exit 1 on any mismatch.\n"
       "Default formats: " +
           std::string(kDefaultFormats) + "; --formats all: " + kAllFormats + ".",
       {{"exhaustive", 0, "", "all 2^32 fp32 inputs (default: a sample of exponents)"},
        {"formats", 'f', "LIST", std::string("formats to check (default ") + kDefaultFormats + ", or all)"},
        {"rounding", 'r', "LIST", "rne and/or rna (default rne, and rna too for tf32)", true},
        {"isa", 0, "NAME", "kernel instruction set: best (default), all, portable, avx2, avx512"},
        {"threads", 'j', "N", "worker threads (default: every core)"}},
       0,
       0},
      run};
  return kCommand;
}

}  // namespace numscope::cli
