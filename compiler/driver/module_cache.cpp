// The module cache: front end -> IR -> C++ -> `c++ -shared` -> <cache>/<stem>-<key>.so, or, for
// executables, `c++ -c` -> <cache>/<stem>-<key>.o, linked with sfn_main, the runtime and the
// stdlib archives into the output. The key is a hash of the generated C++ text, the compiler
// command and the sizes and mtimes of the headers (and, for modules, of the stdlib archive linked
// in), so any change of a source file, of the backend or of the runtime gives a new entry. Compiles into a temporary
// name and renames, so concurrent runs never see a partial object. Errors are returned as text; compiler output is kept
// in <hash>.log.
#include "compiler/driver/module_cache.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <sstream>
#include <vector>

#include "codegen/cpp/cpp_backend.h"
#include "common/bits.h"
#include "compiler/driver/frontend.h"

namespace sfn::driver {

namespace fs = std::filesystem;

namespace {

std::string hex_hash(const std::string& text) {
  const std::uint64_t h = bits::fnv1a(text);
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
    if (!fs::exists(l.include + "/sfn/abi.h") || !fs::exists(l.std_include + "/sfn_std.h") || !fs::exists(l.stdlib) ||
        !fs::exists(l.runtime) || !fs::exists(l.main))
      continue;
    tc.include_flags =
        "-I" + shell_quote(l.include) + (l.std_include != l.include ? " -I" + shell_quote(l.std_include) : "");
    tc.stdlib_archive = l.stdlib;
    tc.runtime_archive = l.runtime;
    tc.main_archive = l.main;
#ifdef SFN_SYSTEM_LIBS
    tc.system_libs = SFN_SYSTEM_LIBS;
#endif
    tc.std_header = l.std_include + "/sfn_std.h";
    tc.abi_header = l.include + "/sfn/abi.h";
    return true;
  }
  error =
      "cannot find the SFN runtime headers and libraries (sfn/abi.h, sfn_std.h, libsfn_stdlib.a, "
      "libsfn_runtime.a, libsfn_main.a) next to this sfn; set SFN_INCLUDE_DIR and SFN_LIB_DIR";
  return false;
}

namespace {

// Size and mtime of each file (missing files count too), for cache keys.
std::string stamp(const std::vector<std::string>& files) {
  std::string out;
  struct stat st{};
  for (const std::string& f : files) {
    out += f + ":";
    if (::stat(f.c_str(), &st) == 0) out += std::to_string(st.st_size) + ":" + std::to_string(st.st_mtime);
    out += ";";
  }
  return out;
}

// The headers generated code includes: every <include>/sfn/*.h and sfn_std.h.
std::vector<std::string> headers(const Toolchain& tc) {
  std::vector<std::string> files = {tc.std_header};
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fs::path(tc.abi_header).parent_path(), ec))
    if (e.path().extension() == ".h") files.push_back(e.path().string());
  std::sort(files.begin() + 1, files.end());
  return files;
}

// Runs one compiler command, output into `log`; on failure fills `r` with the log's text.
bool run_compiler(const std::string& cmd, const std::string& log, const std::string& what, const std::string& cxx,
                  const CompileOptions& options, CompileResult& r) {
  if (options.verbose && options.progress) options.progress(cmd);
  int status = std::system((cmd + " > " + shell_quote(log) + " 2>&1").c_str());
  if (status == 0) return true;
  std::ifstream in(log);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (text.size() > 4000) text = text.substr(0, 4000) + "\n…";
  r.exit_code = 2;
  r.error = "the C++ compiler failed " + what + " (" + cxx + ", status " +
            std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : status) + "):\n" + text;
  return false;
}

// A temporary name in the directory of `path`, so renaming it onto `path` is atomic and a
// running program at `path` is replaced rather than overwritten in place.
std::string temp_beside(const std::string& path) {
  const fs::path target(path);
  return (target.parent_path() / ("." + target.filename().string() + ".tmp" + std::to_string(::getpid()))).string();
}

// Renames `from` onto `to` (same directory); false with `error` set.
bool rename_onto(const std::string& from, const std::string& to, std::string& error) {
  std::error_code ec;
  fs::rename(from, to, ec);
  if (!ec) return true;
  error = "cannot write `" + to + "`: " + ec.message();
  fs::remove(from, ec);
  return false;
}

// Copies `from` to `to` through temp_beside(to) and a rename.
bool copy_onto(const std::string& from, const std::string& to, std::string& error) {
  const std::string tmp = temp_beside(to);
  std::error_code ec;
  fs::copy_file(from, tmp, fs::copy_options::overwrite_existing, ec);
  if (ec) {
    error = "cannot write `" + to + "`: " + ec.message();
    fs::remove(tmp, ec);
    return false;
  }
  return rename_onto(tmp, to, error);
}

