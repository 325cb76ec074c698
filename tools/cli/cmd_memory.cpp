// `numscope memory`: the flags of api::memory, one per row of the estimator's option table (memory/options.h).
#include "numscope/api/memory.h"
#include "numscope/memory/options.h"
#include "numscope/tools/cli/command.h"

namespace numscope::cli {
namespace {

using memory::Option;
using memory::options;

Result run(const Args& args, Context&) {
  api::MemoryRequest req;
  req.list_models = args.has("list-models");
  req.list_gpus = args.has("list-gpus");
  for (const Option& o : options()) {
    const auto given = args.options.find(std::string(o.name));
    if (given != args.options.end())
      for (const std::string& value : given->second) req.options.emplace_back(std::string(o.name), value);
  }
  return api::memory(req);
}

}  // namespace

const Command& memory_command() {
  static const Command kCommand{
      {"memory",
       "LLM memory estimate: weights, gradients, optimizer, activations, KV cache, LoRA, GPU fit",
       "numscope memory (--model NAME | --config FILE | --params N | --layers ... ) [options] [-o table|md|csv|json]",
       "Every row is one formula (docs/memory.md): weights P × bytes(dtype), with byte widths from the format\n"
       "registry (int4 = 0.5, tf32 = 4) and block schemes with their scales (nf4 4.5 bits, int4-g128 4.125, q8_0 8.5,\n"
       "mxfp4 4.25, nvfp4 4.5); gradients; optimizer states (sgd 0, momentum 1, adam/adamw 2, adam8bit 2 one-byte);\n"
       "an fp32 master copy when training in a narrower dtype (mixed-precision Adam: 2 + 2 + 12 = 16 bytes per\n"
       "parameter, ZeRO paper); activations per layer sbh(34 + 5as/h) (Korthikanti et al. 2022); KV cache\n"
       "2 × kv_heads × head_dim per layer and token (MLA: kv_lora_rank + qk_rope_head_dim; sliding layers hold\n"
       "min(window, seq)), in the activation dtype unless --kv; LoRA r·(d_in + d_out) per adapted matrix.\n"
       "Quantized weights store the linear layers in --weights, embeddings, head and norms in 16 bits.\n"
       "--zero shards optimizer states (1), gradients (2), parameters (3) over --gpus; --tp splits weights and heads.\n"
       "Sizes print in GB (10^9) and GiB (2^30). Bad input exits 2 with one line naming the problem.",
       [] {
         // Every estimator option from its row (memory/options.h), then the two listings.
         std::vector<OptionSpec> specs;
         for (const Option& o : options())
           specs.push_back({std::string(o.name), 0, std::string(o.value_name),
                            std::string(o.help) + (o.fallback.empty() ? "" : " (default " + std::string(o.fallback) + ")"),
                            o.repeatable});
         specs.push_back({"list-models", 0, "", "print the built-in models with their parameter counts"});
         specs.push_back({"list-gpus", 0, "", "print the GPU catalog"});
         return specs;
       }(),
       0,
       0},
      run};
  return kCommand;
}

}  // namespace numscope::cli
