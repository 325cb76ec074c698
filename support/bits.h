// numscope::bit_cast: std::bit_cast where the standard library lacks it (libc++ 14, emscripten 3.1.6's).
#pragma once

#include <type_traits>  // std::is_trivially_copyable_v

namespace numscope {

/// The object representation of `from` read as a To (C++20 std::bit_cast), through the compiler builtin that
/// GCC 11+ and Clang 9+ provide, so it is constexpr on every compiler numscope supports.
/// Example: bit_cast<std::uint32_t>(1.0f) == 0x3f800000.
template <class To, class From>
[[gnu::always_inline]] constexpr To bit_cast(const From& from) noexcept {
  static_assert(sizeof(To) == sizeof(From) && std::is_trivially_copyable_v<To> && std::is_trivially_copyable_v<From>);
  return __builtin_bit_cast(To, from);
}

}  // namespace numscope