// The seal of a cached artifact: "<size> <hash of its bytes>", or "" when it cannot be read.
std::string seal_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  if (!in) return "";
  const std::string b = bytes.str();
  return std::to_string(b.size()) + " " + hex_hash(b);
}

// Writes the seal of `artifact` into `sum` (through a rename), after the artifact is in place.
bool seal(const std::string& artifact, const std::string& sum, std::string& error) {
  const std::string tmp = temp_beside(sum);
  std::ofstream(tmp, std::ios::binary) << seal_of(artifact);
  return rename_onto(tmp, sum, error);
}

// Whether `artifact` is what was compiled: its seal matches the one written then. A truncated or
// overwritten cache entry (a full disk, a crash, another tool) is compiled again instead of
// being loaded (dlopen of a truncated .so ends in SIGBUS).
bool sealed(const std::string& artifact, const std::string& sum) {
  std::ifstream in(sum, std::ios::binary);
  std::string expected((std::istreambuf_iterator<char>(in)), {});
  return !expected.empty() && expected == seal_of(artifact);
}

// Keeps the cache bounded (least recently used first out): when it holds more than `max_entries`
// entries (an entry is <stem>-<key> with its .so/.o, .cpp and .log files), removes the oldest
// until 3/4 of that remain, sparing entries used in the last 10 minutes (another process may
// be about to load or link them). A hit refreshes its entry's time (see compile_module).
void prune_cache(const std::string& dir, std::size_t max_entries) {
  std::map<std::string, fs::file_time_type> newest;  // entry -> newest time of its files
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    // <stem>-<16 hex digits>.<ext...>; anything else in the directory is not ours.
    static const std::regex entry_name("(.+-[0-9a-f]{16})\\..*");
    std::smatch match;
    const std::string name = e.path().filename().string();
    if (!std::regex_match(name, match, entry_name)) continue;
    const auto t = e.last_write_time(ec);
    if (ec) continue;
    auto [it, inserted] = newest.emplace(match[1].str(), t);
    if (!inserted && t > it->second) it->second = t;
  }
  if (newest.size() <= max_entries) return;
  std::vector<std::pair<fs::file_time_type, std::string>> by_age;
  for (const auto& [entry, t] : newest) by_age.emplace_back(t, entry);
  std::sort(by_age.begin(), by_age.end());
  const auto recent = fs::file_time_type::clock::now() - std::chrono::minutes(10);
  std::size_t remaining = newest.size();
  for (const auto& [t, entry] : by_age) {
    if (remaining <= max_entries * 3 / 4 || t > recent) break;
    for (const char* ext : {".so", ".o", ".cpp", ".log", ".sum"}) fs::remove(dir + "/" + entry + ext, ec);
    --remaining;
  }
}

std::size_t max_cache_entries() {
  if (const char* e = std::getenv("SFN_CACHE_MAX_ENTRIES"); e && *e) {
    char* end = nullptr;
    unsigned long n = std::strtoul(e, &end, 10);
    if (end && *end == 0 && n > 0) return n;
  }
  return 256;
}

}  // namespace

