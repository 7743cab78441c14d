// Lookups on a CheckedProgram and the method name table.
#include "compiler/check/checked_program.h"

#include <cmath>
#include <cstring>

namespace sfn::check {

bool is_mutating(Method m) {
  switch (m) {
    case Method::ListPush:
    case Method::ListPop:
    case Method::ListInsert:
    case Method::ListRemoveAt:
    case Method::ListClear:
    case Method::MapRemove:
    case Method::MapClear:
      return true;
    default:
      return false;
  }
}

const char* method_name(Method m) {
  switch (m) {
    case Method::StrLen:
      return "len";
    case Method::StrContains:
      return "contains";
    case Method::StrStartsWith:
      return "starts_with";
    case Method::StrEndsWith:
      return "ends_with";
    case Method::StrSplit:
      return "split";
    case Method::StrTrim:
      return "trim";
    case Method::StrUpper:
      return "upper";
    case Method::StrLower:
      return "lower";
    case Method::StrReplace:
      return "replace";
    case Method::StrSubstring:
      return "substring";
    case Method::ListLen:
      return "len";
    case Method::ListPush:
      return "push";
    case Method::ListPop:
      return "pop";
    case Method::ListContains:
      return "contains";
    case Method::ListInsert:
      return "insert";
    case Method::ListRemoveAt:
      return "remove_at";
    case Method::ListClear:
      return "clear";
    case Method::ListIsEmpty:
      return "is_empty";
    case Method::ListFirst:
      return "first";
    case Method::ListLast:
      return "last";
    case Method::MapLen:
      return "len";
    case Method::MapGet:
      return "get";
    case Method::MapContains:
      return "contains";
    case Method::MapRemove:
      return "remove";
    case Method::MapKeys:
      return "keys";
    case Method::MapValues:
      return "values";
    case Method::MapClear:
      return "clear";
    case Method::MapIsEmpty:
      return "is_empty";
    case Method::TimeUnixMillis:
      return "unix_millis";
    case Method::DurationMillis:
      return "millis";
    case Method::DurationSeconds:
      return "seconds";
  }
  return "?";
}

TypeId CheckedProgram::type_of(const ast::Expr* e) const {
  auto it = expr_types.find(e);
  return it == expr_types.end() ? nullptr : it->second;
}

const Resolution* CheckedProgram::resolution_of(const ast::Expr* e) const {
  auto it = resolutions.find(e);
  return it == resolutions.end() ? nullptr : &it->second;
}

static std::uint32_t find_global(const CheckedProgram& p, const std::string& name, GlobalRef::Kind kind) {
  auto it = p.globals.find(name);
  if (it == p.globals.end() || it->second.kind != kind) return kNone;
  return it->second.index;
}

std::uint32_t CheckedProgram::find_message(const std::string& name) const {
  return find_global(*this, name, GlobalRef::Kind::Message);
}

std::uint32_t CheckedProgram::find_function(const std::string& name) const {
  return find_global(*this, name, GlobalRef::Kind::Function);
}

std::uint32_t CheckedProgram::find_egress(const std::string& name) const {
  return find_global(*this, name, GlobalRef::Kind::Egress);
}

namespace {
// Equality of constants with floats compared by bits (-0.0 is not 0.0, NaN is itself).
bool same_const(const ConstValue& a, const ConstValue& b) {
  if (a.kind != b.kind || a.i != b.i || a.b != b.b || a.s != b.s || a.decl != b.decl) return false;
  if (std::memcmp(&a.f, &b.f, sizeof a.f) != 0 || a.items.size() != b.items.size()) return false;
  for (std::size_t i = 0; i < a.items.size(); ++i)
    if (!same_const(a.items[i], b.items[i])) return false;
  return true;
}
}  // namespace

bool CheckedProgram::is_natural(const ConstValue& v) const {
  using K = ConstValue::Kind;
  switch (v.kind) {
    case K::None:
      return true;
    case K::Int:
    case K::Duration:
    case K::Time:
    case K::Enum:
      return v.i == 0;
    case K::Float:
      return v.f == 0 && !std::signbit(v.f);
    case K::Bool:
      return !v.b;
    case K::String:
    case K::Bytes:
      return v.s.empty();
    case K::List:
    case K::Map:
      return v.items.empty();
    case K::Message: {
      const auto& fields = messages[v.decl].fields;
      for (std::size_t i = 0; i < v.items.size() && i < fields.size(); ++i) {
        const auto& d = fields[i].default_value;
        if (d ? !same_const(v.items[i], *d) : !is_natural(v.items[i])) return false;
      }
      return true;
    }
  }
  return true;
}

std::string CheckedProgram::message_name(std::uint32_t index) const {
  return index < messages.size() ? messages[index].name : "{error}";
}

std::string CheckedProgram::enum_name(std::uint32_t index) const {
  return index < enums.size() ? enums[index].name : "{error}";
}

std::string CheckedProgram::function_name(std::uint32_t index) const {
  return index < functions.size() ? functions[index].name : "{error}";
}

}  // namespace sfn::check
