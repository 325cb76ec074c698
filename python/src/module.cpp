// The extension module numscope._numscope: bad input raises ValueError with the CLI's one-line message; the
// Python package (python/numscope/) wraps these functions with numpy handling, result objects and plots.
// The module installs no signal handlers: the library never does (only the CLI's main would).
#include <nanobind/nanobind.h>  // NB_MODULE, nb::register_exception_translator

#include "numscope/python/src/bind.h"
#include "numscope/support/error.h"

namespace numscope::python {
namespace {

void translate(const std::exception_ptr& p, void*) {
  try {
    std::rethrow_exception(p);
  } catch (const InputError& e) {  // the line the CLI prints on stderr before exiting with code 2
    PyErr_SetString(PyExc_ValueError, e.what());
  }
}

}  // namespace
}  // namespace numscope::python

NB_MODULE(_numscope, m) {
  using namespace numscope::python;
  m.doc() = "numscope's C++ library (the engine, the fast kernels and the commands), bound with nanobind";
  nb::register_exception_translator(translate);
  bind_arrays(m);
  bind_results(m);
  bind_analyses(m);
}
