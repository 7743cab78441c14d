// The in-process runs and descriptor dumps of backends.h.
#include "tests/e2e/differential/backends.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "runtime/core/module.h"
#include "runtime/core/value.h"

namespace sfn::testing {
namespace fs = std::filesystem;

namespace {

std::string type_text(const sfn_type* t) {
  if (!t) return "?";
  switch (t->kind) {
    case SFN_LIST:
      return "list<" + type_text(t->elem) + ">";
    case SFN_MAP:
      return "map<" + type_text(t->key) + "," + type_text(t->elem) + ">";
    case SFN_OPTIONAL:
      return type_text(t->elem) + "?";
    case SFN_MESSAGE:
      return std::string("msg ") + t->message->name;
    case SFN_ENUM:
      return std::string("enum ") + t->enumeration->name;
    case SFN_REF:
      return std::string("ref ") + (t->ref_function ? t->ref_function : "");
    default:
      return "kind " + std::to_string(t->kind);
  }
}

// string(x) of a value built by value_init (+ the state's init function) in fresh memory.
std::string initial_value(const sfn_type* t, void (*init)(void*)) {
  const auto layout = runtime::core::slot_layout(t);
  std::vector<std::max_align_t> buf(layout.size / sizeof(std::max_align_t) + 1);
  std::memset(buf.data(), 0, buf.size() * sizeof(std::max_align_t));
  const sfn_services* svc = runtime::core::services();
  if (init)
    init(buf.data());
  else
    svc->value_init(t, buf.data());
  sfn_str out{};
  svc->value_format(t, buf.data(), &out);
  std::string text(out.data ? out.data : "", out.len);
  const sfn_type string_type{SFN_STRING, nullptr, nullptr, nullptr, nullptr, nullptr};
  svc->value_destroy(&string_type, &out);
  svc->value_destroy(t, buf.data());
  return text;
}

void describe_message(std::ostringstream& o, const sfn_message_desc* m) {
  o << "message " << m->name << " " << m->full_name << " size " << m->size << " align " << m->align << "\n";
  for (uint32_t i = 0; i < m->field_count; ++i) {
    const auto& f = m->fields[i];
    o << "  field " << f.name << " #" << f.proto_number << " @" << f.offset << " " << type_text(f.type) << " flags "
      << f.flags << "\n";
  }
  sfn_type t{SFN_MESSAGE, nullptr, nullptr, m, nullptr, nullptr};
  o << "  default " << initial_value(&t, nullptr) << "\n";
}

}  // namespace

std::string describe(const runtime::ModulePtr& module) {
  const sfn_module& d = module->desc();
  std::ostringstream o;
  o << "package " << d.package << " abi " << d.abi_version << " version " << d.version_hash << "\n";
  for (uint32_t i = 0; i < d.message_count; ++i) describe_message(o, d.messages[i]);
  for (uint32_t i = 0; i < d.enum_count; ++i) {
    o << "enum " << d.enums[i]->name << ":";
    for (uint32_t j = 0; j < d.enums[i]->value_count; ++j) o << " " << d.enums[i]->values[j];
    o << "\n";
  }
  for (uint32_t i = 0; i < d.function_count; ++i) {
    const auto& f = d.functions[i];
    o << "function " << f.type_name << " key " << f.key_kind << "\n";
    for (uint32_t s = 0; s < f.state_count; ++s) {
      const auto& st = f.states[s];
      o << "  state " << st.name << " " << type_text(st.type) << " expiry " << st.expiry << "/" << st.expiry_ns
        << " init " << initial_value(st.type, st.init) << "\n";
    }
    for (uint32_t h = 0; h < f.handler_count; ++h) o << "  on " << d.messages[f.handlers[h].message_type]->name << "\n";
  }
  for (uint32_t i = 0; i < d.ingress_count; ++i)
    o << "ingress " << d.ingresses[i].name << " " << d.messages[d.ingresses[i].message_type]->name << "\n";
  for (uint32_t i = 0; i < d.egress_count; ++i)
    o << "egress " << d.egresses[i].name << " " << d.messages[d.egresses[i].message_type]->name << "\n";
  return o.str();
}

std::vector<std::string> run_batch(const runtime::ModulePtr& module, const fs::path& input, const fs::path& scratch,
                                   std::string& error) {
  runtime::RunOptions options;
  options.workers = 1;
  options.clock = runtime::ClockMode::virtual_time;
  options.input_path = input.string();
  options.state_dir = (scratch / "state").string();
  fs::remove_all(options.state_dir);
  std::vector<std::string> lines;
  options.egress_sink = [&](const runtime::EgressRecord& r) {
    lines.push_back("{\"egress\":\"" + r.egress + "\",\"value\":" + r.json + "}");
  };
  const runtime::RunResult result = runtime::run_embedded(module, options);
  if (result.exit_code != 0) error = "run exited " + std::to_string(result.exit_code) + ": " + result.error;
  fs::remove_all(options.state_dir);
  return lines;
}

runtime::ModulePtr load(const fs::path& source, driver::Backend backend, std::string& error) {
  driver::LoadOptions options;
  options.backend = backend;
  driver::LoadResult r = driver::load_program(source.string(), options);
  if (!r.module) error = (backend == driver::Backend::llvm ? "llvm: " : "cpp: ") + r.error;
  return r.module;
}

BothBackends run_both(const fs::path& source, const fs::path& input) {
  BothBackends out;
  // Run in the program's folder with its file name, as `sfn run NAME.sfn` does.
  const fs::path old = fs::current_path();
  fs::current_path(source.parent_path());
  const fs::path scratch = fs::temp_directory_path() / ("sfn_diff_" + std::to_string(::getpid()));
  fs::create_directories(scratch);
  const fs::path in = input.empty() ? scratch / "empty.jsonl" : fs::absolute(input);
  if (input.empty()) std::ofstream(in).close();
  for (auto backend : {driver::Backend::llvm, driver::Backend::cpp}) {
    auto module = load(source.filename(), backend, out.error);
    if (!module) break;
    auto& egress = backend == driver::Backend::llvm ? out.llvm : out.cpp;
    egress = run_batch(module, in, scratch, out.error);
    (backend == driver::Backend::llvm ? out.llvm_descriptor : out.cpp_descriptor) = describe(module);
    if (!out.error.empty()) break;
  }
  fs::remove_all(scratch);
  fs::current_path(old);
  return out;
}

std::string diff_lines(const std::vector<std::string>& want, const std::vector<std::string>& got) {
  std::string out;
  std::size_t i = 0, j = 0;
  while (i < want.size() || j < got.size()) {
    if (i < want.size() && j < got.size() && want[i] == got[j]) {
      out += "  " + want[i++] + "\n";
      ++j;
    } else {
      if (i < want.size()) out += "- " + want[i++] + "\n";
      if (j < got.size()) out += "+ " + got[j++] + "\n";
    }
  }
  return out;
}

}  // namespace sfn::testing
