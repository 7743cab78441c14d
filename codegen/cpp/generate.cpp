// The C++ backend, part 1: C++ types of SFN types, constants, the message structs, the type
// and schema descriptors, the function type classes and the module descriptor. Bodies are
// written by generate_bodies.cpp.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <set>

#include "codegen/cpp/generator.h"
#include "compiler/ir/lower.h"

namespace sfn::codegen::cpp {

using check::TypeKind;
using ir::kNone;

std::string Generator::ctype(TypeId t) const {
  switch (t->kind) {
    case TypeKind::Int:
    case TypeKind::Time:
    case TypeKind::Duration:
      return "int64_t";
    case TypeKind::Float:
      return "double";
    case TypeKind::Bool:
      return "uint8_t";
    case TypeKind::Enum:
      return "int32_t";
    case TypeKind::String:
    case TypeKind::Bytes:
    case TypeKind::Ref:
    case TypeKind::Timer:
      return "sfn_str";
    case TypeKind::List:
      return "sfn_list";
    case TypeKind::Map:
      return "sfn_map";
    case TypeKind::Optional:
      if (t->elem->kind == TypeKind::Message) return ctype(t->elem) + "*";
      return "sfn::abi::Optional<" + ctype(t->elem) + ">";
    case TypeKind::Message:
      return msg(t->decl);
    case TypeKind::Void:
      return "void";
    default:
      ice("no C++ type for " + ir::type_name(m_, t));
  }
}

std::string Generator::tdesc(TypeId t) const {
  switch (t->kind) {
    case TypeKind::Int:
      return "sfn::abi::kInt";
    case TypeKind::Float:
      return "sfn::abi::kFloat";
    case TypeKind::Bool:
      return "sfn::abi::kBool";
    case TypeKind::String:
      return "sfn::abi::kString";
    case TypeKind::Bytes:
      return "sfn::abi::kBytes";
    case TypeKind::Time:
      return "sfn::abi::kTime";
    case TypeKind::Duration:
      return "sfn::abi::kDuration";
    case TypeKind::Timer:
      return "sfn::abi::kTimer";
    default: {
      auto it = tnames_.find(t);
      if (it == tnames_.end()) ice("no type descriptor for " + ir::type_name(m_, t));
      return it->second;
    }
  }
}

std::string Generator::str_literal(const std::string& s) const {
  std::string out = "\"";
  char buf[8];
  bool last_hex = false;
  for (unsigned char ch : s) {
    bool hex_digit = std::isxdigit(ch);
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += static_cast<char>(ch);
    } else if (ch == '\n')
      out += "\\n";
    else if (ch == '\t')
      out += "\\t";
    else if (ch == '\r')
      out += "\\r";
    else if (ch < 0x20 || ch >= 0x7f) {
      std::snprintf(buf, sizeof buf, "\\x%02x", ch);
      out += buf;
      last_hex = true;
      continue;
    } else {
      if (last_hex && hex_digit) out += "\"\"";
      out += static_cast<char>(ch);
    }
    last_hex = false;
  }
  return out + "\"";
}

std::string Generator::const_expr(const ir::ConstValue& v, TypeId t) const {
  using K = ir::ConstValue::Kind;
  switch (v.kind) {
    case K::Int:
    case K::Duration:
    case K::Time:
      if (v.i == INT64_MIN) return "INT64_MIN";
      return "int64_t{" + std::to_string(v.i) + "}";
    case K::Float: {
      if (std::isnan(v.f)) return "__builtin_nan(\"\")";
      if (std::isinf(v.f)) return v.f > 0 ? "__builtin_inf()" : "-__builtin_inf()";
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.17g", v.f);
      std::string s = buf;
      if (s.find_first_of(".en") == std::string::npos) s += ".0";
      return s;
    }
    case K::Bool:
      return v.b ? "uint8_t{1}" : "uint8_t{0}";
    case K::Enum:
      if (v.decl < m_.enums.size() && v.i >= 0 && v.i < static_cast<std::int64_t>(m_.enums[v.decl].values.size()))
        return "int32_t{" + enm(v.decl) + "::" + user('v', m_.enums[v.decl].values[v.i]) + "}";
      return "int32_t{" + std::to_string(v.i) + "}";
    case K::String:
    case K::Bytes:
      return "sfn::gen::lit(" + str_literal(v.s) + ", " + std::to_string(v.s.size()) + ")";
    default:
      ice("unsupported constant of type " + ir::type_name(m_, t));
  }
}

