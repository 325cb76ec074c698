// CPU features through cpuid / __builtin_cpu_supports on x86-64 and the NUMSCOPE_ISA cap; every other target
// (WebAssembly, ARM) runs the portable builds only.
#include "numscope/support/cpu.h"

#include <cstdlib>  // std::getenv

#if defined(__x86_64__) || defined(__i386__)
#  include <cpuid.h>  // __get_cpuid, __get_cpuid_count
#  define NUMSCOPE_X86 1
#else
#  define NUMSCOPE_X86 0
#endif

namespace numscope {
namespace {

#if NUMSCOPE_X86
bool detect(Isa isa) {
  switch (isa) {
    case Isa::kPortable: return true;
    case Isa::kAvx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("fma");
    case Isa::kAvx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
             __builtin_cpu_supports("bmi2");
  }
  return false;
}
/// F16C is CPUID.1:ECX bit 29 and AVX512_BF16 CPUID.(7,1):EAX bit 5, read with cpuid: clang 14's
/// __builtin_cpu_supports does not know these names. Both need the OS to save AVX state, which "avx" and
/// "avx512f" confirm (Intel SDM vol. 1 §14.3).
bool detect_f16c() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  return __get_cpuid(1, &a, &b, &c, &d) && ((c >> 29) & 1) && __builtin_cpu_supports("avx");
}
bool detect_avx512bf16() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  return __get_cpuid_count(7, 1, &a, &b, &c, &d) && ((a >> 5) & 1) && __builtin_cpu_supports("avx512f");
}
#else
bool detect(Isa isa) { return isa == Isa::kPortable; }
bool detect_f16c() { return false; }
bool detect_avx512bf16() { return false; }
#endif

}  // namespace

std::string_view isa_name(Isa isa) {
  switch (isa) {
    case Isa::kPortable: return "portable";
    case Isa::kAvx2: return "avx2";
    case Isa::kAvx512: return "avx512";
  }
  return "?";
}

bool isa_supported(Isa isa) {
  static const bool supported[] = {detect(Isa::kPortable), detect(Isa::kAvx2), detect(Isa::kAvx512)};
  return supported[static_cast<int>(isa)];
}

std::optional<Isa> isa_cap() {
  const char* e = std::getenv("NUMSCOPE_ISA");
  if (!e) return std::nullopt;
  for (Isa isa : {Isa::kPortable, Isa::kAvx2, Isa::kAvx512})
    if (isa_name(isa) == e) return isa;
  return std::nullopt;
}

bool isa_cap_valid() { return !std::getenv("NUMSCOPE_ISA") || isa_cap().has_value(); }

Isa best_isa() {
  static const Isa best = [] {
    const Isa b = isa_supported(Isa::kAvx512) ? Isa::kAvx512
                  : isa_supported(Isa::kAvx2) ? Isa::kAvx2
                                              : Isa::kPortable;
    const std::optional<Isa> cap = isa_cap();
    return cap && *cap < b ? *cap : b;
  }();
  return best;
}

bool cpu_has_f16c() {
  static const bool has = detect_f16c();
  return has;
}
bool cpu_has_avx512bf16() {
  static const bool has = detect_avx512bf16();
  return has;
}

}  // namespace numscope
