// Tests of what runs where: DeepSpeed's ZeRO estimators and Megatron-LM's pipeline activation formulas transcribed
// from their sources (file and line cited), the inference peak, the GPU catalog against public nvidia-smi logs,
// roofline bounds computed by hand, layouts, offload, grids and the defaults.
#include <catch2/catch.hpp>

#include <algorithm>  // std::max, std::min
#include <cmath>      // std::floor
#include <set>        // std::set
#include <string>     // std::string

#include "numscope/memory/estimate.h"
#include "numscope/memory/gpu.h"
#include "numscope/memory/grid.h"
#include "numscope/memory/model.h"
#include "numscope/memory/plan.h"
#include "numscope/support/error.h"

#include "helpers.h"

using namespace numscope;
using namespace numscope::memory;
using namespace numscope::memory::test;

namespace {


// ---- DeepSpeed's estimators, transcribed (microsoft/DeepSpeed at 38327e07, 2025-02-21; the functions are unchanged
// in the releases that followed). Python's int() truncates; every product runs left to right in binary64.

struct DsMem {
  double cpu = 0, gpu = 0;
};

// deepspeed/runtime/zero/stage_1_and_2.py:2430-2447, estimate_zero2_model_states_mem_needs.
DsMem ds_zero2(double total_params, double num_gpus_per_node, double num_nodes, bool cpu_offload,
               double additional_buffer_factor = 1.5) {
  const double total_gpus = num_nodes * num_gpus_per_node;                                   // :2436
  double gpu_mem, cpu_mem;
  if (cpu_offload) {
    gpu_mem = 2 * total_params;                                                               // :2439
    cpu_mem = total_params * std::max(4 * total_gpus, 16.0) * additional_buffer_factor;       // :2440
  } else {
    gpu_mem = 2 * total_params + std::floor(18 * total_params / total_gpus);                 // :2444
    cpu_mem = total_params * 4 * num_gpus_per_node * additional_buffer_factor;                // :2445
  }
  return {std::floor(cpu_mem), std::floor(gpu_mem)};                                         // :2447
}

// deepspeed/runtime/zero/stage3.py:3008-3045, estimate_zero3_model_states_mem_needs.
DsMem ds_zero3(double total_params, double largest_layer_params, double num_gpus_per_node, double num_nodes,
               bool cpu_offload, bool cpu_offload_params, bool zero_init, double additional_buffer_factor = 1.5) {
  const double total_gpus = num_nodes * num_gpus_per_node;            // :3017
  const double gpus_factor = 1 / num_nodes;                           // :3018
  const double largest_layer_memory = 4 * largest_layer_params;       // :3019
  double gpu_mem, cpu_mem;
  if (cpu_offload) {
    if (cpu_offload_params) {
      gpu_mem = largest_layer_memory;                                 // :3023
      cpu_mem = zero_init ? total_params * 18 * gpus_factor * additional_buffer_factor  // :3026
                          : total_params * std::max(4 * num_gpus_per_node, 18 * gpus_factor) * additional_buffer_factor;
    } else {
      gpu_mem = largest_layer_memory + std::floor(2 * total_params / total_gpus);       // :3031
      cpu_mem = zero_init ? total_params * 16 * gpus_factor * additional_buffer_factor  // :3034
                          : total_params * std::max(4 * num_gpus_per_node, 16 * gpus_factor) * additional_buffer_factor;
    }
  } else {
    gpu_mem = largest_layer_memory + std::floor(18 * total_params / total_gpus);        // :3038
    cpu_mem = zero_init ? largest_layer_params * 4 * num_gpus_per_node * additional_buffer_factor  // :3040
                        : total_params * 4 * num_gpus_per_node * additional_buffer_factor;         // :3042
  }
  return {std::floor(cpu_mem), std::floor(gpu_mem)};                  // :3045
}

// The estimators assume mixed-precision Adam: 16-bit parameters and gradients, fp32 master, momentum and variance.
KV mixed_adam(const std::string& params, int zero, std::int64_t gpus, std::int64_t per_node) {
  return {{"params", params},           {"mode", "train"},
          {"weights", "fp16"},          {"optimizer", "adam"},
          {"zero", std::to_string(zero)}, {"gpus", std::to_string(gpus)},
          {"gpus-per-node", std::to_string(per_node)}, {"cuda-context", "0"}};
}

// Our per-GPU bytes are exact quotients; DeepSpeed truncates 18·P/N (and 2·P/N) to whole bytes.
// (The sum of our binary64 rows may land a few ulps below an integer quotient.)
void check_gpu(double ours, double deepspeed) {
  CHECK(ours > deepspeed - 1e-3);
  CHECK(ours - deepspeed < 1);
}

// ---- Megatron-LM's theoretical activation memory, transcribed (NVIDIA/Megatron-LM at d98e8a64, 2026-08-22,
// megatron/training/theoretical_memory_usage.py), for a non-interleaved schedule and pp > 1 (the first stage).

// compute_activation_memory (:308-379), used with sequence parallelism and selective recomputation.
double megatron_sp(double s, double b, double h, double ffn, double L, double pp, double tp, double M) {
  double act = (s * b * h) * (18 + 4 * (ffn / h));  // :317-319
  act *= L;                                         // :325
  act += 8 * s * b * pp;                            // :330-332
  act += s * b * h * pp;                            // :334-339
  act *= std::min(1.0, M / pp);                     // :359-361
  return act / tp;                                  // :379
}

// compute_activation_memory_without_sp (:382-453), used otherwise; its 5% "overhead_factor" (:450-451) removed.
double megatron_no_sp(double s, double b, double h, double L, double pp, double tp, double M) {
  const double per_layer = s * b * h * (10 + (24 / tp));  // :386
  double total = per_layer * L;                           // :395
  total += 8 * s * b * pp;                                // :399-401
  total += s * b * h * pp;                                // :403-408
  total *= std::min(1.0, M / pp);                         // :428-430
  return total;                                           // :451 multiplies by 1.05 after this
}

}  // namespace