void Generator::const_into(std::ostringstream& o, const std::string& ind, const ir::ConstValue& v, TypeId t,
                           const std::string& dst, int& counter) const {
  using K = ir::ConstValue::Kind;
  if (v.kind == K::None) return;
  switch (t->kind) {
    case TypeKind::String:
    case TypeKind::Bytes:
    case TypeKind::Ref:
      o << ind << "sfn::gen::set(" << dst << ", " << str_literal(v.s) << ", " << v.s.size() << ");\n";
      return;
    case TypeKind::Optional: {
      if (t->elem->kind == TypeKind::Message) {
        std::string tmp = "c" + std::to_string(counter++);
        o << ind << "{\n" << ind << "  SFN_LOCAL(" << ctype(t->elem) << ", " << tmp << ", " << tdesc(t->elem) << ");\n";
        const_into(o, ind + "  ", v, t->elem, tmp, counter);
        o << ind << "  sfn::gen::wrap(" << tdesc(t->elem) << ", " << dst << ", " << tmp << ");\n" << ind << "}\n";
        return;
      }
      o << ind << dst << ".present = 1;\n";
      const_into(o, ind, v, t->elem, dst + ".value", counter);
      return;
    }
    case TypeKind::List: {
      for (const auto& item : v.items) {
        std::string tmp = "c" + std::to_string(counter++);
        o << ind << "{\n" << ind << "  SFN_LOCAL(" << ctype(t->elem) << ", " << tmp << ", " << tdesc(t->elem) << ");\n";
        const_into(o, ind + "  ", item, t->elem, tmp, counter);
        o << ind << "  sfn::gen::push(" << tdesc(t) << ", " << dst << ", " << tmp << ");\n" << ind << "}\n";
      }
      return;
    }
    case TypeKind::Map: {
      for (std::size_t i = 0; i + 1 < v.items.size(); i += 2) {
        std::string k = "c" + std::to_string(counter++), val = "c" + std::to_string(counter++);
        o << ind << "{\n" << ind << "  SFN_LOCAL(" << ctype(t->elem) << ", " << k << ", " << tdesc(t->elem) << ");\n";
        const_into(o, ind + "  ", v.items[i], t->elem, k, counter);
        o << ind << "  SFN_LOCAL(" << ctype(t->value) << ", " << val << ", " << tdesc(t->value) << ");\n";
        const_into(o, ind + "  ", v.items[i + 1], t->value, val, counter);
        o << ind << "  sfn::gen::put(" << tdesc(t) << ", " << dst << ", " << k << ", " << val << ");\n" << ind << "}\n";
      }
      return;
    }
    case TypeKind::Message: {
      const auto& msg = m_.messages[t->decl];
      for (std::size_t i = 0; i < msg.fields.size() && i < v.items.size(); ++i)
        const_into(o, ind, v.items[i], msg.fields[i].type, dst + "." + field(msg.fields[i]), counter);
      return;
    }
    default:
      o << ind << dst << " = " << const_expr(v, t) << ";\n";
  }
}

namespace {
const char* kind_name(TypeKind k) {
  switch (k) {
    case TypeKind::List:
      return "SFN_LIST";
    case TypeKind::Map:
      return "SFN_MAP";
    case TypeKind::Optional:
      return "SFN_OPTIONAL";
    case TypeKind::Message:
      return "SFN_MESSAGE";
    case TypeKind::Enum:
      return "SFN_ENUM";
    case TypeKind::Ref:
      return "SFN_REF";
    default:
      return nullptr;
  }
}

// The SFN_FIELD_* flags of a field descriptor.
std::string field_flags(const ir::Field& f) {
  if (f.required) return "SFN_FIELD_REQUIRED";
  return f.default_value ? "SFN_FIELD_EXPLICIT" : "0";
}
}  // namespace