namespace {

// Refuses an output that cannot be written before anything is compiled (exit 2).
bool output_writable(const CompileOptions& options, CompileResult& r) {
  if (options.output.empty()) return true;
  const fs::path target(options.output);
  if (fs::is_directory(target) || target.filename().empty())
    r.error = "cannot write `" + options.output + "`: is a directory";
  else if (!target.parent_path().empty() && !fs::is_directory(target.parent_path()))
    r.error = "cannot write `" + options.output + "`: no directory " + target.parent_path().string();
  else
    return true;
  r.exit_code = 2;
  return false;
}

// One entry of the cache: the compile command and the files it keeps under one key.
struct CacheEntry {
  std::string cxx, compile;            // the compiler and the command that compiles the entry
  std::string base, cached, log, sum;  // <dir>/<stem>-<key> and its artifact, log and seal
  bool exe = false;                    // an object file for an executable, else a module (.so)
};

CacheEntry plan_entry(const std::string& sfn_path, const std::string& dir, const std::string& cpp, const Toolchain& tc,
                      const CompileOptions& options) {
  CacheEntry e;
  e.cxx = options.cxx;
  if (e.cxx.empty()) {
    const char* env = std::getenv("CXX");
    e.cxx = env && *env ? env : "c++";
  }
  // Modules are cached whole (small: the program and the stdlib). Executables carry the whole
  // runtime (~20 MB), so only their object file is cached and each build links it again.
  e.exe = options.kind == OutputKind::executable;
  e.compile = e.cxx + " -std=c++20 " + options.flags + (e.exe ? " -c" : " -shared -fPIC") + " " + tc.include_flags;
  const std::string key =
      hex_hash(cpp + "\n" + e.compile + "\n" + stamp(headers(tc)) + (e.exe ? "" : stamp({tc.stdlib_archive})));
  e.base = dir + "/" + fs::path(sfn_path).stem().string() + "-" + key;
  e.cached = e.base + (e.exe ? ".o" : ".so");
  e.log = e.base + ".log";
  e.sum = e.base + ".sum";
  return e;
}

// Compiles the generated C++ into the cache entry (written beside it, renamed into place, sealed).
bool compile_into_cache(const CacheEntry& e, const std::string& sfn_path, const std::string& cpp, const Toolchain& tc,
                        const CompileOptions& options, CompileResult& r) {
  if (options.progress) options.progress("compiling " + fs::path(sfn_path).filename().string() + "…");
  std::ofstream out(r.cpp_path, std::ios::binary);
  out << cpp;
  out.close();
  if (!out) {
    r.exit_code = 2;
    r.error = "cannot write " + r.cpp_path;
    return false;
  }
  const std::string tmp = e.base + ".tmp" + std::to_string(::getpid()) + (e.exe ? ".o" : ".so");
  std::string cmd = e.compile + " -o " + shell_quote(tmp) + " " + shell_quote(r.cpp_path);
  if (!e.exe) cmd += " " + shell_quote(tc.stdlib_archive);
  if (run_compiler(cmd, e.log, "on " + r.cpp_path, e.cxx, options, r) && rename_onto(tmp, e.cached, r.error) &&
      seal(e.cached, e.sum, r.error))
    return true;
  if (r.exit_code == 0) r.exit_code = 2;
  std::error_code ec;
  fs::remove(tmp, ec);
  return false;
}

// Puts the cached artifact where --output says: an executable is linked next to it and renamed
// into place, a module copied. Without --output the cached module is the result.
bool place_output(const CacheEntry& e, const Toolchain& tc, const CompileOptions& options, CompileResult& r) {
  r.path = e.cached;
  if (e.exe) {
    const std::string tmp = temp_beside(options.output);
    std::string cmd = e.cxx + " " + options.flags + " -o " + shell_quote(tmp) + " " + shell_quote(e.cached);
    for (const std::string& input : {tc.main_archive, tc.runtime_archive, tc.stdlib_archive})
      cmd += " " + shell_quote(input);
    cmd += " " + tc.system_libs;
    if (options.progress && !options.verbose)
      options.progress("linking " + fs::path(options.output).filename().string() + "…");
    if (!run_compiler(cmd, e.log, "linking " + options.output, e.cxx, options, r) ||
        !rename_onto(tmp, options.output, r.error)) {
      if (r.exit_code == 0) r.exit_code = 2;
      std::error_code ec;
      fs::remove(tmp, ec);
      return false;
    }
    r.path = options.output;
  } else if (!options.output.empty()) {
    if (!copy_onto(e.cached, options.output, r.error)) {
      r.exit_code = 2;
      return false;
    }
    r.path = options.output;
  }
  return true;
}

}  // namespace

CompileResult compile_module(const std::string& sfn_path, const CompileOptions& options,
                             std::unique_ptr<Frontend> frontend) {
  CompileResult r;
  if (!output_writable(options, r)) return r;
  auto module = frontend ? lower_frontend(std::move(frontend), sfn_path, r.error, r.exit_code)
                         : lower_file(sfn_path, r.error, r.exit_code);
  if (!module) return r;
  Result<std::string> generated = codegen::cpp::generate(*module.module, {});
  if (!generated) {
    r.error = generated.error().message;
    r.exit_code = 2;
    return r;
  }
  const std::string& cpp = generated.value();
  r.frontend = std::move(module.frontend);
  Toolchain tc;
  if (!find_toolchain(tc, r.error)) {
    r.exit_code = 2;
    return r;
  }
  const std::string dir = options.cache_dir.empty() ? default_cache_dir() : options.cache_dir;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    r.exit_code = 2;
    r.error = "cannot create the cache directory " + dir + ": " + ec.message();
    return r;
  }
  const CacheEntry entry = plan_entry(sfn_path, dir, cpp, tc, options);
  r.cpp_path = entry.base + ".cpp";
  r.cached = fs::exists(entry.cached) && sealed(entry.cached, entry.sum);
  if (!r.cached && fs::exists(entry.cached) && options.progress)
    options.progress("damaged in the cache, compiling again: " + entry.cached);
  if (r.cached) {
    if (options.verbose && options.progress) options.progress("up to date: " + entry.cached);
    fs::last_write_time(entry.cached, fs::file_time_type::clock::now(), ec);  // most recently used
  } else {
    prune_cache(dir, max_cache_entries());
    if (!compile_into_cache(entry, sfn_path, cpp, tc, options, r)) return r;
  }
  if (!place_output(entry, tc, options, r)) return r;
  r.ok = true;
  return r;
}

}  // namespace sfn::driver