TEST_CASE("ZeRO-2 and ZeRO-3 per GPU equal DeepSpeed's estimators", "[memory][zero][deepspeed]") {
  const std::pair<const char*, double> sizes[] = {
      {"2851M", 2851e6}, {"6738415616", 6738415616.0}, {"13B", 13e9}, {"70B", 70e9}};
  const std::pair<std::int64_t, std::int64_t> layouts[] = {{8, 8}, {16, 8}, {64, 8}, {3, 3}, {12, 4}};
  for (const auto& [text, P] : sizes)
    for (const auto& [gpus, per_node] : layouts) {
      INFO(text << " on " << gpus << " GPUs, " << per_node << " per node");
      const double nodes = static_cast<double>(gpus / per_node), gpn = static_cast<double>(per_node);
      // ZeRO-2, no offload and CPU offload.
      for (bool offload : {false, true}) {
        KV kv = mixed_adam(text, 2, gpus, per_node);
        if (offload) kv.emplace_back("offload-optimizer", "cpu");
        const MemoryEstimate e = est(kv);
        const DsMem ds = ds_zero2(P, gpn, nodes, offload);
        check_gpu(e.per_gpu_bytes, ds.gpu);
        CHECK(e.host_bytes_per_node == ds.cpu);
      }
      // ZeRO-3 with a largest layer of 32.9M (t5-3b's shared embedding, DeepSpeed's docs): every offload setting
      // the estimator prints, with and without zero.Init.
      const double largest = 32.9e6;
      for (int offload = 0; offload < 3; ++offload)
        for (bool zero_init : {true, false}) {
          KV kv = mixed_adam(text, 3, gpus, per_node);
          kv.emplace_back("largest-layer", "32.9M");
          kv.emplace_back("zero-init", zero_init ? "on" : "off");
          if (offload >= 1) kv.emplace_back("offload-optimizer", "cpu");
          if (offload == 2) kv.emplace_back("offload-params", "cpu");
          const MemoryEstimate e = est(kv);
          const DsMem ds = ds_zero3(P, largest, gpn, nodes, offload >= 1, offload == 2, zero_init);
          check_gpu(e.per_gpu_bytes, ds.gpu);
          CHECK(e.host_bytes_per_node == ds.cpu);
        }
    }
}

TEST_CASE("DeepSpeed's own printed example: t5-3b on one node of 8 GPUs", "[memory][zero][deepspeed]") {
  // docs/code-docs/source/memory.rst (DeepSpeed 38327e07): estimate_zero3_model_states_mem_needs_all_cold(
  // total_params=2851e6, largest_layer_params=32e6, num_gpus_per_node=8) prints, in GiB labelled "GB":
  //   71.69 | 0.12 | offload_param=cpu,  offload_optimizer=cpu,  zero_init=1
  //   63.72 | 0.78 | offload_param=none, offload_optimizer=cpu,  zero_init=1
  //    1.43 | 6.09 | offload_param=none, offload_optimizer=none, zero_init=1
  // and the ZeRO-2 estimator 127.45 | 5.31 with offload_optimizer=cpu. (Its ZeRO-2 line without offload, 15.93,
  // predates the current formula, 2P + 18P/N = 11.28.)
  const double GiB = 1024.0 * 1024 * 1024;
  auto gib = [&](double b) { return std::round(b / GiB * 100) / 100; };
  auto z3 = [&](const char* opt, const char* params) {
    KV kv = mixed_adam("2851M", 3, 8, 8);
    kv.emplace_back("largest-layer", "32M");
    kv.emplace_back("offload-optimizer", opt);
    kv.emplace_back("offload-params", params);
    return est(kv);
  };
  CHECK(gib(z3("cpu", "cpu").host_bytes_per_node) == 71.69);
  CHECK(gib(z3("cpu", "cpu").per_gpu_bytes) == 0.12);
  CHECK(gib(z3("cpu", "none").host_bytes_per_node) == 63.72);
  CHECK(gib(z3("cpu", "none").per_gpu_bytes) == 0.78);
  CHECK(gib(z3("none", "none").host_bytes_per_node) == 1.43);
  CHECK(gib(z3("none", "none").per_gpu_bytes) == 6.09);
  KV z2 = mixed_adam("2851M", 2, 8, 8);
  z2.emplace_back("offload-optimizer", "cpu");
  CHECK(gib(est(z2).host_bytes_per_node) == 127.45);
  CHECK(gib(est(z2).per_gpu_bytes) == 5.31);
  CHECK(gib(est(mixed_adam("2851M", 2, 8, 8)).per_gpu_bytes) == 11.28);
}

