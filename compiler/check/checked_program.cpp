// Lookups on a CheckedProgram and the method name table.
#include "compiler/check/checked_program.h"

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
    case Method::StrLen: return "len";
    case Method::StrContains: return "contains";
    case Method::StrStartsWith: return "starts_with";
    case Method::StrEndsWith: return "ends_with";
    case Method::StrSplit: return "split";
    case Method::StrTrim: return "trim";
    case Method::StrUpper: return "upper";
    case Method::StrLower: return "lower";
    case Method::StrReplace: return "replace";
    case Method::StrSubstring: return "substring";
    case Method::ListLen: return "len";
    case Method::ListPush: return "push";
    case Method::ListPop: return "pop";
    case Method::ListContains: return "contains";
    case Method::ListInsert: return "insert";
    case Method::ListRemoveAt: return "remove_at";
    case Method::ListClear: return "clear";
    case Method::ListIsEmpty: return "is_empty";
    case Method::ListFirst: return "first";
    case Method::ListLast: return "last";
    case Method::MapLen: return "len";
    case Method::MapGet: return "get";
    case Method::MapContains: return "contains";
    case Method::MapRemove: return "remove";
    case Method::MapKeys: return "keys";
    case Method::MapValues: return "values";
    case Method::MapClear: return "clear";
    case Method::MapIsEmpty: return "is_empty";
    case Method::TimeUnixMillis: return "unix_millis";
    case Method::DurationMillis: return "millis";
    case Method::DurationSeconds: return "seconds";
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

static std::uint32_t find_global(const CheckedProgram& p, const std::string& name,
                                 GlobalRef::Kind kind) {
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
