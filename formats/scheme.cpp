// Scheme names -> scheme rows, and the storage cost each row implies (bits per element, bits per tensor).
#include "numscope/formats/scheme.h"
#include "numscope/support/ascii.h"

#include <cctype>  // std::tolower, std::isdigit
#include <cmath>   // std::ceil

#include "numscope/support/error.h"
#include "numscope/formats/registry.h"

namespace numscope {
namespace {

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

[[noreturn]] void unknown_scheme(std::string_view name, const std::string& why = "") {
  throw InputError("unknown scheme '" + std::string(name) + "'" + (why.empty() ? "" : " (" + why + ")") +
                   ": expected " + accepted_scheme_names());
}

/// Reads an unsigned decimal at s[i...] (at most 6 digits); -1 when there is none.
long read_uint(const std::string& s, std::size_t& i) {
  const std::size_t start = i;
  long v = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) && i - start < 6) v = v * 10 + (s[i++] - '0');
  return i == start ? -1 : v;
}

Scheme block_row(std::string name, SchemeFamily fam, const Format& elem, int block, int scale_bits) {
  Scheme s;
  s.name = std::move(name);
  s.family = fam;
  s.element = elem;
  s.granularity = Granularity::kBlock;
  s.block = block;
  s.scale_bits = scale_bits;
  return s;
}

/// OCP MX v1.0 Table 1 (§5.1): the concrete MX formats, their element formats; scale E8M0, block 32.
struct MxRow {
  std::string_view name;
  const Format& element;
};
constexpr MxRow kMx[] = {{"mxfp8", kE4m3}, {"mxfp8-e5m2", kE5m2}, {"mxfp6", kE2m3},
                         {"mxfp6-e3m2", kE3m2}, {"mxfp4", kE2m1}, {"mxint8", kInt8}};

/// The ggml block types (llama.cpp ggml-common.h block_*, ggml-quants.c quantize_row_*_ref): the element width and
/// the bits of everything else in a block (scales, mins, sub-block scales) over `block` elements, so that bits per
/// element come out as ggml's 8 · sizeof(block) / QK.
struct GgmlSchemeRow {
  std::string_view name, alias;
  int ggml_type;  // ggml.h enum ggml_type
  const Format& element;
  int block, scale_bits;
  std::string_view description, source;
};
constexpr GgmlSchemeRow kGgmlSchemes[] = {
    {"q8_0", "q8-0", 8, kInt8, 32, 16, "ggml block_q8_0: 32 int8, fp16 d = amax/127, round half away",
     "quantize_row_q8_0_ref"},
    {"q4_0", "q4-0", 2, kUint4, 32, 16, "ggml block_q4_0: 32 nibbles, fp16 d = max/-8, truncating",
     "quantize_row_q4_0_ref"},
    {"q4_1", "q4-1", 3, kUint4, 32, 32, "ggml block_q4_1: 32 nibbles, fp16 d = (max-min)/15 and fp16 min",
     "quantize_row_q4_1_ref"},
    {"q5_0", "q5-0", 6, kUint5, 32, 16, "ggml block_q5_0: 32 5-bit codes, fp16 d = max/-16", "quantize_row_q5_0_ref"},
    {"q5_1", "q5-1", 7, kUint5, 32, 32, "ggml block_q5_1: 32 5-bit codes, fp16 d = (max-min)/31 and fp16 min",
     "quantize_row_q5_1_ref"},
    // K-quants: super-blocks of 256; the scale bits are the 6- or 4-bit group scales and mins plus fp16 d / dmin.
    {"q2_K", "q2-k", 10, kUint2, 256, 16 * 8 + 32, "ggml block_q2_K: 16 groups of 16, 4-bit scales and mins",
     "quantize_row_q2_K_ref"},
    {"q3_K", "q3-k", 11, kUint3, 256, 12 * 8 + 16, "ggml block_q3_K: 16 groups of 16, 6-bit signed scales",
     "quantize_row_q3_K_ref"},
    {"q4_K", "q4-k", 12, kUint4, 256, 12 * 8 + 32, "ggml block_q4_K: 8 groups of 32, 6-bit scales and mins",
     "quantize_row_q4_K_ref"},
    {"q5_K", "q5-k", 13, kUint5, 256, 12 * 8 + 32, "ggml block_q5_K: 8 groups of 32, 6-bit scales and mins",
     "quantize_row_q5_K_ref"},
    {"q6_K", "q6-k", 14, kUint6, 256, 16 * 8 + 16, "ggml block_q6_K: 16 groups of 16, 8-bit signed scales",
     "quantize_row_q6_K_ref"},
    {"iq4_nl", "iq4-nl", 20, kUint4, 32, 16, "ggml block_iq4_nl: 32 indices into a non-linear 16-value table",
     "quantize_row_iq4_nl_ref"},
    {"iq4_xs", "iq4-xs", 23, kUint4, 256, 16 + 16 + 32,
     "ggml block_iq4_xs: iq4_nl's table, 8 groups of 32 with 6-bit scales", "quantize_row_iq4_xs_ref"},
    {"ggml-mxfp4", "mxfp4-ggml", 39, kE2m1, 32, 8,
     "ggml block_mxfp4: E2M1 by least |error| (ties to the smaller), E8M0 floor scale", "quantize_row_mxfp4_ref"},
    {"ggml-nvfp4", "nvfp4-ggml", 40, kE2m1, 64, 32,
     "ggml block_nvfp4: E2M1, a UE4M3 scale amax/6 per 16, no tensor scale", "quantize_row_nvfp4_ref"},
};

