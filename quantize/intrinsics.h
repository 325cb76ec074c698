// <immintrin.h> for the quantize kernels written with intrinsics, with GCC 12's false warnings on them turned off.
#pragma once

// GCC 12's max/min/extract intrinsics pass _mm512_undefined_*() as their unused merge source, which -Wuninitialized
// and -Wmaybe-uninitialized report once inlined (GCC bug 105593); nothing of ours is uninitialized. The pragmas hold
// for the rest of the including file, which is why this is a header of its own, included by the kernel files only.
#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
