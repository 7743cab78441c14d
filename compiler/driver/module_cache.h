// Compiles an SFN program through the C++ backend (front end -> IR -> C++ -> the system C++
// compiler) to a loadable module (a shared object exporting `sfn_module_v1`) or to a standalone
// executable (the runtime, the standard library and sfn_main linked in). Results are
// cached in a directory keyed by a hash of the generated C++ (which changes with every source
// file of the program and with the compiler), so a second call with unchanged sources returns
// at once without recompiling. Used by `sfn run FILE.sfn`, `sfn build` and the tests.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "compiler/driver/frontend.h"

namespace sfn::driver {

enum class OutputKind {
  shared_module,  // <cache>/<stem>-<key>.so, loaded with dlopen by `sfn run`
  executable,     // linked into `output` from the cached <cache>/<stem>-<key>.o; runs on its own
};

struct CompileOptions {
  OutputKind kind = OutputKind::shared_module;
  // Where to put the result (replaced through a rename, so a running program can be replaced);
  // required for executables; empty for a module: it stays in the cache.
  std::string output;
  // Cache directory; empty: $SFN_CACHE_DIR, else $XDG_CACHE_HOME/sfn, else ~/.cache/sfn.
  std::string cache_dir;
  // Called with human-readable progress ("compiling greeter.sfn…"); may be null.
  std::function<void(const std::string&)> progress;
  // The C++ compiler; empty: $CXX, else "c++".
  std::string cxx;
  // Also report the compiler command line, or the cached file used, through `progress`.
  bool verbose = false;
  // Extra optimisation / debugging flags, e.g. "-O0 -g"; part of the cache key.
  std::string flags = "-O2";
};

struct CompileResult {
  bool ok = false;
  std::string path;      // `output`, or the cached module (valid until the cache is cleaned)
  std::string cpp_path;  // the generated C++ next to it
  bool cached = false;   // true when no compilation was needed (executables are still linked)
  // On failure: what went wrong, as text for the user, or empty when it has already been
  // reported (diagnostics on stderr); `exit_code` is 1 for program errors, else 2.
  std::string error;
  int exit_code = 0;
  // The checked program (set once the front end succeeded), e.g. for its schema.
  std::shared_ptr<const Frontend> frontend;
};

// Compiles `sfn_path` (and its imports) into the cache; `frontend`, when given, is the front end
// already run on it (its text may differ from the file's: `sfn test` adds test ingresses).
CompileResult compile_module(const std::string& sfn_path, const CompileOptions& options = {},
                             std::unique_ptr<Frontend> frontend = nullptr);

// The include directories (-I...) and link inputs needed to compile generated C++, found in
// the installed prefix next to this executable or in the build tree; false with `error` set
// when not found.
struct Toolchain {
  std::string include_flags;    // "-I/.../runtime/include -I/.../stdlib"
  std::string stdlib_archive;   // path of libsfn_stdlib.a
  std::string runtime_archive;  // path of libsfn_runtime.a (executables only)
  std::string main_archive;     // path of libsfn_main.a (executables only)
  std::string system_libs;      // "-lrocksdb -lzmq ..." the runtime archive needs
  std::string std_header;       // path of sfn_std.h (headers' stamps are part of the cache key)
  std::string abi_header;       // path of sfn/abi.h
};
bool find_toolchain(Toolchain& toolchain, std::string& error);

}  // namespace sfn::driver