TEST_CASE("DeepSpeed's accounting: the rows behind 2P + 18P/N and 4L + 18P/N", "[memory][zero][deepspeed]") {
  const double P = 8e9, N = 8;
  const MemoryEstimate z2 = est(mixed_adam("8B", 2, 8, 8));
  CHECK(component(z2, "weights").per_gpu_bytes == 2 * P);
  CHECK(component(z2, "gradients").per_gpu_bytes == 2 * P / N);
  CHECK(component(z2, "gradients_fp32").per_gpu_bytes == 4 * P / N);
  CHECK(component(z2, "optimizer").per_gpu_bytes == 8 * P / N);
  CHECK(component(z2, "master").per_gpu_bytes == 4 * P / N);
  // ZeRO-3 reduce-scatters into the fp32 partition; one layer's 16-bit parameters and gradients are gathered. The
  // largest layer of Llama-2-7B is its embedding (and head): vocab 32000 × hidden 4096 (config.json).
  KV kv = {{"model", "llama-2-7b"}, {"mode", "train"}, {"weights", "fp16"}, {"optimizer", "adam"},
           {"zero", "3"},           {"gpus", "8"},     {"cuda-context", "0"}};
  const MemoryEstimate z3 = est(kv);
  CHECK_FALSE(find(z3, "gradients"));
  CHECK(component(z3, "gather_buffer").per_gpu_bytes == 4.0 * 32000 * 4096);
  check_gpu(z3.per_gpu_bytes, ds_zero3(6738415616.0, 32000.0 * 4096, 8, 1, false, false, true).gpu);
  // The paper's accounting has neither: 16Ψ/N at stage 3.
  kv.emplace_back("zero-accounting", "paper");
  CHECK(est(kv).per_gpu_bytes == 16 * 6738415616.0 / 8);
  // Without an architecture DeepSpeed's ZeRO-3 needs the largest layer.
  CHECK_THROWS_WITH(est(mixed_adam("8B", 3, 8, 8)), Catch::Contains("--largest-layer"));
}

TEST_CASE("FSDP's strategies are the ZeRO stages; hybrid shards within a node", "[memory][zero][fsdp]") {
  auto per_gpu = [](const KV& extra) {
    KV kv = {{"params", "7B"}, {"mode", "train"}, {"gpus", "16"}, {"gpus-per-node", "8"},
             {"zero-accounting", "paper"}, {"cuda-context", "0"}};
    kv.insert(kv.end(), extra.begin(), extra.end());
    return est(kv).per_gpu_bytes;
  };
  CHECK(per_gpu({{"fsdp", "full_shard"}}) == per_gpu({{"zero", "3"}}));
  CHECK(per_gpu({{"fsdp", "shard_grad_op"}}) == per_gpu({{"zero", "2"}}));
  CHECK(per_gpu({{"fsdp", "no_shard"}}) == per_gpu({{"zero", "0"}}));
  // Hybrid: ZeRO-3 over the 8 GPUs of a node, replicated over the 2 nodes: 16 bytes × 7B / 8.
  CHECK(per_gpu({{"fsdp", "hybrid_shard"}}) == 16 * 7e9 / 8);
  CHECK_THROWS_WITH(est({{"params", "7B"}, {"mode", "train"}, {"fsdp", "full_shard"}, {"zero", "3"}}),
                    Catch::Contains("--fsdp full_shard contradicts --zero 3"));
}

TEST_CASE("offload moves rows off the GPU and sizes host and NVMe memory", "[memory][zero][offload]") {
  KV kv = {{"params", "7B"}, {"mode", "train"}, {"zero", "3"}, {"gpus", "8"}, {"zero-accounting", "paper"},
           {"offload-optimizer", "nvme"}, {"offload-params", "cpu"}, {"cuda-context", "0"}};
  const MemoryEstimate e = est(kv);
  CHECK(component(e, "optimizer").device == Device::kNvme);
  CHECK(component(e, "optimizer").per_gpu_bytes == 0);
  CHECK(component(e, "optimizer").offloaded_bytes == 8 * 7e9 / 8);
  CHECK(component(e, "weights").device == Device::kCpu);
  // Paper accounting: what each GPU offloads, times the 8 GPUs of the node.
  CHECK(e.host_bytes_per_node == 2 * 7e9);
  // The optimizer states (8 bytes) and the master copy (4) on NVMe; ZeRO-3's bf16 gradients stay on the GPU.
  CHECK(e.nvme_bytes_per_node == (8 + 4) * 7e9);
  CHECK(e.per_gpu_bytes == 2 * 7e9 / 8);
}

TEST_CASE("Korthikanti's activations on a pipeline stage equal Megatron-LM's theoretical memory",
          "[memory][pipeline][megatron]") {
  // GPT-3 175B (Korthikanti et al. Table 3): 96 layers, h 12288, 96 heads, a plain 4h MLP, s 2048, micro-batch 1,
  // on TP 8 × PP 8; the micro-batches per step below, at and above the pipeline depth.
  const double s = 2048, b = 1, h = 12288, ffn = 4 * h, L = 96, pp = 8, tp = 8;
  for (double M : {4.0, 8.0, 16.0}) {
    INFO("micro-batches " << M);
    KV kv = {{"layers", "96"}, {"hidden", "12288"}, {"heads", "96"}, {"intermediate", "49152"}, {"vocab", "51200"},
             {"mlp", "plain"}, {"mode", "train"}, {"seq", "2048"}, {"batch", "1"}, {"tp", "8"}, {"pp", "8"},
             {"recompute", "selective"}, {"micro-batches", std::to_string(static_cast<int>(M))}};
    KV sp = kv;
    sp.emplace_back("sp", "true");
    const MemoryEstimate with_sp = est(sp);
    REQUIRE(with_sp.stage == 0);
    CHECK(component(with_sp, "activations").per_gpu_bytes +
              component(with_sp, "embedding_activations").per_gpu_bytes ==
          Approx(megatron_sp(s, b, h, ffn, L, pp, tp, M)).epsilon(1e-12));
    const MemoryEstimate without = est(kv);
    REQUIRE(without.stage == 0);
    CHECK(component(without, "activations").per_gpu_bytes + component(without, "embedding_activations").per_gpu_bytes ==
          Approx(megatron_no_sp(s, b, h, L, pp, tp, M)).epsilon(1e-12));
  }
}