std::string Generator::run() {
  std::ostringstream o;
  const auto& msgs = m_.messages;
  o << "// Generated by `sfn emit cpp` from " << str_literal(m_.source_file) << " (package " << m_.package
    << "). Do not edit.\n"
    << "// Each message is a struct laid out as the SFN module ABI requires (sfn/abi.h); each\n"
    << "// function type is a class whose static members are its handlers; `// file:line`\n"
    << "// comments point at the SFN source of the statements below them.\n"
    << "#include <cstddef>\n#include <cstdint>\n\n#include \"sfn_std.h\"\n\nnamespace {\n\n";

  emit_enums(o);
  emit_structs(o);
  emit_type_table(o);
  emit_descriptors(o);
  emit_tables(o);
  // fns: declarations first (they may call each other), definitions after the classes.
  for (std::size_t i = 0; i < m_.fn_body.size(); ++i)
    if (m_.fn_body[i] != kNone) o << "void " << body_signature(m_.bodies[m_.fn_body[i]], false) << ";\n";
  o << "\n";

  emit_function_types(o);
  for (std::size_t i = 0; i < m_.fn_body.size(); ++i)
    if (m_.fn_body[i] != kNone) {
      body(o, m_.bodies[m_.fn_body[i]], false);
      o << "\n";
    }
  for (const auto& in : m_.ingresses) {
    body(o, m_.bodies[in.route], false);
    o << "\n";
  }

  module_descriptors(o);
  o << "const sfn_module kModule{SFN_ABI_VERSION, " << str_literal(m_.package) << ", " << str_literal(m_.version_hash)
    << ",\n                       " << msgs.size() << ", kMessages, " << m_.enums.size() << ", "
    << (m_.enums.empty() ? "nullptr" : "kEnums") << ",\n                       " << m_.functions.size()
    << ", kFunctions, " << m_.ingresses.size() << ", kIngresses, " << m_.egresses.size() << ", kEgresses};\n\n";
  o << "}  // namespace\n\nSFN_DEFINE_MODULE_ENTRY(kModule)\n";
  return o.str();
}

// Each enum: a namespace holding its values.
void Generator::emit_enums(std::ostringstream& o) {
  for (std::size_t i = 0; i < m_.enums.size(); ++i) {
    const auto& e = m_.enums[i];
    o << "namespace " << enm(i) << " {\nenum : int32_t {";
    for (std::size_t j = 0; j < e.values.size(); ++j) o << (j ? ", " : " ") << user('v', e.values[j]);
    o << " };\n}  // namespace " << enm(i) << "\n";
  }
  if (!m_.enums.empty()) o << "\n";
}

// Message structs in dependency order (inline message fields first).
void Generator::emit_structs(std::ostringstream& o) {
  const auto& msgs = m_.messages;
  for (std::size_t i = 0; i < msgs.size(); ++i) o << "struct " << msg(i) << ";\n";
  o << "\n";
  std::vector<bool> done(msgs.size(), false);
  std::function<void(std::size_t)> emit_struct = [&](std::size_t i) {
    if (done[i]) return;
    done[i] = true;
    for (const auto& f : msgs[i].fields)
      if (f.type->kind == TypeKind::Message) emit_struct(f.type->decl);
    const auto& msg = msgs[i];
    where_ = "message `" + msg.name + "`";
    o << "struct " << this->msg(i) << " {\n";
    for (const auto& f : msg.fields)
      o << "  " << ctype(f.type) << " " << field(f) << ";  // " << ir::type_name(m_, f.type) << "\n";
    if (msg.fields.empty()) o << "  uint8_t unused_;\n";
    o << "};\n";
    o << "static_assert(sizeof(" << this->msg(i) << ") == " << msg.size << " && alignof(" << this->msg(i)
      << ") == " << msg.align << ");\n";
  };
  for (std::size_t i = 0; i < msgs.size(); ++i) emit_struct(i);
  o << "\n";
}

// The sfn_type descriptor of every value type the module uses.
void Generator::emit_type_table(std::ostringstream& o) {
  const auto& msgs = m_.messages;
  for (std::size_t i = 0; i < msgs.size(); ++i) o << "extern const sfn_message_desc kDesc_" << msg(i) << ";\n";
  for (std::size_t i = 0; i < m_.enums.size(); ++i) o << "extern const sfn_enum_desc kEnum_" << enm(i) << ";\n";
  int tcount = 0;
  for (TypeId t : m_.types) {
    switch (t->kind) {
      case TypeKind::Message:
        tnames_[t] = "kType_" + msg(t->decl);
        break;
      case TypeKind::List:
      case TypeKind::Map:
      case TypeKind::Optional:
      case TypeKind::Enum:
      case TypeKind::Ref:
        tnames_[t] = "kT" + std::to_string(tcount++);
        break;
      default:
        continue;
    }
    where_ = "the type table";
    if (!kind_name(t->kind)) ice("no type descriptor kind for " + ir::type_name(m_, t));
    o << "constexpr sfn_type " << tnames_[t] << "{" << kind_name(t->kind) << ", ";
    TypeId elem = t->kind == TypeKind::Map ? t->value : t->elem;
    o << (elem ? "&" + tdesc(elem) : "nullptr") << ", " << (t->kind == TypeKind::Map ? "&" + tdesc(t->elem) : "nullptr")
      << ", " << (t->kind == TypeKind::Message ? "&kDesc_" + msg(t->decl) : "nullptr") << ", "
      << (t->kind == TypeKind::Enum ? "&kEnum_" + enm(t->decl) : "nullptr") << ", "
      << (t->kind == TypeKind::Ref ? str_literal(m_.functions[t->decl].type_name) : "nullptr") << "};  // "
      << ir::type_name(m_, t) << "\n";
  }
  o << "\n";
}

