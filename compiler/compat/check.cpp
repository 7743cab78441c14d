// The compatibility rules between an old program's schema and a new checked program (compat.h;
// the rules and their reasons: docs/decisions/015-program-compatibility.md).
#include <algorithm>

#include "compiler/compat/compat.h"

namespace sfn::compat {
namespace {

using check::CheckedProgram;
using diagnostics::Diagnostic;
using diagnostics::Kind;
using source::Span;

// Where persisted or in-flight values of a message type live, for the messages of E0601.
constexpr const char* kWhereValues =
    "values stored in state or in flight (timers, recorded in-flight messages, "
    "ingress logs)";

std::string quoted(const std::string& s) { return "`" + s + "`"; }

// The message and enum names a type mentions, through lists, maps, optionals and message fields.
void collect_names(const CheckedProgram& p, check::TypeId t, std::set<std::string>& out) {
  if (!t) return;
  switch (t->kind) {
    case check::TypeKind::List:
    case check::TypeKind::Optional:
      collect_names(p, t->elem, out);
      break;
    case check::TypeKind::Map:
      collect_names(p, t->elem, out);
      collect_names(p, t->value, out);
      break;
    case check::TypeKind::Message:
      if (out.insert(p.messages[t->decl].name).second)
        for (const auto& f : p.messages[t->decl].fields) collect_names(p, f.type, out);
      break;
    case check::TypeKind::Enum:
      out.insert(p.enums[t->decl].name);
      break;
    default:
      break;
  }
}

class Comparer {
 public:
  Comparer(const Schema& old, const CheckedProgram& now, diagnostics::DiagnosticSink& sink)
      : old_(old), now_(now), sink_(sink) {}

  std::size_t run() {
    if (old_.package != now_.package) {
      error(package_span(), "package changed from " + quoted(old_.package) + " to " + quoted(now_.package) +
                                ": instance addresses start with the package (`" + old_.package +
                                "/Type/key`), so no stored state and no message in flight would reach its instance");
    }
    for (const auto& [name, fields] : old_.messages) message(name, fields);
    for (const auto& [name, values] : old_.enums) enumeration(name, values);
    for (const auto& [name, f] : old_.functions) function(name, f);
    for (const auto& [name, type] : old_.ingresses) ingress(name, type);
    return errors_;
  }

 private:
  Diagnostic& error(Span at, std::string message) {
    ++errors_;
    return sink_.report(Kind::E0601, at, std::move(message));
  }
  void warn(Span at, std::string message) { sink_.report(Kind::W0602, at, std::move(message)); }

  Span package_span() const {
    const auto& files = now_.ast->files;
    return !files.empty() && files[0].package ? files[0].package->span : Span{};
  }
  const check::EnumInfo* find_enum(const std::string& name) const {
    auto it = now_.globals.find(name);
    if (it == now_.globals.end() || it->second.kind != check::GlobalRef::Kind::Enum) return nullptr;
    return &now_.enums[it->second.index];
  }
  const check::MessageInfo* find_message(const std::string& name) const {
    std::uint32_t i = now_.find_message(name);
    return i == check::kNone ? nullptr : &now_.messages[i];
  }

  // Notes naming the states of the new program that hold values of `type_name` (a message or
  // enum), directly or inside other values.
  void add_holders(Diagnostic& d, const std::string& type_name) const {
    for (const auto& f : now_.functions) {
      for (const auto& s : f.states) {
        std::set<std::string> names;
        collect_names(now_, s.type, names);
        if (names.count(type_name))
          d.notes.push_back(
              {"state `" + f.name + "." + s.name + "` holds " + quoted(type_name) + " values", s.decl->type->span});
      }
    }
  }

  void kind_changed(const std::string& name, const char* was, const char* is, Span at) {
    Diagnostic& d = error(at, quoted(name) + " was " + was + " and is now " + is + ": " + quoted(name) + " " +
                                  kWhereValues + " could not be read");
    add_holders(d, name);
  }

