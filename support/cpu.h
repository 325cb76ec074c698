// Which instruction set the fast paths run: the CPU's features (cpuid) capped by NUMSCOPE_ISA. The one place
// that answers "which instruction set" for every kernel (conversions, the sweep, quantize's vector loops).
#pragma once

#include <cstdint>      // std::uint8_t
#include <optional>     // std::optional
#include <string_view>  // std::string_view

namespace numscope {

/// The instruction sets kernels are compiled for, narrowest first (the order is the cap's order).
///   kPortable: whatever the compiler's baseline is (SSE2 on x86-64, scalar or wasm SIMD elsewhere)
///   kAvx2:     AVX2 + BMI2 + FMA (x86-64-v3)
///   kAvx512:   AVX-512 F/BW/VL/DQ + BMI2 (x86-64-v4)
enum class Isa : std::uint8_t { kPortable, kAvx2, kAvx512 };

/// "portable", "avx2", "avx512".
std::string_view isa_name(Isa isa);
/// Whether this CPU can run code compiled for `isa` (always true for kPortable; false off x86-64 otherwise).
bool isa_supported(Isa isa);
/// The widest instruction set this CPU runs, capped by NUMSCOPE_ISA; read once for the process.
/// Example: if (best_isa() >= Isa::kAvx2) use the AVX2 build of a loop.
Isa best_isa();
/// NUMSCOPE_ISA=portable|avx2|avx512 caps best_isa() for every fast path: the results are the same bits, so
/// tests run the narrower builds this way on a machine that has the wider ones. Unset or invalid: nothing.
std::optional<Isa> isa_cap();
/// False when NUMSCOPE_ISA is set to anything but the three names (the CLI refuses to run then).
bool isa_cap_valid();

/// Single CPU features the conversion baselines need beyond an Isa (each read once).
bool cpu_has_f16c();        // VCVTPS2PH / VCVTPH2PS (and the OS saves AVX state)
bool cpu_has_avx512bf16();  // VCVTNEPS2BF16 (and AVX-512 F)

}  // namespace numscope
