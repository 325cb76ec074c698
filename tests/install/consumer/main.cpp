// A program outside the numscope tree, built against the installed headers and libraries (find_package or
// pkg-config): one call into each layer it names, printed so that install_test.sh can compare the lines.
#include <iostream>  // std::cout

#include <numscope/api/store.h>          // api::store
#include <numscope/formats/engine.h>     // encode, decode
#include <numscope/formats/number.h>     // parse_number, exact_decimal
#include <numscope/formats/properties.h> // properties
#include <numscope/formats/registry.h>   // find_format
#include <numscope/support/render.h>     // render

int main() {
  using namespace numscope;
  // bfloat16 keeps 8 significant bits: 123456.789 is stored as 123392 (0x47f1).
  const Format bf16 = find_format("bfloat16");
  const Encoded e = encode(bf16, parse_number("123456.789"));
  std::cout << exact_decimal(decode(bf16, e.code).number()) << "\n";
  // OFP8 E4M3's largest finite value, 0b0'1111'110 = 1.75 · 2^8 (OCP 8-bit floating point spec, table 1).
  std::cout << exact_decimal(properties(find_format("float8_e4m3fn")).max) << "\n";
  // The api layer and the renderer: what `numscope store 0.1 --formats fp16 -o csv` prints.
  api::StoreRequest request;
  request.values = {"0.1"};
  request.formats = {"fp16"};
  RenderOptions csv;
  csv.format = OutputFormat::kCsv;
  render(api::store(request), csv, std::cout);
  return 0;
}