bool parse_named(const std::string& key, Scheme& out) {
  std::string base = key;
  bool ceil_rule = false;
  if (ends_with(base, "-ceil")) {
    base.resize(base.size() - 5);
    ceil_rule = true;
  }
  for (const MxRow& m : kMx) {
    if (base != m.name) continue;
    // OCP MX v1.0 §5: k = 32 elements share one 8-bit E8M0 scale.
    out = block_row(key, SchemeFamily::kMx, m.element, 32, 8);
    out.mx_rule = ceil_rule ? MxScaleRule::kCeil : MxScaleRule::kFloor;
    out.description = "OCP MX: " + std::string(m.element.name) + " elements, blocks of 32, E8M0 scale (" +
                      (ceil_rule ? "ceil" : "floor") + " rule)";
    out.source = "OCP Microscaling Formats (MX) v1.0 §5-6";
    return true;
  }
  if (ceil_rule) return false;
  if (key == "nvfp4") {
    // NVIDIA NVFP4: E2M1 elements, 16 per E4M3 block scale, one FP32 per-tensor scale.
    out = block_row(key, SchemeFamily::kNvfp4, kE2m1, 16, 8);
    out.tensor_scale_bits = 32;
    out.description = "E2M1 elements, blocks of 16, E4M3 block scale, FP32 tensor scale amax/(6*448)";
    out.source = "NVIDIA NVFP4 (Blackwell; TensorRT-LLM / ModelOpt)";
    return true;
  }
  if (key == "nf4" || key == "nf4-dq") {
    // bitsandbytes quantize_4bit(quant_type="nf4", blocksize=64): fp32 absmax per block of 64.
    out = block_row(key, SchemeFamily::kNf4, kUint4, 64, 32);
    out.description = "NF4 code table (16 normal quantiles), blocks of 64, fp32 absmax";
    out.source = "bitsandbytes functional.quantize_4bit, kernels.cu dQuantizeNF4 (QLoRA, Dettmers et al. 2023)";
    if (key == "nf4-dq") {
      // compress_statistics=True: absmax - mean quantized blockwise (256) with the 8-bit dynamic map.
      out.double_quant = true;
      out.scale_bits = 8;
      out.scale2_bits = 32;
      out.scale2_group = 256;
      out.tensor_scale_bits = 32;  // the mean subtracted from the absmax values
      out.description = "NF4, blocks of 64, absmax double-quantized to 8 bits (blocks of 256, fp32 scale)";
    }
    return true;
  }
  if (key == "bnb-fp4" || key == "fp4-bnb") {
    out = block_row("bnb-fp4", SchemeFamily::kBnbFp4, kUint4, 64, 32);
    out.description = "bitsandbytes FP4 code table (sign + {0,0.0625,8,12,4,6,2,3}/12), blocks of 64, fp32 absmax";
    out.source = "bitsandbytes functional.quantize_4bit(quant_type=\"fp4\"), kernels.cu dQuantizeFP4";
    return true;
  }
  for (const GgmlSchemeRow& g : kGgmlSchemes) {
    if (key != ascii_lower(g.name) && key != ascii_lower(g.alias)) continue;
    out = block_row(std::string(g.name), SchemeFamily::kGgml, g.element, g.block, g.scale_bits);
    out.ggml_type = g.ggml_type;
    out.description = std::string(g.description);
    out.source = "llama.cpp ggml-quants.c " + std::string(g.source);
    return true;
  }
  return false;
}

