// The standard library's SFN declarations (stdlib/std/*.sfn), embedded in the compiler at build
// time, so `import std.strings;` works wherever the `sfn` binary is installed.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sfn::stdlib {

// The source text of a std module ("std.strings"), or nullopt if there is no such module.
std::optional<std::string> std_module_source(std::string_view module_name);

// The names of all std modules ("std.math", "std.strings", "std.time"), sorted.
std::vector<std::string> std_module_names();

}  // namespace sfn::stdlib