TEST_CASE("pipeline stages: layers split, the embedding first, the head last, 1F1B in flight", "[memory][pipeline]") {
  // Llama-2-7B on PP 4: 8 layers a stage; stage 0 holds the embedding and 4 micro-batches in flight.
  const MemoryEstimate e = est({{"model", "llama-2-7b"}, {"mode", "train"}, {"pp", "4"}, {"seq", "4096"},
                                {"recompute", "full"}, {"cuda-context", "0"}});
  CHECK(e.gpus == 4);
  CHECK(e.stage == 0);
  // Full recompute keeps 2sbh per layer: 8 layers × 4 micro-batches.
  CHECK(component(e, "activations").per_gpu_bytes == 8.0 * 4 * 2 * 4096 * 4096);
  const double per_layer = (6738415616.0 - 2 * 32000.0 * 4096 - 4096) / 32;
  CHECK(component(e, "weights").per_gpu_bytes == Approx((8 * per_layer + 32000.0 * 4096) * 2).epsilon(1e-12));
  // Too many stages are refused.
  CHECK_THROWS_WITH(est({{"model", "gpt2"}, {"pp", "13"}}), Catch::Contains("exceeds the 12 transformer layers"));
}

TEST_CASE("GPUs needed: a 20000-layer model is searched in bounded time", "[memory][fit]") {
  // 20,000 layers of h = 16384 (4.3B parameters, 8.6 GB a layer in bf16): TP=128 leaves 67 MB a layer, so 16 stages
  // of 1250 layers (84.3 GB with the embedding) fit an H100 (85.52 GB as the driver reports, 1 GB context). The
  // search built every pipeline stage of every depth it tried: minutes; now the earliest stage of each kind, with
  // TP and PP up to 1024.
  const MemoryEstimate e = est({{"layers", "20000"}, {"hidden", "16384"}, {"heads", "128"}, {"intermediate", "65536"},
                                {"vocab", "32000"}, {"gpu", "H100-80GB"}});
  REQUIRE(e.fits.size() == 1);
  CHECK(e.fits[0].gpus_needed == 2048);
  CHECK(e.fits[0].how == "TP=128 × PP=16");
  // The stage kept is the one of most bytes, as when every stage is built: 81 layers over 8 stages are 10, 11, 10,
  // ..., 10; with a small vocabulary stage 1 and its extra layer hold the most.
  const MemoryEstimate p = est({{"layers", "81"}, {"hidden", "1024"}, {"heads", "16"}, {"intermediate", "4096"},
                                {"vocab", "1000"}, {"pp", "8"}, {"gpus", "8"}, {"tied", ""}});
  CHECK(p.stage == 1);
  // In training 1F1B keeps 8 micro-batches in flight on stage 0, 7 on stage 1, 6 on stage 2 ...: of the stages of
  // 10 layers, stage 2 holds more than 3 to 6, so 3 to 6 need not be built; stage 1 (11 layers × 7 in flight and
  // the extra layer's weights and states) is still the most loaded.
  CHECK(est({{"layers", "81"}, {"hidden", "1024"}, {"heads", "16"}, {"intermediate", "4096"}, {"vocab", "1000"},
             {"pp", "8"}, {"gpus", "8"}, {"mode", "train"}, {"seq", "512"}}).stage == 1);
}

TEST_CASE("GPUs needed searches TP × PP and says how", "[memory][fit]") {
  // LLaMA-65B (80 layers, h 8192, 64 heads, I 22016, vocab 32000) in fp16 + 20% on V100-32GB (32510 MiB =
  // 34.09 GB): 16 layers and the embedding on each of 5 stages are 13.21B params × 2 B × 1.2 = 31.7 GB, plus the
  // 1 GB context: it fits; 4 GPUs (20 layers a stage: 39.5 GB) do not, and TP=5 does not divide 64 heads.
  const MemoryEstimate e = est({{"layers", "80"}, {"hidden", "8192"}, {"heads", "64"}, {"intermediate", "22016"},
                                {"vocab", "32000"}, {"weights", "fp16"}, {"overhead", "20%"}, {"gpu", "V100-32GB"}});
  REQUIRE(e.fits.size() == 1);
  CHECK(e.fits[0].gpus_needed == 5);
  CHECK(e.fits[0].how == "PP=5");
  // One card: "1 GPU".
  CHECK(est({{"params", "7B"}, {"gpu", "H100"}}).fits[0].how == "1 GPU");
  // Training falls back to ZeRO-3 data parallelism: 16 bytes × 7.5B = 120 GB on 42.5 GB cards.
  const MemoryEstimate t = est({{"params", "7.5B"}, {"mode", "train"}, {"gpu", "A100-40GB"},
                                {"zero-accounting", "paper"}});
  CHECK(t.fits[0].gpus_needed == 3);
  CHECK(t.fits[0].how == "ZeRO-3 DP=3");
}