/// intB[-sym|-asym][-tensor|-ch|-gG].
bool parse_int(const std::string& key, Scheme& out) {
  if (key.rfind("int", 0) != 0) return false;
  std::size_t i = 3;
  const long b = read_uint(key, i);
  if (b < 0) return false;
  if (i == key.size()) return false;  // plain intB: a cast
  if (b < 2 || b > 8) unknown_scheme(key, "integer schemes have 2 to 8 bits");
  bool asym = false, gran_seen = false, sym_seen = false;
  Granularity g = Granularity::kTensor;
  long group = 0;
  while (i < key.size()) {
    if (key[i] != '-') unknown_scheme(key);
    const std::size_t end = key.find('-', i + 1);
    const std::string part = key.substr(i + 1, end == std::string::npos ? std::string::npos : end - i - 1);
    i = end == std::string::npos ? key.size() : end;
    if ((part == "sym" || part == "asym") && !sym_seen && !gran_seen) {
      asym = part == "asym";
      sym_seen = true;
    } else if ((part == "tensor" || part == "ch") && !gran_seen) {
      g = part == "ch" ? Granularity::kChannel : Granularity::kTensor;
      gran_seen = true;
    } else if (part.size() > 1 && part[0] == 'g' && !gran_seen) {
      std::size_t k = 1;
      group = read_uint(part, k);
      if (group < 1 || k != part.size() || group > 1 << 20) unknown_scheme(key, "group size G from 1 to 1048576");
      g = Granularity::kBlock;
      gran_seen = true;
    } else {
      unknown_scheme(key);
    }
  }
  std::string name = "int" + std::to_string(b) + (asym ? "-asym" : "");
  name += g == Granularity::kTensor ? "-tensor" : g == Granularity::kChannel ? "-ch" : "-g" + std::to_string(group);
  out = Scheme{};
  out.name = name;
  out.family = SchemeFamily::kInt;
  out.element = find_format((asym ? "uint" : "int") + std::to_string(b));
  out.granularity = g;
  out.block = static_cast<int>(group);
  out.asymmetric = asym;
  // Per tensor / per channel: an fp32 scale (PyTorch / TensorRT per-channel INT8). Groups: an fp16 scale and, when
  // asymmetric, a B-bit zero point per group (GPTQ / AWQ checkpoints: fp16 scales, packed integer zeros).
  out.scale_bits = g == Granularity::kBlock ? 16 : 32;
  out.zero_bits = asym ? static_cast<int>(b) : 0;
  out.description = std::string(asym ? "asymmetric (min/max, zero point)" : "symmetric (absmax)") + " int" +
                    std::to_string(b) + ", " +
                    (g == Granularity::kTensor   ? "per tensor, fp32 scale"
                     : g == Granularity::kChannel ? "per output channel, fp32 scale"
                                                  : "groups of " + std::to_string(group) + ", fp16 scale");
  out.source = g == Granularity::kBlock ? "GPTQ / AWQ weight-only grouping" : "absmax / min-max integer quantization";
  return true;
}

/// FLOAT-tensor | FLOAT-ch: scale fmt_max/amax, saturating cast.
bool parse_scaled(const std::string& key, Scheme& out) {
  Granularity g;
  std::string base;
  if (ends_with(key, "-tensor")) {
    g = Granularity::kTensor;
    base = key.substr(0, key.size() - 7);
  } else if (ends_with(key, "-ch")) {
    g = Granularity::kChannel;
    base = key.substr(0, key.size() - 3);
  } else {
    return false;
  }
  Format f;
  try {
    f = find_format(base);
  } catch (const InputError&) {
    unknown_scheme(key);
  }
  if (f.kind != Kind::kFloat || !f.has_sign) unknown_scheme(key, "scaled schemes need a signed float format");
  out = Scheme{};
  out.name = std::string(f.name) + (g == Granularity::kTensor ? "-tensor" : "-ch");
  out.family = SchemeFamily::kScaled;
  out.element = f;
  out.granularity = g;
  out.scale_bits = 32;
  out.description = std::string(f.name) + ", fp32 scale fmt_max/amax per " +
                    (g == Granularity::kTensor ? "tensor" : "output channel") + ", saturating";
  out.source = "TransformerEngine / torchao FP8 scaling recipes";
  return true;
}

}  // namespace