  void message(const std::string& name, const std::vector<FieldSchema>& old) {
    const check::MessageInfo* now = find_message(name);
    if (!now) {
      // Removed: nothing stores it any more (a state of its type would not compile); messages of
      // it still in flight go to dead_letters at restart (decision 015).
      if (const check::EnumInfo* e = find_enum(name))
        kind_changed(name, "a message type", "an enum", e->decl->name.span);
      return;
    }
    const std::size_t common = std::min(old.size(), now->fields.size());
    for (std::size_t i = 0; i < common; ++i) {
      if (old[i].name != now->fields[i].name) return renumbered(name, old, *now, i);
      field(name, old[i], now->fields[i]);
    }
    for (std::size_t i = common; i < old.size(); ++i) {
      Diagnostic& d = error(now->decl->name.span, "field `" + name + "." + old[i].name + "` (number " +
                                                      std::to_string(i + 1) + ") was removed: " + quoted(name) + " " +
                                                      kWhereValues + " carry it, and it would be lost");
      add_holders(d, name);
    }
    for (std::size_t i = common; i < now->fields.size(); ++i) added_field(name, now->fields[i]);
  }

  void field(const std::string& message, const FieldSchema& old, const check::FieldInfo& now) {
    const std::string what = "field `" + message + "." + old.name + "`";
    const std::string type = now_.type_name(now.type);
    if (old.type != type) {
      Diagnostic& d = error(now.decl->type->span,
                            what + " changed type from " + quoted(old.type) + " to " + quoted(type) + ": " +
                                quoted(message) + " " + kWhereValues + " hold " + quoted(old.type) +
                                " values there, which cannot be read as " + quoted(type) + "; they would be lost");
      add_holders(d, message);
      return;
    }
    const bool was_explicit = old.default_kind == DefaultKind::Explicit;
    if (was_explicit != now_.has_explicit_presence(now)) {
      Diagnostic& d = error(now.span, what + ": the new default changes its wire form from " +
                                          (was_explicit ? "explicit to implicit" : "implicit to explicit") +
                                          " presence (decision 014): " + quoted(message) + " " + kWhereValues +
                                          " were written in the old form and would be misread");
      add_holders(d, message);
    }
  }

  void added_field(const std::string& message, const check::FieldInfo& now) {
    if (now.default_value) return;  // old values decode to the default (decision 014)
    Diagnostic& d =
        error(now.span, "field `" + message + "." + now.name + "` was added without a default: " + quoted(message) +
                            " " + kWhereValues + " were written by the old version and have no value for it");
    d.fixes.push_back(
        {"give it a default, e.g. `" + now.name + ": " + now_.type_name(now.type) + " = ...`, or make it optional",
         {}});
    add_holders(d, message);
  }

  // The fields of `name` differ in name at position `i`: a removal, insertion or reordering in
  // the middle, which renumbers the wire encoding (field numbers are declaration order).
  void renumbered(const std::string& name, const std::vector<FieldSchema>& old, const check::MessageInfo& now,
                  std::size_t i) {
    const std::string& was = old[i].name;
    const std::string& is = now.fields[i].name;
    const std::string number = std::to_string(i + 1);
    const std::string why = ": field numbers are declaration order, so this renumbers the wire encoding of " +
                            quoted(name) + " and its " + kWhereValues + " would be read into the wrong fields";
    auto in_old = std::find_if(old.begin(), old.end(), [&](const FieldSchema& f) { return f.name == is; });
    Diagnostic* d = nullptr;
    if (!now.field_index.count(was)) {
      d = &error(now.decl->name.span, "field `" + name + "." + was + "` (number " + number + ") was removed" + why +
                                          "; `" + was + "` values would be lost");
    } else if (in_old == old.end()) {
      d = &error(now.fields[i].span, "field `" + name + "." + is + "` was inserted as number " + number + ", before `" +
                                         was + "`" + why + "; add new fields at the end");
    } else {
      d = &error(now.fields[i].span, "fields of " + quoted(name) + " were reordered: `" + is + "` is now number " +
                                         number + ", was number " + std::to_string(in_old - old.begin() + 1) + why);
    }
    add_holders(*d, name);
  }