// The enum and message descriptors (with message init functions).
void Generator::emit_descriptors(std::ostringstream& o) {
  const auto& msgs = m_.messages;
  for (std::size_t i = 0; i < m_.enums.size(); ++i) {
    const auto& e = m_.enums[i];
    o << "const char* const kValues_" << enm(i) << "[] = {";
    for (std::size_t j = 0; j < e.values.size(); ++j) o << (j ? ", " : "") << str_literal(e.values[j]);
    o << "};\nconst sfn_enum_desc kEnum_" << enm(i) << "{" << str_literal(e.name) << ", " << e.values.size()
      << ", kValues_" << enm(i) << "};\n";
  }
  for (std::size_t mi = 0; mi < msgs.size(); ++mi) {
    const auto& msg = msgs[mi];
    where_ = "message `" + msg.name + "`";
    std::string s = this->msg(mi);
    if (!msg.fields.empty()) {
      o << "const sfn_field_desc kFields_" << s << "[] = {\n";
      for (const auto& f : msg.fields)
        o << "    {" << str_literal(f.name) << ", " << f.number << ", offsetof(" << s << ", " << field(f) << "), &"
          << tdesc(f.type) << ", " << field_flags(f) << "},\n";
      o << "};\n";
    }
    if (msg.has_nonzero_defaults) {
      o << "void kInit_" << s << "(void* slot) {\n  auto& m = *static_cast<" << s << "*>(slot);\n";
      int counter = 0;
      for (const auto& f : msg.fields)
        if (f.default_value) {
          if (f.type->kind == TypeKind::Message)
            o << "  sfn::gen::init(" << tdesc(f.type) << ", m." << field(f) << ");\n";
          const_into(o, "  ", *f.default_value, f.type, "m." + field(f), counter);
        }
      o << "}\n";
    }
    o << "const sfn_message_desc kDesc_" << s << "{" << str_literal(msg.name) << ", " << str_literal(msg.full_name)
      << ", sizeof(" << s << "), alignof(" << s << "), " << msg.fields.size() << ", "
      << (msg.fields.empty() ? "nullptr" : "kFields_" + s) << ", "
      << (msg.has_nonzero_defaults ? "kInit_" + s : "nullptr") << "};\n";
  }
}

// The tables of messages, message ids, enums and source locations.
void Generator::emit_tables(std::ostringstream& o) {
  const auto& msgs = m_.messages;
  o << "const sfn_message_desc* const kMessages[] = {";
  for (std::size_t i = 0; i < msgs.size(); ++i) o << (i ? ", " : "") << "&kDesc_" << msg(i);
  if (msgs.empty()) o << "nullptr";
  o << "};\n";
  o << "enum : uint32_t {";
  for (std::size_t i = 0; i < msgs.size(); ++i) o << (i ? ", " : " ") << "kId_" << msg(i);
  o << " };\n";
  if (!m_.enums.empty()) {
    o << "const sfn_enum_desc* const kEnums[] = {";
    for (std::size_t i = 0; i < m_.enums.size(); ++i) o << (i ? ", " : "") << "&kEnum_" << enm(i);
    o << "};\n";
  }
  o << "\n// Source locations of runtime errors.\nconst sfn_loc kLoc[] = {\n";
  for (std::size_t i = 0; i < m_.locs.size(); ++i)
    o << "    {" << str_literal(m_.locs[i].file) << ", " << m_.locs[i].line << ", " << m_.locs[i].col << "},  // " << i
      << "\n";
  if (m_.locs.empty()) o << "    {\"\", 0, 0},\n";
  o << "};\n\n";
}