TEST_CASE("inference peak: logits, one layer's intermediates, FlashAttention, the CUDA context", "[memory][peak]") {
  // Llama-3-8B at 8k: the fp32 logits of every position are 8192 × 128256 × 4 B = 4.2 GB, more than the KV cache.
  const MemoryEstimate all = est({{"model", "llama-3-8b"}, {"seq", "8192"}, {"logits", "all"}});
  CHECK(component(all, "logits_fp32").bytes == 8192.0 * 128256 * 4);
  CHECK(component(all, "logits").bytes == 8192.0 * 128256 * 2);
  CHECK(component(all, "logits_fp32").bytes > all.kv_cache);
  // Serving engines compute the last position only (the default).
  const MemoryEstimate last = est({{"model", "llama-3-8b"}, {"seq", "8192"}});
  CHECK(component(last, "logits").bytes == 128256.0 * 2);
  // One layer's live tensors in prefill: b·s·(h + 3·I) with a gated MLP (4096 + 3 · 14336), 2 bytes.
  CHECK(last.activations == 8192.0 * (4096 + 3 * 14336) * 2);
  // Without FlashAttention the scores and their softmax, 2 · heads · s per position, win: b·s·(h + (2a+2kv)·d + 2as).
  const MemoryEstimate eager = est({{"model", "llama-3-8b"}, {"seq", "8192"}, {"flash-attention", "off"}});
  CHECK(eager.activations == 8192.0 * (4096 + (64 + 16) * 128 + 2 * 32 * 8192) * 2);
  // A decode step, its own row beside the total: one new position, b·(h + 3·I); without FlashAttention its scores
  // span the 8192 cached positions, b·(h + (2a+2kv)·d + 2·a·ctx). Neither is in the total (the prefill is larger).
  CHECK(component(last, "activations_decode").bytes == (4096.0 + 3 * 14336) * 2);
  CHECK(!component(last, "activations_decode").in_total);
  CHECK(last.decode_activation_bytes == (4096.0 + 3 * 14336) * 2);
  CHECK(component(eager, "activations_decode").bytes == (4096.0 + (64 + 16) * 128 + 2 * 32 * 8192) * 2);
  CHECK(last.total_bytes == last.weights + last.kv_cache + last.activations + last.logits);
  // Over TP=2 each GPU holds half the heads and half the MLP: b·(h + 3·I/2).
  const MemoryEstimate tp2 = est({{"model", "llama-3-8b"}, {"seq", "8192"}, {"tp", "2"}});
  CHECK(component(tp2, "activations_decode").per_gpu_bytes == (4096.0 + 3 * 14336 / 2) * 2);
  // The CUDA context counts in the fit, not the total: memory(params=7B, weights=fp32) stays 28 GB.
  const MemoryEstimate w = est({{"params", "7B"}, {"weights", "fp32"}, {"gpu", "H100"}});
  CHECK(w.total_bytes == 28e9);
  CHECK(w.cuda_context_bytes == 1e9);
  CHECK(w.fits[0].need_bytes == 29e9);
  CHECK(est({{"params", "7B"}, {"cuda-context", "0"}}).cuda_context_bytes == 0);
  CHECK(est({{"params", "7B"}, {"cuda-context", "512MiB"}}).cuda_context_bytes == 512.0 * 1024 * 1024);
}

TEST_CASE("a decode roofline computed by hand", "[memory][roofline]") {
  // Llama-2-7B in fp16 (its config's torch_dtype), one sequence at 4096 tokens, on one H100 SXM (3350 GB/s, 989.5
  // dense fp16 TFLOPS):
  // a decode step reads the weights (6,738,415,616 × 2 B) and the KV cache (2 × 32 layers × 32 heads × 128 × 4096
  // × 2 B = 2,147,483,648 B): 15,624,314,880 B / 3.35e12 B/s = 4.664 ms, so at most 214.4 tokens/s; its FLOPs,
  // 2 · P + 4 · 32 · 32 · 128 · 4096, take 15.8 µs at peak, far less.
  const MemoryEstimate e = est({{"model", "llama-2-7b"}, {"seq", "4096"}, {"gpu", "H100-80GB"}});
  REQUIRE(e.speeds.size() == 1);
  const double bytes = 6738415616.0 * 2 + 2.0 * 32 * 32 * 128 * 4096 * 2;
  CHECK(bytes == 15624314880.0);
  CHECK(*e.speeds[0].decode_tokens_per_s == Approx(3.35e12 / bytes).epsilon(1e-12));
  CHECK(*e.speeds[0].decode_tokens_per_s == Approx(214.41).epsilon(1e-4));
  // Prefill of the 4096-token prompt: 2 · P · 4096 + 2 · 32 · 32 · 128 · 4096² FLOPs at 989.5 TFLOPS.
  const double flops = 2 * 6738415616.0 * 4096 + 2.0 * 32 * 32 * 128 * 4096.0 * 4096;
  CHECK(*e.speeds[0].prefill_s == Approx(flops / 989.5e12).epsilon(1e-12));
  CHECK(e.speeds[0].compute_format == "fp16");  // the checkpoint's torch_dtype (float16) is the default dtype
  // Qwen2.5-7B over TP=7 (28 heads; 4 KV heads, so each rank holds one): a rank reads a seventh of the weights
  // and one KV head of its 28 layers, 28 × 4096 × 2 × 128 × 2 B, not a seventh of the cache.
  const MemoryEstimate q = est({{"model", "qwen2.5-7b"}, {"seq", "4096"}, {"tp", "7"}, {"gpus", "7"},
                                {"gpu", "H100-80GB"}});
  REQUIRE(q.speeds.size() == 1);
  const double rank_bytes = 7615616512.0 * 2 / 7 + 28.0 * 4096 * 2 * 1 * 128 * 2;
  CHECK(*q.speeds[0].decode_tokens_per_s == Approx(3.35e12 / rank_bytes).epsilon(1e-12));
  // DeepSeek-V3 over TP=8: every rank holds the whole MLA latent, 61 × 8192 × (512 + 64) × 2 B, and reads an
  // eighth of the weights a token uses (37,552,297,472 of 671,026,419,200 parameters).
  const MemoryEstimate d = est({{"model", "deepseek-v3"}, {"seq", "8192"}, {"tp", "8"}, {"gpus", "8"}, {"gpu", "H200"}});
  REQUIRE(d.speeds.size() == 1);
  const double weight_bytes = component(d, "weights").bytes + component(d, "weights_other").bytes;
  const double mla_rank = weight_bytes * (37552297472.0 / 671026419200.0) / 8 + 61.0 * 8192 * 576 * 2;
  CHECK(*d.speeds[0].decode_tokens_per_s == Approx(find_gpu("H200").bandwidth / mla_rank).epsilon(1e-12));
  // A training step: 6 · P · tokens at peak (8 with full recompute).
  const MemoryEstimate t = est({{"params", "7B"}, {"mode", "train"}, {"gpu", "H100"}});
  CHECK(t.speeds.size() == 1);
  CHECK_FALSE(t.speeds[0].train_step_s.has_value());  // no --seq: no tokens to count
  // ZeRO-3 over 8 A100-80GB (312 dense bf16 TFLOPS), 2 sequences of 2048 tokens per GPU: every replica's step
  // together, 6 · P · (2 · 2048 · 8 tokens) / (8 GPUs · 312e12), the GPUs column counting all 8.
  const MemoryEstimate z = est({{"model", "llama-2-7b"}, {"mode", "train"}, {"zero", "3"}, {"gpus", "8"},
                                {"batch", "2"}, {"seq", "2048"}, {"gpu", "A100-80GB"}});
  REQUIRE(z.speeds.size() == 1);
  CHECK(z.speeds[0].gpus == 8);
  CHECK(*z.speeds[0].train_step_s == Approx(6 * 6738415616.0 * (2 * 2048 * 8) / (8 * 312e12)).epsilon(1e-12));
  // V100 has no bf16 tensor cores: the bound uses fp16.
  const MemoryEstimate v = est({{"params", "1B"}, {"gpu", "V100-32GB"}});
  CHECK(v.speeds[0].compute_format == "fp16");
}

