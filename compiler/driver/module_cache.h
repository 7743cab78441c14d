// Compiles an SFN program to a loadable module (a shared object exporting `sfn_module_v1`)
// through the C++ backend: front end -> IR -> C++ -> the system C++ compiler. Results are
// cached in a directory keyed by a hash of the generated C++ (which changes with every source
// file of the program and with the compiler), so a second call with unchanged sources returns
// at once without recompiling. Used by `sfn run FILE.sfn`, `sfn build` and the tests.
#pragma once

#include <functional>
#include <string>

namespace sfn::driver {

struct CompileOptions {
  // Cache directory; empty: $SFN_CACHE_DIR, else $XDG_CACHE_HOME/sfn, else ~/.cache/sfn.
  std::string cache_dir;
  // Called with human-readable progress ("compiling greeter.sfn…"); may be null.
  std::function<void(const std::string&)> progress;
  // The C++ compiler; empty: $CXX, else "c++".
  std::string cxx;
  // Extra optimisation / debugging flags, e.g. "-O0 -g"; part of the cache key.
  std::string flags = "-O2";
};

struct CompileResult {
  bool ok = false;
  std::string so_path;   // the cached shared object (valid until the cache is cleaned)
  std::string cpp_path;  // the generated C++ next to it
  bool cached = false;   // true when no compilation was needed
  // On failure: what went wrong, as text for the user. Program errors (diagnostics) have
  // already been printed to stderr; `exit_code` is then 1 (program errors), else 2.
  std::string error;
  int exit_code = 0;
};

// Compiles `sfn_path` (and its imports) to a shared object in the cache.
CompileResult compile_module(const std::string& sfn_path, const CompileOptions& options = {});

// Generates the C++ of `sfn_path` (front end -> IR -> C++). On failure returns false with
// diagnostics printed to stderr and `error`/`exit_code` set as in CompileResult.
bool generate_cpp(const std::string& sfn_path, std::string& cpp, std::string& error, int& exit_code);

// The include directories (-I...) and link inputs needed to compile generated C++, found in
// the build tree or the installed prefix; empty with `error` set when not found.
struct Toolchain {
  std::string include_flags;   // "-I/.../runtime/include -I/.../stdlib"
  std::string stdlib_archive;  // path of libsfn_stdlib.a
  std::string std_header;      // path of sfn_std.h (its stamp is part of the cache key)
};
bool find_toolchain(Toolchain& toolchain, std::string& error);

}  // namespace sfn::driver