// Each function type: a struct of its states, state initializers and handlers.
void Generator::emit_function_types(std::ostringstream& o) {
  for (std::size_t fi = 0; fi < m_.functions.size(); ++fi) {
    const auto& fn = m_.functions[fi];
    o << "// function " << fn.name << "(" << fn.key_name << ": " << (fn.int_key ? "int" : "string") << "), type name "
      << fn.type_name << "\n";
    o << "struct " << fty(fi) << " {\n";
    if (!fn.states.empty()) {
      o << "  // States (indices into the function's state table).\n  enum State : uint32_t {";
      for (std::size_t i = 0; i < fn.states.size(); ++i) o << (i ? ", " : " ") << state(fi, i);
      o << " };\n";
    }
    for (std::size_t i = 0; i < fn.states.size(); ++i) {
      const auto& st = fn.states[i];
      if (!st.nonzero_init) continue;
      where_ = "the initializer of state `" + st.name + "` of `" + fn.name + "`";
      o << "  static void init_" << state(fi, i) << "(void* slot) {\n    auto& s = *static_cast<" << ctype(st.type)
        << "*>(slot);\n";
      int counter = 0;
      if (st.type->kind == TypeKind::Message) o << "    sfn::gen::init(" << tdesc(st.type) << ", s);\n";
      const_into(o, "    ", st.init, st.type, "s", counter);
      o << "  }\n";
    }
    for (auto h : fn.handlers) {
      o << "\n";
      body(o, m_.bodies[h], true);
    }
    o << "};\n\n";
  }
}

// The descriptors of function types, ingresses and egresses.
void Generator::module_descriptors(std::ostringstream& o) const {
  o << "// ---- module descriptor\n";
  for (std::size_t fi = 0; fi < m_.functions.size(); ++fi) {
    const auto& fn = m_.functions[fi];
    const std::string n = fty(fi);
    if (!fn.states.empty()) {
      o << "const sfn_state_desc kStates_" << n << "[] = {\n";
      for (std::size_t si = 0; si < fn.states.size(); ++si) {
        const auto& st = fn.states[si];
        const char* exp = st.expiry == ir::State::Expiry::None         ? "SFN_EXPIRE_NONE"
                          : st.expiry == ir::State::Expiry::AfterWrite ? "SFN_EXPIRE_AFTER_WRITE"
                                                                       : "SFN_EXPIRE_AFTER_CALL";
        o << "    {" << str_literal(st.name) << ", &" << tdesc(st.type) << ", "
          << (st.nonzero_init ? n + "::init_" + state(fi, si) : "nullptr") << ", " << exp << ", " << st.expiry_ns
          << "},\n";
      }
      o << "};\n";
    }
    if (!fn.handlers.empty()) {
      o << "const sfn_handler_desc kHandlers_" << n << "[] = {\n";
      for (auto h : fn.handlers) {
        const std::string mn = msg(m_.bodies[h].message);
        o << "    {kId_" << mn << ", sfn::abi::handler_entry<" << mn << ", " << n << "::on_" << mn << ">},\n";
      }
      o << "};\n";
    }
  }
  o << "const sfn_function_desc kFunctions[] = {\n";
  for (std::size_t fi = 0; fi < m_.functions.size(); ++fi) {
    const auto& fn = m_.functions[fi];
    o << "    {" << str_literal(fn.type_name) << ", " << (fn.int_key ? "SFN_INT" : "SFN_STRING") << ", "
      << fn.states.size() << ", " << (fn.states.empty() ? "nullptr" : "kStates_" + fty(fi)) << ", "
      << fn.handlers.size() << ", " << (fn.handlers.empty() ? "nullptr" : "kHandlers_" + fty(fi)) << "},\n";
  }
  if (m_.functions.empty()) o << "    {\"\", SFN_STRING, 0, nullptr, 0, nullptr},\n";
  o << "};\nconst sfn_ingress_desc kIngresses[] = {\n";
  for (const auto& in : m_.ingresses)
    o << "    {" << str_literal(in.name) << ", kId_" << msg(in.message) << ", sfn::abi::route_entry<" << msg(in.message)
      << ", " << m_.bodies[in.route].name << ">},\n";
  if (m_.ingresses.empty()) o << "    {\"\", 0, nullptr},\n";
  o << "};\nconst sfn_egress_desc kEgresses[] = {\n";
  for (const auto& e : m_.egresses) o << "    {" << str_literal(e.name) << ", kId_" << msg(e.message) << "},\n";
  if (m_.egresses.empty()) o << "    {\"\", 0},\n";
  o << "};\n";
}

void Generator::ice(const std::string& what) const {
  throw InternalError{"internal compiler error: the C++ backend cannot compile " + m_.source_file + ": " + what +
                      " (in " + where_ + ")"};
}

Result<std::string> generate(const ir::Module& module, const Options& options) {
  Generator g(module, options);
  try {
    return g.run();
  } catch (const InternalError& e) {  // thrown by Generator::ice, deep in the generator
    return Error(ErrorCode::failed, e.message);
  }
}

}  // namespace sfn::codegen::cpp
