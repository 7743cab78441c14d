// The C++ backend: turns an IR module (compiler/ir) into one readable C++ translation unit
// written against the module ABI (runtime/include/sfn/abi.h, abi_cpp.h) and the generated-code
// helpers of stdlib/sfn_std.h. The output has one struct per message, one class per function
// type (its handlers as static member functions, its states as named indices), one C++
// function per `fn` and ingress route, the module descriptor and the exported `sfn_module_v1`.
// Pure text generation: compiling the text is the driver's job (compiler/driver/module_cache).
#pragma once

#include <string>

#include "common/result.h"
#include "compiler/ir/ir.h"

namespace sfn::codegen::cpp {

struct Options {
  // Comments `// file.sfn:LINE` before the statements of each source line (always on) and,
  // when set, `#line` directives so compiler errors and debuggers point at the .sfn file.
  bool line_directives = false;
};

// The complete C++ source of `module`. An error ("internal compiler error: ... at
// file.sfn:LINE") when the IR holds a construct the generator does not know: a compiler bug,
// reported instead of writing code that would mean something else.
[[nodiscard]] Result<std::string> generate(const ir::Module& module, const Options& options);

}  // namespace sfn::codegen::cpp