  void enumeration(const std::string& name, const std::vector<std::string>& old) {
    const check::EnumInfo* now = find_enum(name);
    if (!now) {
      if (const check::MessageInfo* m = find_message(name))
        kind_changed(name, "an enum", "a message type", m->decl->name.span);
      return;
    }
    const std::string why = ": " + quoted(name) + " " + kWhereValues + " are numbers in declaration order";
    for (std::size_t i = 0; i < old.size(); ++i) {
      if (i < now->values.size() && old[i] == now->values[i].name) continue;
      Diagnostic* d = nullptr;
      auto moved = now->value_index.find(old[i]);
      if (moved == now->value_index.end()) {
        d = &error(now->decl->name.span, "value `" + name + "." + old[i] + "` (number " + std::to_string(i) +
                                             ") was removed" + why + "; `" + old[i] + "` values would be lost" +
                                             (i + 1 < old.size() ? " and the values after it renumbered" : ""));
      } else {
        d = &error(now->values[moved->second].span,
                   "value `" + name + "." + old[i] + "` is now number " + std::to_string(moved->second) +
                       ", was number " + std::to_string(i) + why +
                       ", so they would be read as other values; add new values at the end");
      }
      add_holders(*d, name);
      return;  // the values after it are shifted: one diagnostic per enum
    }
  }

  void function(const std::string& name, const FunctionSchema& old) {
    std::uint32_t index = now_.find_function(name);
    if (index == check::kNone) {
      std::string states;
      for (const auto& [s, type] : old.states) states += (states.empty() ? "" : ", ") + quoted(s);
      warn(package_span(), "function type " + quoted(name) + " was removed: the stored state of its instances" +
                               (states.empty() ? "" : " (" + states + ")") +
                               " is deleted, and messages in flight to them go to dead_letters");
      return;
    }
    const check::FunctionInfo& now = now_.functions[index];
    const std::string key = now_.type_name(now.key_type);
    if (old.key != key) {
      error(now.decl->key.type->span, "function type " + quoted(name) + ": key type changed from " + quoted(old.key) +
                                          " to " + quoted(key) +
                                          ": its instances are stored and addressed by key, so " +
                                          "every stored instance and every message in flight to one would be lost");
    }
    for (const auto& [state, type] : old.states) {
      auto it = now.state_index.find(state);
      if (it == now.state_index.end()) {
        warn(now.decl->name.span, "state `" + name + "." + state + "` was removed: its stored values are deleted");
        continue;
      }
      const check::StateInfo& s = now.states[it->second];
      const std::string now_type = now_.type_name(s.type);
      if (now_type != type) {
        error(s.decl->type->span, "state `" + name + "." + state + "` changed type from " + quoted(type) + " to " +
                                      quoted(now_type) + ": its stored values are " + quoted(type) +
                                      " and cannot be read as " + quoted(now_type) + "; they would be lost");
      }
    }
  }

  void ingress(const std::string& name, const std::string& old_type) {
    auto it = std::find_if(now_.ingresses.begin(), now_.ingresses.end(),
                           [&](const check::IngressInfo& i) { return i.name == name; });
    if (it == now_.ingresses.end()) {
      warn(package_span(), "ingress " + quoted(name) +
                               " was removed: records in its log that were not processed yet "
                               "are not read");
      return;
    }
    const std::string type = now_.messages[it->message].name;
    if (type != old_type) {
      error(it->decl->param.type->span, "ingress " + quoted(name) + " changed its record type from " +
                                            quoted(old_type) + " to " + quoted(type) +
                                            ": records in its log that were not processed yet "
                                            "are " +
                                            quoted(old_type) + " and would be read as " + quoted(type));
    }
  }

  const Schema& old_;
  const CheckedProgram& now_;
  diagnostics::DiagnosticSink& sink_;
  std::size_t errors_ = 0;
};

}  // namespace

std::size_t check_compatible(const Schema& old_schema, const CheckedProgram& now, diagnostics::DiagnosticSink& sink) {
  return Comparer(old_schema, now, sink).run();
}

Verdict check_compatible(std::string_view old_schema_text, const CheckedProgram& now,
                         diagnostics::DiagnosticSink& sink) {
  Verdict v;
  Result<Schema> old = parse_schema(old_schema_text);
  if (!old)
    v.unreadable = old.error().message;
  else
    v.errors = check_compatible(old.value(), now, sink);
  return v;
}

}  // namespace sfn::compat
