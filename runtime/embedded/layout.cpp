// Reading, checking and recording a state directory's layout (see layout.h).
#include "runtime/embedded/layout.h"

#include <sstream>
#include <string>

#include "runtime/io/durable_file.h"

namespace sfn::runtime {
namespace {

namespace fs = std::filesystem;
using transport::Error;
using transport::ErrorCode;

std::string text_of(const Layout& l) {
  return "workers " + std::to_string(l.workers) + "\nkey_groups " + std::to_string(l.key_groups) + "\n";
}

std::string describe(const Layout& l) {
  return std::to_string(l.workers) + " workers and " + std::to_string(l.key_groups) + " key groups";
}

}  // namespace

transport::Result<std::optional<Layout>> read_layout(const fs::path& dir) {
  const fs::path file = dir / "layout";
  auto text = io::read_small_file(file, 4096);
  if (!text.ok()) {
    if (text.error().code == ErrorCode::not_found) return std::optional<Layout>{};
    return Error{text.error().code, "state directory layout: " + text.error().message};
  }
  std::istringstream in(text.value());
  std::string w, g, rest;
  Layout l;
  if (!(in >> w >> l.workers >> g >> l.key_groups) || w != "workers" || g != "key_groups" || (in >> rest) ||
      l.workers == 0 || l.key_groups == 0 || l.workers > l.key_groups)
    return Error{ErrorCode::corrupt, file.string() +
                                         " is damaged (it must hold the lines \"workers W\" and "
                                         "\"key_groups G\" the state directory was created with): restore it from a "
                                         "backup, or use another --state-dir"};
  return std::optional<Layout>{l};
}

transport::Status check_layout(const fs::path& dir, const std::optional<Layout>& recorded, const Layout& want) {
  if (!recorded) return io::write_file_durably(dir / "layout", text_of(want));
  if (recorded->key_groups != want.key_groups)
    return Error{ErrorCode::invalid_argument,
                 "state directory " + dir.string() + " was created with " + describe(*recorded) +
                     " (now: " + describe(want) +
                     "); its number of key groups never changes (rescaling moves whole key groups "
                     "between workers): use another --state-dir"};
  return transport::ok_status();
}

transport::Status record_layout(const fs::path& dir, const Layout& now) {
  auto recorded = read_layout(dir);
  if (!recorded.ok()) return recorded.error();
  if (recorded.value() && recorded.value()->workers == now.workers && recorded.value()->key_groups == now.key_groups)
    return transport::ok_status();
  return io::write_file_durably(dir / "layout", text_of(now));
}

}  // namespace sfn::runtime