TEST_CASE("GPU catalog: capacities as public nvidia-smi logs print them", "[memory][gpu]") {
  // memory.total in MiB, each from a public log (the source is also in memory/gpus.json).
  const std::pair<const char*, std::int64_t> logs[] = {
      {"H100-80GB", 81559},   // github.com/thamada/gls gls/H100SXMx8_smi.py (driver 565.57.01)
      {"H100-NVL", 95830},    // github.com/thamada/gls gls/H100NVLx2_smi.py (550.54.14)
      {"H200", 143771},       // github.com/thamada/gls gls/H200_smi.py
      {"GH200-96GB", 97871},  // github.com/thamada/gls gls/GH200_smi.py
      {"A100-80GB", 81920},   // github.com/thamada/gls gls/A100SXMx4_smi.py (555.42.02)
      {"A100-40GB", 40536},   // github.com/nanopool/phoenix-miner/issues/17 (NVIDIA A100-SXM4, 470.82.01)
      {"A800", 81920},        // github.com/dexmal/dexbotic/issues/41 (NVIDIA A800-SXM4-80GB, 535.86.10)
      {"A10", 23028},         // github.com/thamada/gls gls/A10_smi.py (550.90.12)
      {"A40", 46068},         // github.com/thamada/gls gls/A40x10_smi.py (550.127.05)
      {"L4", 23034},          // github.com/thamada/gls gls/L4_smi.py (550.90.07)
      {"L40S", 46068},        // github.com/thamada/gls gls/L40S_smi.py (550.127.05)
      {"RTX-A6000", 46068},   // github.com/thamada/gls gls/RTX_A6000_x9_smi.py (ECC on, 550.127.05)
      {"RTX-4000-Ada", 20475},   // github.com/thamada/gls gls/RTX4000Ada_smi.py (550.90.07)
      {"RTX-6000-Ada", 49140},   // github.com/thamada/gls gls/RTX6000Ada_x8_smi.py (550.127.05)
      {"RTX-3070", 8192},        // github.com/thamada/gls gls/RTX3070_smi.py
      {"RTX-3080", 10240},       // github.com/thamada/gls gls/RTX3080_smi.py (550.54.14)
      {"RTX-3090", 24576},       // github.com/thamada/gls gls/RTX3090_smi.py (560.35.03)
      {"RTX-4060Ti-16GB", 16380},  // github.com/thamada/gls gls/RTX4060Ti_smi.py (550.54.14)
      {"RTX-4090", 24564},       // github.com/vllm-project/vllm/issues/7553 (535.54.03)
      {"RTX-5090", 32607},       // github.com/noonghunna/club-3090/issues/617 (595.71.05)
      {"P100-16GB", 16384},      // github.com/wookayin/gpustat/issues/130 (Tesla P100-PCIE-16GB, 515.65.01)
      {"V100-16GB", 16160},      // github.com/4paradigm/k8s-vgpu-scheduler/issues/7 (V100-SXM2, 440.64.00)
      {"V100-32GB", 32510},      // github.com/rapidsai/dask-cuda/issues/859 (V100-SXM3 32GB, 460.32.03)
      {"T4", 15360},             // github.com/robbyant-research/MagicQuill/issues/57 (535.183.01)
      {"RTX-2080Ti", 10989},     // github.com/karfly/learnable-triangulation-pytorch/issues/80 (418.87.00)
      {"A30", 24576},            // github.com/NVIDIA/dcgm-exporter/issues/114 (510.85.02)
      {"B200", 183359},          // github.com/NVIDIA/TensorRT-LLM/issues/10278 (580.95.05)
      {"Quadro-RTX-6000", 24576},  // github.com/akash-network/provider-configs/issues/81 (570.211.01)
      {"RTX-A5000", 24564},      // github.com/akash-network/provider-configs/issues/82 (570.211.01), not 24 × 1024
      // Public captures found by their exact text (memory/gpus.json gives the string to search for):
      {"L40", 46068},            // "NVIDIA L40, 46068 MiB, 610.57.04"
      {"H100-PCIe", 81559},      // "NVIDIA H100 PCIe, 580.82.07, 9.0, 81559"
      {"H800", 81559},           // "NVIDIA H800, 81559 MiB, 570.158.01"
      {"H20", 97871},            // "0, NVIDIA H20, 97871 MiB" (eight cards)
      {"Quadro-RTX-8000", 49152},  // a CSV capture with driver 535.104.05
      {"RTX-A4000", 16376},      // "NVIDIA RTX A4000, 16376 MiB, 546.33", not 16 × 1024
      {"RTX-2080Ti-22GB", 22528},  // "4 x RTX 2080 Ti, 22528 MiB each", driver 580.173.02
      {"RTX-3060Ti", 8192},      // "NVIDIA GeForce RTX 3060 Ti, 8192 MiB, driver 610.62"
      {"RTX-4080", 16376},       // "NVIDIA GeForce RTX 4080, 16376 MiB, driver 596.49"
      {"RTX-4070Ti", 12282},     // "NVIDIA GeForce RTX 4070 Ti, 12,282 MiB, driver 616.92"
      {"RTX-5080", 16303},       // "NVIDIA GeForce RTX 5080, 16,303 MiB VRAM; driver 616.64", not 16 × 1024
  };
  for (const auto& [name, mib] : logs) {
    INFO(name);
    CHECK(find_gpu(name).capacity_bytes == mib * 1024 * 1024);
  }
  // AMD: rocm-smi --showmeminfo vram prints bytes ("VRAM Total Memory (B): 205822885888").
  CHECK(find_gpu("MI300X").capacity_bytes == 205'822'885'888);
  // The corrections (R4xx-driver logs): V100-32GB 32510, V100-16GB 16160, A100-40GB 40536 MiB, so a
  // 21.35B-parameter fp16 model (42.7 GB) no longer "fits" an A100-40GB.
  CHECK(find_gpu("V100-32GB").capacity_bytes == 32510LL * 1024 * 1024);
  CHECK(find_gpu("V100-16GB").capacity_bytes == 16160LL * 1024 * 1024);
  CHECK_FALSE(est({{"params", "21.35B"}, {"weights", "fp16"}, {"cuda-context", "0"}, {"gpu", "A100-40GB"}})
                  .fits[0]
                  .fits);
}

TEST_CASE("GPU catalog: at least 40 cards, every card the notes name, complete and sourced", "[memory][gpu]") {
  REQUIRE(gpus().size() >= 40);
  // Every card the seed notes compare (seeds 003: A800, H800, 2080 Ti 22G, 4090/4080/4070 Ti/3070/3060 Ti, RTX
  // A6000/A5000/A4000, Quadro RTX 8000/6000, H100, A100, V100, T4, P100) and the (A10, A30, A40, L4, L40S,
  // H20).
  for (const char* name : {"A800", "H800", "RTX-2080Ti-22GB", "RTX-2080Ti", "RTX-4090", "RTX-4080", "RTX-4070Ti",
                           "RTX-3070", "RTX-3060Ti", "RTX-A6000", "RTX-A5000", "RTX-A4000", "Quadro-RTX-8000",
                           "Quadro-RTX-6000", "H100-80GB", "A100-40GB", "A100-80GB", "V100-32GB", "V100-16GB", "T4",
                           "P100-16GB", "A10", "A30", "A40", "L4", "L40S", "H20", "H200", "B200", "MI300X"})
    CHECK_NOTHROW(find_gpu(name));
  std::set<std::string> names;
  std::size_t cited = 0;
  for (const Gpu& g : gpus()) {
    INFO(g.name);
    CHECK(names.insert(g.name).second);
    CHECK(g.capacity_bytes > 0);
    CHECK(g.bandwidth > 0);
    // Every capacity names its public log, or says plainly that it is unverified and what it assumes.
    CHECK_FALSE(g.capacity_source.empty());
    if (g.capacity_source.rfind("unverified", 0) != 0) {
      ++cited;
      // A repository, or the exact text of a public capture to search for.
      CHECK((g.capacity_source.find("github.com/") != std::string::npos ||
             g.capacity_source.find("search \"") != std::string::npos));
    }
    CHECK_FALSE(g.spec_source.empty());
    // Every format the generation runs natively has a peak, and nothing else does.
    for (const std::string& f : g.native) CHECK(g.peak(f).has_value());
    CHECK(g.peaks.size() == g.native.size());
    // BF16 from Ampere, FP8 from Ada and Hopper, FP4 from Blackwell.
    const bool ampere_or_later = g.generation != "Pascal" && g.generation != "Volta" && g.generation != "Turing";
    CHECK(g.supports("bf16") == ampere_or_later);
    CHECK(g.supports("fp8") == (g.generation == "Ada" || g.generation == "Hopper" || g.generation == "Blackwell" ||
                                g.generation == "CDNA3"));
    CHECK(g.supports("fp4") == (g.generation == "Blackwell"));
  }
  CHECK(cited == gpus().size());  // no capacity is left unverified
  // Aliases and spellings.
  CHECK(find_gpu("h100").name == "H100-80GB");
  CHECK(find_gpu("Tesla T4").name == "T4");
  CHECK(find_gpu("rtx 4090").name == "RTX-4090");
}

TEST_CASE("a card given by size or name:size", "[memory][gpu]") {
  CHECK(parse_gpu("24GiB").capacity_bytes == 24LL << 30);
  CHECK(parse_gpu("22528MiB").capacity_bytes == 22528LL << 20);
  CHECK(parse_gpu("80GB").capacity_bytes == 80'000'000'000LL);
  const Gpu h = parse_gpu("H100:94GiB");
  CHECK(h.capacity_bytes == 94LL << 30);
  CHECK(h.bandwidth == find_gpu("H100").bandwidth);  // a catalog name keeps its speeds
  CHECK(parse_gpu("mycard:12GB").name == "mycard:12GB");
  CHECK_THROWS_WITH(parse_gpu("24"), Catch::Contains("has no unit"));
  CHECK_THROWS_WITH(parse_gpu("-3GiB"), Catch::Contains("negative"));
  CHECK_THROWS_WITH(parse_gpu("h999"), Catch::Contains("unknown GPU"));
  CHECK_THROWS_WITH(parse_gpu("9999999999TiB"), Catch::Contains("too large"));
  CHECK_THROWS_WITH(parse_gpu("12XB"), Catch::Contains("unknown unit"));
}

TEST_CASE("grids: rows models, columns dtypes, each cell one estimate", "[memory][grid]") {
  // Seed 000's table in one call: 7B/13B/70B in fp32/fp16/int8/int4 = 4/2/1/0.5 bytes a parameter.
  MemoryRequest base;
  const Grid g = memory_grid(base, "params", {"7B", "13B", "70B"}, {"fp32", "fp16", "int8", "int4"});
  const double bytes[] = {4, 2, 1, 0.5};
  const double params[] = {7e9, 13e9, 70e9};
  for (std::size_t i = 0; i < 3; ++i)
    for (std::size_t j = 0; j < 4; ++j) CHECK(g.total_bytes[i][j] == params[i] * bytes[j]);
  const Grid m = memory_grid(base, "model", {"llama-2-7b", "mistral-7b"}, {"bf16"});
  CHECK(m.params[1] == 7'241'732'096);
  CHECK(m.total_bytes[0][0] == est({{"model", "llama-2-7b"}}).total_bytes);
  CHECK(split_list("fp32,fp16, int8", "weights").size() == 3);
  CHECK_THROWS_WITH(split_list("fp32,,int8", "weights"), Catch::Contains("empty item"));
  // At most 4096 cells: lists from the command line could otherwise ask for hours of estimates.
  CHECK(memory_grid(base, "params", std::vector<std::string>(64, "7B"), std::vector<std::string>(64, "fp16"))
            .total_bytes[63][63] == 14e9);
  CHECK_THROWS_WITH(memory_grid(base, "params", std::vector<std::string>(65, "7B"), std::vector<std::string>(64, "fp16")),
                    Catch::Contains("65 models × 64 dtypes is more than 4096 cells"));
  CHECK_THROWS_WITH(memory_grid(base, "params", {"7B"}, std::vector<std::string>(5000, "fp16")),
                    Catch::Contains("more than 4096 cells"));
}

TEST_CASE("defaults users expect", "[memory][defaults]") {
  // --seq 128k is 131072 tokens; the batch defaults to one sequence.
  CHECK(est({{"model", "llama-3-8b"}, {"seq", "128k"}}).kv_cache == 131072.0 * 131072);
  CHECK(est({{"model", "llama-3-8b"}, {"seq", "32K"}}).kv_cache == 131072.0 * 32768);
  // LoRA and QLoRA default to full recomputation (gradient checkpointing): 2sbh per layer.
  const MemoryEstimate q = est({{"model", "llama-3-8b"}, {"mode", "qlora"}, {"seq", "2048"}});
  CHECK(q.activations == 32.0 * 2 * 2048 * 4096);
  // ZeRO is refused in inference, with the reason.
  CHECK_THROWS_WITH(est({{"params", "7B"}, {"zero", "3"}}), Catch::Contains("--zero 3 contradicts --mode inference"));
  CHECK_THROWS_WITH(est({{"params", "7B"}, {"offload-optimizer", "cpu"}}), Catch::Contains("contradicts"));
  CHECK_THROWS_WITH(est({{"params", "7B"}, {"seq", "abc"}}), Catch::Contains("--seq"));
  CHECK_THROWS_WITH(est({{"model", "gpt2"}, {"seq", "2000000K"}}), Catch::Contains("absurd"));
}

TEST_CASE("degrees multiply to the GPU count; bad degrees are refused", "[memory][layout][errors]") {
  const MemoryEstimate e = est({{"model", "llama-2-7b"}, {"tp", "2"}, {"pp", "2"}, {"dp", "2"}});
  CHECK(e.gpus == 8);
  CHECK(est({{"model", "llama-2-7b"}, {"tp", "2"}, {"pp", "2"}, {"gpus", "8"}}).dp == 2);
  const std::pair<KV, const char*> cases[] = {
      {{{"model", "llama-2-7b"}, {"tp", "2"}, {"pp", "2"}, {"dp", "3"}, {"gpus", "8"}},
       "multiply to the GPU count"},
      {{{"model", "llama-2-7b"}, {"tp", "2"}, {"pp", "2"}, {"gpus", "6"}}, "not a multiple"},
      {{{"model", "llama-2-7b"}, {"tp", "4"}, {"gpus", "2"}}, "contradicts --gpus 2"},
      {{{"model", "llama-2-7b"}, {"tp", "3"}}, "divide the attention head count"},
      {{{"model", "llama-2-7b"}, {"pp", "33"}}, "exceeds the 32 transformer layers"},
      {{{"model", "llama-2-7b"}, {"tp", "2000000"}}, "absurd"},
      {{{"model", "llama-2-7b"}, {"tp", "-2"}}, "positive integer"},
      {{{"model", "llama-2-7b"}, {"gpus", "12"}, {"gpus-per-node", "8"}}, "not a multiple of --gpus-per-node"},
      {{{"model", "llama-2-7b"}, {"ep", "2"}}, "mixture-of-experts"},
      {{{"model", "mixtral-8x7b"}, {"ep", "4"}, {"dp", "1"}}, "must divide tp × dp"},
      {{{"model", "llama-2-7b"}, {"mode", "train"}, {"zero", "3"}, {"offload-params", "cpu"}, {"gpus", "2"},
        {"offload-optimizer", "cpu"}, {"zero", "2"}},
       "--offload-params needs --zero 3"},
  };
  for (const auto& [kv, message] : cases) {
    INFO(message);
    CHECK_THROWS_WITH(est(kv), Catch::Contains(message));
  }
}
