// The module cache: front end -> IR -> C++ -> `c++ -shared` -> <cache>/<hash>.so. The key is
// a hash of the generated C++ text, the compiler command and the stdlib archive's size and
// mtime, so any change of a source file, of the backend or of the runtime library gives a new
// entry. Compiles into a temporary name and renames, so concurrent runs never see a partial
// object. Errors are returned as text; compiler output is kept in <hash>.log.
#include "compiler/driver/module_cache.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "codegen/cpp/cpp_backend.h"
#include "compiler/driver/frontend.h"
#include "compiler/ir/lower.h"

namespace sfn::driver {

namespace fs = std::filesystem;

namespace {

std::string hex_hash(const std::string& text) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : text) h = (h ^ c) * 0x100000001b3ull;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string default_cache_dir() {
  if (const char* d = std::getenv("SFN_CACHE_DIR"); d && *d) return d;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/sfn";
  if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.cache/sfn";
  return (fs::temp_directory_path() / "sfn-cache").string();
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string exe_dir() {
  std::error_code ec;
  auto p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : p.parent_path().string();
}

}  // namespace

bool find_toolchain(Toolchain& tc, std::string& error) {
  // 1. Explicit overrides. 2. The installed prefix next to this executable. 3. The build tree.
  std::string inc, stdinc, archive;
  if (const char* e = std::getenv("SFN_INCLUDE_DIR"); e && *e) inc = stdinc = e;
  if (const char* e = std::getenv("SFN_STDLIB_ARCHIVE"); e && *e) archive = e;
  if (inc.empty()) {
    for (std::string prefix : {exe_dir() + "/..",
#ifdef SFN_INSTALL_PREFIX
                               std::string(SFN_INSTALL_PREFIX)
#else
                               std::string()
#endif
         }) {
      if (prefix.empty()) continue;
      if (fs::exists(prefix + "/include/sfn/abi.h") && fs::exists(prefix + "/include/sfn_std.h") &&
          fs::exists(prefix + "/lib/libsfn_stdlib.a")) {
        inc = stdinc = prefix + "/include";
        if (archive.empty()) archive = prefix + "/lib/libsfn_stdlib.a";
        break;
      }
    }
  }
#if defined(SFN_BUILD_RUNTIME_INCLUDE_DIR) && defined(SFN_BUILD_STDLIB_INCLUDE_DIR)
  if (inc.empty() && fs::exists(std::string(SFN_BUILD_RUNTIME_INCLUDE_DIR) + "/sfn/abi.h")) {
    inc = SFN_BUILD_RUNTIME_INCLUDE_DIR;
    stdinc = SFN_BUILD_STDLIB_INCLUDE_DIR;
  }
#endif
#ifdef SFN_BUILD_STDLIB_ARCHIVE
  if (archive.empty() && fs::exists(SFN_BUILD_STDLIB_ARCHIVE)) archive = SFN_BUILD_STDLIB_ARCHIVE;
#endif
  if (inc.empty() || archive.empty()) {
    error = "cannot find the SFN runtime headers and standard library (sfn/abi.h, sfn_std.h, "
            "libsfn_stdlib.a); set SFN_INCLUDE_DIR and SFN_STDLIB_ARCHIVE";
    return false;
  }
  tc.include_flags = "-I" + shell_quote(inc) + (stdinc != inc ? " -I" + shell_quote(stdinc) : "");
  tc.stdlib_archive = archive;
  tc.std_header = stdinc + "/sfn_std.h";
  return true;
}

bool generate_cpp(const std::string& sfn_path, std::string& cpp, std::string& error, int& exit_code) {
  auto fe = run_frontend(sfn_path, {});
  if (!fe->read_error.empty() || fe->sink.has_errors() || !fe->checked || fe->checked->has_errors) {
    exit_code = report_diagnostics(*fe, sfn_path, {});
    if (exit_code == 0) exit_code = 1;
    error = fe->read_error.empty() ? "the program has errors" : fe->read_error;
    return false;
  }
  std::string lower_error;
  auto module = ir::lower_program(*fe->checked, fe->sources, &lower_error);
  if (!module) {
    exit_code = 2;
    error = "internal error: cannot lower " + sfn_path + ": " + lower_error;
    return false;
  }
  cpp = codegen::cpp::generate(*module);
  return true;
}

CompileResult compile_module(const std::string& sfn_path, const CompileOptions& options) {
  CompileResult r;
  std::string cpp;
  if (!generate_cpp(sfn_path, cpp, r.error, r.exit_code)) return r;
  Toolchain tc;
  if (!find_toolchain(tc, r.error)) {
    r.exit_code = 2;
    return r;
  }
  std::string cxx = options.cxx;
  if (cxx.empty()) {
    const char* env = std::getenv("CXX");
    cxx = env && *env ? env : "c++";
  }
  std::string dir = options.cache_dir.empty() ? default_cache_dir() : options.cache_dir;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    r.exit_code = 2;
    r.error = "cannot create the cache directory " + dir + ": " + ec.message();
    return r;
  }
  std::string command_base = cxx + " -std=c++20 " + options.flags + " -shared -fPIC " + tc.include_flags;
  struct stat st {};
  std::string lib_stamp;
  for (const std::string& input : {tc.stdlib_archive, tc.std_header})
    if (::stat(input.c_str(), &st) == 0)
      lib_stamp += std::to_string(st.st_size) + ":" + std::to_string(st.st_mtime) + ";";
  std::string key = hex_hash(cpp + "\n" + command_base + "\n" + tc.stdlib_archive + lib_stamp);
  std::string stem = fs::path(sfn_path).stem().string();
  std::string base = dir + "/" + stem + "-" + key;
  r.so_path = base + ".so";
  r.cpp_path = base + ".cpp";
  if (fs::exists(r.so_path)) {
    r.ok = true;
    r.cached = true;
    return r;
  }
  if (options.progress) options.progress("compiling " + fs::path(sfn_path).filename().string() + "…");
  std::string tmp_so = base + ".tmp" + std::to_string(::getpid()) + ".so";
  {
    std::ofstream out(r.cpp_path, std::ios::binary);
    out << cpp;
    if (!out) {
      r.exit_code = 2;
      r.error = "cannot write " + r.cpp_path;
      return r;
    }
  }
  std::string log = base + ".log";
  std::string cmd = command_base + " -o " + shell_quote(tmp_so) + " " + shell_quote(r.cpp_path) + " " +
                    shell_quote(tc.stdlib_archive) + " > " + shell_quote(log) + " 2>&1";
  int status = std::system(cmd.c_str());
  if (status != 0) {
    std::ifstream in(log);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    if (text.size() > 4000) text = text.substr(0, 4000) + "\n…";
    r.exit_code = 2;
    r.error = "the C++ compiler failed on " + r.cpp_path + " (" + cxx + ", status " +
              std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : status) + "):\n" + text;
    fs::remove(tmp_so, ec);
    return r;
  }
  fs::rename(tmp_so, r.so_path, ec);
  if (ec) {
    r.exit_code = 2;
    r.error = "cannot move the compiled module to " + r.so_path + ": " + ec.message();
    return r;
  }
  r.ok = true;
  return r;
}

}  // namespace sfn::driver
