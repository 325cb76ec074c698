// `quantize`'s file-type mixes (quantize_mix.h): placeholder rows, per-tensor types, one pass per tensor.
#include "numscope/api/quantize_mix.h"

#include "numscope/support/error.h"

namespace numscope::api::detail {
namespace {

/// The scheme that quantizes to a ggml type: its ggml block scheme (q4_K, ggml-mxfp4), or for f16 the cast.
Scheme scheme_of(const GgmlType& t) {
  for (const std::string& name : {"ggml-" + std::string(t.name), std::string(t.name)}) {
    try {
      Scheme s = parse_scheme(name);
      if (t.quantized ? s.family == SchemeFamily::kGgml && s.ggml_type == static_cast<int>(t.id)
                      : s.family == SchemeFamily::kCast)
        return s;
    } catch (const InputError&) {
    }
  }
  throw InputError("numscope has no scheme for ggml type " + std::string(t.name));  // every mix type has one
}

constexpr const char* kCopied = "as stored";

}  // namespace

std::vector<Scheme> parse_run_schemes(const std::vector<std::string>& names, Rounding rounding, MxScaleRule rule,
                                      std::vector<const FileTypeMix*>& mixes) {
  std::vector<Scheme> schemes;
  mixes.clear();
  for (const std::string& n : names) {
    const FileTypeMix* m = find_file_type_mix(n);
    mixes.push_back(m);
    if (!m) {
      try {
        schemes.push_back(parse_scheme(n, rounding, rule));
      } catch (const InputError& e) {
        throw InputError(std::string(e.what()) + "; llama.cpp file-type mixes (with --input and --all): " +
                         mix_names());
      }
      continue;
    }
    Scheme s = scheme_of(*m->default_type);
    s.name = mix_scheme_name(*m);
    s.description = "llama.cpp file type " + std::string(m->name) + ": " + std::string(m->default_type->name) +
                    " by default, other types where llama_tensor_get_type says";
    s.source = "llama.cpp src/llama-quant.cpp llama_tensor_get_type";
    schemes.push_back(std::move(s));
  }
  return schemes;
}

void resolve_mixes(const std::vector<const FileTypeMix*>& mixes, const std::vector<std::string>& files,
                   const std::vector<TensorEntry>& entries, const std::vector<std::size_t>& chosen, bool has_imatrix,
                   std::vector<Input>& inputs) {
  bool any = false;
  for (const FileTypeMix* m : mixes) any |= m != nullptr;
  for (Input& in : inputs) in.mix_type.assign(mixes.size(), "");
  if (!any) return;
  if (files.empty())
    throw InputError("a llama.cpp file-type mix (" + mix_scheme_name(file_type_mixes()[0]) +
                     ", ...) types the tensors of a model: give it with --input FILE.gguf|FILE.safetensors");
  const MixInputs mi = mix_inputs(files, entries, has_imatrix);
  for (std::size_t k = 0; k < mixes.size(); ++k) {
    if (!mixes[k]) continue;
    const std::vector<const GgmlType*> types = mix_types(*mixes[k], mi.model, mi.tensors);
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      const GgmlType* t = types[mi.tensor_of[chosen[i]]];
      inputs[i].mix_type[k] = t ? std::string(t->name) : kCopied;
    }
  }
}

std::vector<SchemeResult> run_schemes(const std::vector<Scheme>& schemes, const std::vector<const FileTypeMix*>& mixes,
                                      const Input& in, const QuantizeOptions& options) {
  std::vector<Scheme> run;
  std::vector<std::size_t> slot(schemes.size());
  for (std::size_t k = 0; k < schemes.size(); ++k) {
    Scheme s = schemes[k];
    if (mixes[k]) {
      const std::string& type = in.mix_type[k];
      // A copied tensor runs as an exact cast (fp64 holds every input value); its cost is put right below.
      s = type == kCopied ? parse_scheme("fp64") : scheme_of(*find_ggml_type(type));
    }
    std::size_t j = 0;
    while (j < run.size() && run[j].name != s.name) ++j;
    if (j == run.size()) run.push_back(std::move(s));
    slot[k] = j;
  }
  const std::vector<SchemeResult> results = quantize_schemes(run, *in.source, in.stats, options);
  std::vector<SchemeResult> out;
  for (std::size_t k = 0; k < schemes.size(); ++k) {
    SchemeResult r = results[slot[k]];
    if (mixes[k]) {
      r.scheme = schemes[k];
      if (in.mix_type[k] == kCopied) {
        r.bytes = in.stored_bytes;
        r.storage_bits = 8.0 * static_cast<double>(in.stored_bytes);
        r.bits_per_element = in.stats.count ? r.storage_bits / static_cast<double>(in.stats.count) : 0;
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace numscope::api::detail
