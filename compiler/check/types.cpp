// The type table (interning) and the typing relations shared by every phase.
#include "compiler/check/types.h"

#include <functional>

namespace sfn::check {

std::size_t TypeTable::KeyHash::operator()(const Type& t) const {
  std::size_t h = std::hash<int>()(static_cast<int>(t.kind));
  h = h * 31 + std::hash<const void*>()(t.elem);
  h = h * 31 + std::hash<const void*>()(t.value);
  h = h * 31 + std::hash<std::uint32_t>()(t.decl);
  return h;
}

bool TypeTable::KeyEq::operator()(const Type& a, const Type& b) const {
  return a.kind == b.kind && a.elem == b.elem && a.value == b.value && a.decl == b.decl;
}

TypeTable::TypeTable() {
  error_ = intern(TypeKind::Error, nullptr, nullptr, 0);
  void_ = intern(TypeKind::Void, nullptr, nullptr, 0);
  bottom_ = intern(TypeKind::Bottom, nullptr, nullptr, 0);
  int_ = intern(TypeKind::Int, nullptr, nullptr, 0);
  float_ = intern(TypeKind::Float, nullptr, nullptr, 0);
  bool_ = intern(TypeKind::Bool, nullptr, nullptr, 0);
  string_ = intern(TypeKind::String, nullptr, nullptr, 0);
  bytes_ = intern(TypeKind::Bytes, nullptr, nullptr, 0);
  time_ = intern(TypeKind::Time, nullptr, nullptr, 0);
  duration_ = intern(TypeKind::Duration, nullptr, nullptr, 0);
  timer_ = intern(TypeKind::Timer, nullptr, nullptr, 0);
}

TypeId TypeTable::intern(TypeKind kind, TypeId elem, TypeId value, std::uint32_t decl) {
  Type key{kind, elem, value, decl};
  auto it = interned_.find(key);
  if (it != interned_.end()) return it->second;
  storage_.push_back(key);
  TypeId id = &storage_.back();
  interned_.emplace(key, id);
  return id;
}

TypeId TypeTable::list(TypeId elem) {
  if (elem->is_error()) return error_;
  return intern(TypeKind::List, elem, nullptr, 0);
}

TypeId TypeTable::map(TypeId key, TypeId value) {
  if (key->is_error() || value->is_error()) return error_;
  return intern(TypeKind::Map, key, value, 0);
}

TypeId TypeTable::optional(TypeId inner) {
  if (inner->is_error()) return error_;
  if (inner->kind == TypeKind::Optional) return inner;
  return intern(TypeKind::Optional, inner, nullptr, 0);
}

TypeId TypeTable::message(std::uint32_t index) { return intern(TypeKind::Message, nullptr, nullptr, index); }
TypeId TypeTable::enumeration(std::uint32_t index) { return intern(TypeKind::Enum, nullptr, nullptr, index); }
TypeId TypeTable::ref(std::uint32_t index) { return intern(TypeKind::Ref, nullptr, nullptr, index); }

TypeId TypeTable::scalar_by_name(const std::string& name) const {
  if (name == "int") return int_;
  if (name == "float") return float_;
  if (name == "bool") return bool_;
  if (name == "string") return string_;
  if (name == "bytes") return bytes_;
  if (name == "time") return time_;
  if (name == "duration") return duration_;
  if (name == "timer") return timer_;
  return nullptr;
}

bool contains_error(TypeId t) {
  if (t == nullptr) return true;
  if (t->is_error()) return true;
  if (t->elem && contains_error(t->elem)) return true;
  if (t->value && contains_error(t->value)) return true;
  return false;
}

// Structural acceptance where Bottom (an unknown element of `[]`, `{}`, `none`) matches anything.
static bool matches(TypeId from, TypeId to) {
  if (from == to) return true;
  if (from->is_error() || to->is_error()) return true;
  if (from->kind == TypeKind::Bottom) return true;
  if (from->kind != to->kind) return false;
  switch (from->kind) {
    case TypeKind::List:
    case TypeKind::Optional:
      return matches(from->elem, to->elem);
    case TypeKind::Map:
      return matches(from->elem, to->elem) && matches(from->value, to->value);
    default:
      return false;  // distinct interned scalars/decls
  }
}

bool is_assignable(TypeId from, TypeId to) {
  if (matches(from, to)) return true;
  if (to->kind == TypeKind::Optional && from->kind != TypeKind::Optional) {
    return matches(from, to->elem);
  }
  return false;
}

bool is_equatable(TypeId t) {
  switch (t->kind) {
    case TypeKind::Timer:
    case TypeKind::Void:
      return false;
    case TypeKind::List:
    case TypeKind::Optional:
      return is_equatable(t->elem);
    case TypeKind::Map:
      return is_equatable(t->elem) && is_equatable(t->value);
    default:
      return true;
  }
}

bool is_ordered(TypeId t) {
  switch (t->kind) {
    case TypeKind::Int:
    case TypeKind::Float:
    case TypeKind::String:
    case TypeKind::Time:
    case TypeKind::Duration:
    case TypeKind::Error:
      return true;
    default:
      return false;
  }
}

bool is_map_key(TypeId t) {
  return t->kind == TypeKind::Int || t->kind == TypeKind::String || t->kind == TypeKind::Bool ||
         t->kind == TypeKind::Error;
}

TypeId join(TypeTable& types, TypeId a, TypeId b) {
  if (a == b) return a;
  if (a->is_error() || b->is_error()) return types.error();
  if (a->kind == TypeKind::Bottom) return b;
  if (b->kind == TypeKind::Bottom) return a;
  if (a->kind == TypeKind::Optional || b->kind == TypeKind::Optional) {
    TypeId ai = a->kind == TypeKind::Optional ? a->elem : a;
    TypeId bi = b->kind == TypeKind::Optional ? b->elem : b;
    TypeId inner = join(types, ai, bi);
    return inner ? types.optional(inner) : nullptr;
  }
  if (a->kind != b->kind) return nullptr;
  if (a->kind == TypeKind::List) {
    TypeId e = join(types, a->elem, b->elem);
    return e ? types.list(e) : nullptr;
  }
  if (a->kind == TypeKind::Map) {
    TypeId k = join(types, a->elem, b->elem);
    TypeId v = join(types, a->value, b->value);
    return k && v ? types.map(k, v) : nullptr;
  }
  return nullptr;
}

std::string type_to_string(TypeId t, const TypeNamer& names) {
  if (t == nullptr) return "{error}";
  switch (t->kind) {
    case TypeKind::Error:
      return "{error}";
    case TypeKind::Void:
      return "()";
    case TypeKind::Bottom:
      return "_";
    case TypeKind::Int:
      return "int";
    case TypeKind::Float:
      return "float";
    case TypeKind::Bool:
      return "bool";
    case TypeKind::String:
      return "string";
    case TypeKind::Bytes:
      return "bytes";
    case TypeKind::Time:
      return "time";
    case TypeKind::Duration:
      return "duration";
    case TypeKind::Timer:
      return "timer";
    case TypeKind::List:
      return "list<" + type_to_string(t->elem, names) + ">";
    case TypeKind::Map:
      return "map<" + type_to_string(t->elem, names) + ", " + type_to_string(t->value, names) + ">";
    case TypeKind::Optional: {
      if (t->elem->kind == TypeKind::Bottom) return "none";
      return type_to_string(t->elem, names) + "?";
    }
    case TypeKind::Message:
      return names.message_name(t->decl);
    case TypeKind::Enum:
      return names.enum_name(t->decl);
    case TypeKind::Ref:
      return "ref<" + names.function_name(t->decl) + ">";
  }
  return "{error}";
}

}  // namespace sfn::check
