// The module cache: front end -> IR -> C++ -> `c++ -shared` -> <cache>/<stem>-<key>.so (or,
// for executables, `c++` with sfn_main, the runtime and the stdlib archives -> <cache>/<stem>-<key>).
// The key is a hash of the generated C++ text, the compiler command and the link inputs' sizes
// and mtimes, so any change of a source file, of the backend or of the runtime libraries gives
// a new entry. Compiles into a temporary name and renames, so concurrent runs never see a partial
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
#include <vector>

#include "codegen/cpp/cpp_backend.h"
#include "compiler/driver/frontend.h"

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
  // Where the headers and archives are, in this order: $SFN_INCLUDE_DIR + $SFN_LIB_DIR; the
  // installed prefix of this executable (<prefix>/bin/sfn); the build tree this executable was
  // built in (before the configured prefix, so a developer's build never links an older
  // installed runtime); the configured install prefix.
  struct Layout {
    std::string include, std_include, stdlib, runtime, main;
  };
  std::vector<Layout> candidates;
  auto installed = [](const std::string& include, const std::string& lib) {
    return Layout{include, include, lib + "/libsfn_stdlib.a", lib + "/libsfn_runtime.a", lib + "/libsfn_main.a"};
  };
  const char* env_inc = std::getenv("SFN_INCLUDE_DIR");
  const char* env_lib = std::getenv("SFN_LIB_DIR");
  if (env_inc && *env_inc && env_lib && *env_lib) candidates.push_back(installed(env_inc, env_lib));
#ifdef SFN_BUILD_RUNTIME_ARCHIVE
  auto in_prefix = [&](const std::string& prefix) {
    return installed(prefix + "/" SFN_INSTALL_INCLUDEDIR, prefix + "/" SFN_INSTALL_LIBDIR);
  };
  candidates.push_back(in_prefix(fs::path(exe_dir()).parent_path().string()));
  candidates.push_back(Layout{SFN_BUILD_RUNTIME_INCLUDE_DIR, SFN_BUILD_STDLIB_INCLUDE_DIR, SFN_BUILD_STDLIB_ARCHIVE,
                              SFN_BUILD_RUNTIME_ARCHIVE, SFN_BUILD_MAIN_ARCHIVE});
  candidates.push_back(in_prefix(SFN_INSTALL_PREFIX));
#endif
  for (const Layout& l : candidates) {
    if (!fs::exists(l.include + "/sfn/abi.h") || !fs::exists(l.std_include + "/sfn_std.h") ||
        !fs::exists(l.stdlib) || !fs::exists(l.runtime) || !fs::exists(l.main))
      continue;
    tc.include_flags = "-I" + shell_quote(l.include) + (l.std_include != l.include ? " -I" + shell_quote(l.std_include) : "");
    tc.stdlib_archive = l.stdlib;
    tc.runtime_archive = l.runtime;
    tc.main_archive = l.main;
#ifdef SFN_SYSTEM_LIBS
    tc.system_libs = SFN_SYSTEM_LIBS;
#endif
    tc.std_header = l.std_include + "/sfn_std.h";
    return true;
  }
  error = "cannot find the SFN runtime headers and libraries (sfn/abi.h, sfn_std.h, libsfn_stdlib.a, "
          "libsfn_runtime.a, libsfn_main.a) next to this sfn; set SFN_INCLUDE_DIR and SFN_LIB_DIR";
  return false;
}

CompileResult compile_module(const std::string& sfn_path, const CompileOptions& options) {
  CompileResult r;
  auto module = lower_file(sfn_path, r.error, r.exit_code);
  if (!module) return r;
  const std::string cpp = codegen::cpp::generate(*module.module);
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
  const bool exe = options.kind == OutputKind::executable;
  std::string command_base = cxx + " -std=c++20 " + options.flags + (exe ? "" : " -shared -fPIC") + " " + tc.include_flags;
  std::vector<std::string> link_inputs = {tc.stdlib_archive};
  if (exe) link_inputs = {tc.main_archive, tc.runtime_archive, tc.stdlib_archive};
  struct stat st {};
  std::string lib_stamp;
  for (const std::string& input : link_inputs)
    if (::stat(input.c_str(), &st) == 0)
      lib_stamp += input + ":" + std::to_string(st.st_size) + ":" + std::to_string(st.st_mtime) + ";";
  if (::stat(tc.std_header.c_str(), &st) == 0)
    lib_stamp += std::to_string(st.st_size) + ":" + std::to_string(st.st_mtime) + ";";
  std::string key = hex_hash(cpp + "\n" + command_base + "\n" + lib_stamp + (exe ? tc.system_libs : ""));
  std::string stem = fs::path(sfn_path).stem().string();
  std::string base = dir + "/" + stem + "-" + key;
  const std::string suffix = exe ? "" : ".so";
  r.path = base + suffix;
  r.cpp_path = base + ".cpp";
  if (fs::exists(r.path)) {
    if (options.verbose && options.progress) options.progress("up to date: " + r.path);
    r.ok = true;
    r.cached = true;
    return r;
  }
  if (options.progress) options.progress("compiling " + fs::path(sfn_path).filename().string() + "…");
  std::string tmp = base + ".tmp" + std::to_string(::getpid()) + suffix;
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
  std::string cmd = command_base + " -o " + shell_quote(tmp) + " " + shell_quote(r.cpp_path);
  for (const std::string& input : link_inputs) cmd += " " + shell_quote(input);
  if (exe) cmd += " " + tc.system_libs;
  if (options.verbose && options.progress) options.progress(cmd);
  cmd += " > " + shell_quote(log) + " 2>&1";
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
    fs::remove(tmp, ec);
    return r;
  }
  fs::rename(tmp, r.path, ec);
  if (ec) {
    r.exit_code = 2;
    r.error = "cannot move the compiled program to " + r.path + ": " + ec.message();
    return r;
  }
  r.ok = true;
  return r;
}

}  // namespace sfn::driver