Scheme parse_scheme(std::string_view name, Rounding rounding, MxScaleRule mx_rule) {
  std::string key = ascii_lower(name);
  while (!key.empty() && key.front() == ' ') key.erase(key.begin());
  while (!key.empty() && key.back() == ' ') key.pop_back();
  if (key.empty()) unknown_scheme(name, "empty name");
  Scheme s;
  if (parse_named(key, s) || parse_int(key, s) || parse_scaled(key, s)) {
    // The global rule applies to MX names without their own -ceil suffix.
    if (s.family == SchemeFamily::kMx && mx_rule == MxScaleRule::kCeil && s.mx_rule == MxScaleRule::kFloor) {
      s.mx_rule = MxScaleRule::kCeil;
      s.name += "-ceil";
    }
  } else {
    try {
      s.element = find_format(key);
    } catch (const InputError&) {
      unknown_scheme(name);
    }
    s.name = std::string(s.element.name);
    s.family = SchemeFamily::kCast;
    s.description = "cast to " + std::string(s.element.name) + " (saturating where there is no inf)";
    s.source = "format registry";
  }
  if (s.family == SchemeFamily::kCast || s.family == SchemeFamily::kScaled || s.family == SchemeFamily::kInt ||
      s.family == SchemeFamily::kMx || s.family == SchemeFamily::kNvfp4)
    s.rounding = rounding;
  return s;
}

std::vector<Scheme> parse_schemes(std::string_view list, Rounding rounding, MxScaleRule mx_rule) {
  std::vector<Scheme> out;
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t end = list.find(',', start);
    if (end == std::string_view::npos) end = list.size();
    out.push_back(parse_scheme(list.substr(start, end - start), rounding, mx_rule));
    start = end + 1;
  }
  return out;
}

std::vector<std::string> default_scheme_names() {
  return {"fp16",   "bf16",   "e4m3-tensor", "e4m3-ch", "e5m2-tensor", "int8-ch", "int8-tensor",
          "q8_0",   "mxfp8",  "mxint8",      "mxfp6",   "int4-g128",   "int4-asym-g128", "q4_0",
          "mxfp4",  "nvfp4",  "nf4",         "nf4-dq",  "bnb-fp4"};
}

std::string accepted_scheme_names() {
  return "casts to any format (fp16, bf16, tf32, e4m3, ...); FLOAT-tensor or FLOAT-ch (e4m3-tensor, e5m2-ch); "
         "intB[-sym|-asym][-tensor|-ch|-gG] with 2<=B<=8 (int8-ch, int4-g128, int4-asym-g128); "
         "mxfp8, mxfp8-e5m2, mxfp6, mxfp6-e3m2, mxfp4, mxint8 (add -ceil for the round-up scale rule); "
         "nvfp4; nf4, nf4-dq, bnb-fp4; " + [] {
           std::string names;
           for (const GgmlSchemeRow& g : kGgmlSchemes) names += (names.empty() ? "" : ", ") + std::string(g.name);
           return names;
         }();
}

double scheme_bits_per_element(const Scheme& s) {
  double bits = storage_bits(s.element);
  if (s.granularity == Granularity::kBlock) bits += double(s.scale_bits + s.zero_bits) / s.block;
  if (s.scale2_group > 0) bits += double(s.scale2_bits) / (double(s.block) * s.scale2_group);
  return bits;
}

double scheme_bits_per_element(std::string_view name) {
  const Scheme s = parse_scheme(name);
  if (s.family == SchemeFamily::kCast)
    throw InputError("'" + std::string(name) + "' is a plain format, not a quantization scheme: expected " +
                     accepted_scheme_names().substr(accepted_scheme_names().find(';') + 2));
  return scheme_bits_per_element(s);
}

double scheme_storage_bits(const Scheme& s, unsigned long long rows, unsigned long long cols) {
  const double n = double(rows) * double(cols);
  double bits = n * storage_bits(s.element) + s.tensor_scale_bits;
  const double per_scale = s.scale_bits + s.zero_bits;
  switch (s.granularity) {
    case Granularity::kNone: break;
    case Granularity::kTensor: bits += per_scale; break;
    case Granularity::kChannel: bits += per_scale * double(rows); break;
    case Granularity::kBlock: {
      const double blocks = double(rows) * double((cols + s.block - 1) / s.block);
      bits += per_scale * blocks;
      if (s.scale2_group > 0) bits += s.scale2_bits * std::ceil(blocks / s.scale2_group);
      break;
    }
  }
  return bits;
}

}  // namespace numscope
