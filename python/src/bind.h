// Pieces the binding's source files share: the nanobind namespace and one function per part of the module.
#pragma once

#include <nanobind/nanobind.h>  // nb::module_

namespace numscope::python {

namespace nb = nanobind;

/// encode / decode / round's C++ half: format_info and convert (python/src/arrays.cpp).
void bind_arrays(nb::module_& m);
/// The Result class and one function per api command (python/src/results.cpp).
void bind_results(nb::module_& m);
/// memory, quantize (numpy arrays analysed in place) and check (python/src/analyses.cpp).
void bind_analyses(nb::module_& m);

}  // namespace numscope::python
