// The LLVM backend, part 1: LLVM globals for the type, enum and message descriptors, source
// locations, the function types with their states and handlers, ingresses, egresses and the
// `sfn_module` descriptor — field for field what codegen/cpp/generate.cpp emits as C++ — and the
// module entry `sfn_module_v1`. Struct types mirror the C structs of sfn/abi.h; the module's data
// layout gives them the same padding.
#include <llvm/IR/Constants.h>
#include <llvm/IR/DerivedTypes.h>
#include <llvm/IR/Function.h>

#include "codegen/llvm/lowering.h"
#include "compiler/ir/lower.h"
#include "sfn/abi.h"

namespace sfn::codegen::llvm_backend {

using check::TypeKind;
using ir::kNone;

namespace {
std::uint32_t abi_kind(TypeKind k) {
  switch (k) {
    case TypeKind::Int:
      return SFN_INT;
    case TypeKind::Float:
      return SFN_FLOAT;
    case TypeKind::Bool:
      return SFN_BOOL;
    case TypeKind::String:
      return SFN_STRING;
    case TypeKind::Bytes:
      return SFN_BYTES;
    case TypeKind::Time:
      return SFN_TIME;
    case TypeKind::Duration:
      return SFN_DURATION;
    case TypeKind::Timer:
      return SFN_TIMER;
    case TypeKind::List:
      return SFN_LIST;
    case TypeKind::Map:
      return SFN_MAP;
    case TypeKind::Optional:
      return SFN_OPTIONAL;
    case TypeKind::Message:
      return SFN_MESSAGE;
    case TypeKind::Enum:
      return SFN_ENUM;
    case TypeKind::Ref:
      return SFN_REF;
    default:
      return 0;
  }
}

// The SFN_FIELD_* flags of a field descriptor (as codegen/cpp's field_flags).
std::uint32_t field_flags(const ir::Field& f) {
  if (f.required) return SFN_FIELD_REQUIRED;
  return f.default_value ? SFN_FIELD_EXPLICIT : 0u;
}
}  // namespace

ModuleLowering::ModuleLowering(const ir::Module& m, llvm::Module& out) : m_(m), C(out.getContext()), M(out) {
  i8 = llvm::Type::getInt8Ty(C);
  i32 = llvm::Type::getInt32Ty(C);
  i64 = llvm::Type::getInt64Ty(C);
  f64 = llvm::Type::getDoubleTy(C);
  ptr = llvm::PointerType::get(C, 0);
  void_ty = llvm::Type::getVoidTy(C);
  auto st = [&](const char* name, std::vector<llvm::Type*> fields) {
    return llvm::StructType::create(C, fields, name);
  };
  type_ty = st("sfn_type", {i32, ptr, ptr, ptr, ptr, ptr});
  field_ty = st("sfn_field_desc", {ptr, i32, i32, ptr, i32});
  msg_ty = st("sfn_message_desc", {ptr, ptr, i32, i32, i32, ptr, ptr});
  enum_ty = st("sfn_enum_desc", {ptr, i32, ptr});
  state_ty = st("sfn_state_desc", {ptr, ptr, ptr, i32, i64});
  handler_ty = st("sfn_handler_desc", {i32, ptr});
  function_ty = st("sfn_function_desc", {ptr, i32, i32, ptr, i32, ptr});
  ingress_ty = st("sfn_ingress_desc", {ptr, i32, ptr});
  egress_ty = st("sfn_egress_desc", {ptr, i32});
  loc_ty = st("sfn_loc", {ptr, i32, i32});
  module_ty = st("sfn_module", {i32, ptr, ptr, i32, ptr, i32, ptr, i32, ptr, i32, ptr, i32, ptr});
  str_ty = st("sfn_str", {ptr, i64});
  piece_ty = st("sfn_rt_piece", {ptr, i64, ptr, ptr});
}

void ModuleLowering::fail(const std::string& message) {
  if (error_.empty()) error_ = message + (where.empty() ? "" : " (in " + where + ")");
}

llvm::GlobalVariable* ModuleLowering::global(llvm::Type* t, llvm::Constant* init, const std::string& name) {
  auto* g = new llvm::GlobalVariable(M, t, true, llvm::GlobalValue::PrivateLinkage, init, name);
  return g;
}

llvm::Constant* ModuleLowering::cstr(const std::string& s) {
  auto it = cstrs_.find(s);
  if (it != cstrs_.end()) return it->second;
  auto* data = llvm::ConstantDataArray::getString(C, s, true);
  auto* g = global(data->getType(), data, "str");
  g->setUnnamedAddr(llvm::GlobalValue::UnnamedAddr::Global);
  g->setAlignment(llvm::Align(1));
  return cstrs_[s] = g;
}

llvm::Constant* ModuleLowering::str_const(const std::string& s) {
  auto it = strs_.find(s);
  if (it != strs_.end()) return it->second;
  auto* init = llvm::ConstantStruct::get(str_ty, {cstr(s), llvm::ConstantInt::get(i64, s.size())});
  return strs_[s] = global(str_ty, init, "lit");
}

llvm::Type* ModuleLowering::scalar_type(TypeId t) {
  switch (t->kind) {
    case TypeKind::Int:
    case TypeKind::Time:
    case TypeKind::Duration:
      return i64;
    case TypeKind::Float:
      return f64;
    case TypeKind::Bool:
      return i8;
    case TypeKind::Enum:
      return i32;
    default:
      fail("not a scalar type: " + ir::type_name(m_, t));
      return i64;
  }
}

std::uint64_t ModuleLowering::stride(TypeId t) const { return abi_layout::stride(slot(t)); }

std::uint32_t ModuleLowering::field_offset(TypeId message, std::uint32_t field) const {
  return m_.messages[message->decl].fields[field].offset;
}

llvm::GlobalVariable* ModuleLowering::tdesc(TypeId t) {
  auto it = tdescs_.find(t);
  if (it != tdescs_.end()) return it->second;
  auto* g = global(type_ty, nullptr, "type");
  tdescs_[t] = g;  // registered first: message types reach themselves through optionals
  llvm::Constant* null = llvm::ConstantPointerNull::get(llvm::PointerType::get(C, 0));
  TypeId elem = t->kind == TypeKind::Map ? t->value : t->elem;
  llvm::Constant* elem_c = elem ? static_cast<llvm::Constant*>(tdesc(elem)) : null;
  llvm::Constant* key_c = t->kind == TypeKind::Map ? static_cast<llvm::Constant*>(tdesc(t->elem)) : null;
  llvm::Constant* msg_c = t->kind == TypeKind::Message ? static_cast<llvm::Constant*>(msg_desc(t->decl)) : null;
  llvm::Constant* enum_c = null;
  if (t->kind == TypeKind::Enum) {
    if (enum_descs_.empty()) enum_descs_.assign(m_.enums.size(), nullptr);
    auto& e = enum_descs_[t->decl];
    if (!e) {
      const auto& en = m_.enums[t->decl];
      std::vector<llvm::Constant*> names;
      for (const auto& v : en.values) names.push_back(cstr(v));
      auto* arr_ty = llvm::ArrayType::get(ptr, names.size());
      auto* values = global(arr_ty, llvm::ConstantArray::get(arr_ty, names), "enum.values");
      e = global(
          enum_ty,
          llvm::ConstantStruct::get(enum_ty, {cstr(en.name), llvm::ConstantInt::get(i32, en.values.size()), values}),
          "enum." + en.name);
    }
    enum_c = e;
  }
  llvm::Constant* ref_c = t->kind == TypeKind::Ref ? cstr(m_.functions[t->decl].type_name) : null;
  g->setInitializer(llvm::ConstantStruct::get(
      type_ty, {llvm::ConstantInt::get(i32, abi_kind(t->kind)), elem_c, key_c, msg_c, enum_c, ref_c}));
  return g;
}

llvm::GlobalVariable* ModuleLowering::msg_desc(std::uint32_t mi) {
  if (msg_descs_.empty()) msg_descs_.assign(m_.messages.size(), nullptr);
  if (msg_descs_[mi]) return msg_descs_[mi];
  const auto& msg = m_.messages[mi];
  auto* g = global(msg_ty, nullptr, "msg." + msg.name);
  msg_descs_[mi] = g;
  std::vector<llvm::Constant*> fields;
  for (const auto& f : msg.fields)
    fields.push_back(llvm::ConstantStruct::get(
        field_ty, {cstr(f.name), llvm::ConstantInt::get(i32, f.number), llvm::ConstantInt::get(i32, f.offset),
                   tdesc(f.type), llvm::ConstantInt::get(i32, field_flags(f))}));
  llvm::Constant* null = llvm::ConstantPointerNull::get(llvm::PointerType::get(C, 0));
  llvm::Constant* fields_c = null;
  if (!fields.empty()) {
    auto* arr_ty = llvm::ArrayType::get(field_ty, fields.size());
    fields_c = global(arr_ty, llvm::ConstantArray::get(arr_ty, fields), "fields." + msg.name);
  }
  llvm::Constant* init = msg.has_nonzero_defaults ? static_cast<llvm::Constant*>(message_init(mi)) : null;
  g->setInitializer(llvm::ConstantStruct::get(
      msg_ty,
      {cstr(msg.name), cstr(msg.full_name), llvm::ConstantInt::get(i32, msg.size),
       llvm::ConstantInt::get(i32, msg.align), llvm::ConstantInt::get(i32, msg.fields.size()), fields_c, init}));
  return g;
}

llvm::Constant* ModuleLowering::loc(std::uint32_t id) {
  if (id == kNone) return llvm::ConstantPointerNull::get(llvm::PointerType::get(C, 0));
  if (!locs_) {
    std::vector<llvm::Constant*> items;
    for (const auto& l : m_.locs)
      items.push_back(llvm::ConstantStruct::get(
          loc_ty, {cstr(l.file), llvm::ConstantInt::get(i32, l.line), llvm::ConstantInt::get(i32, l.col)}));
    auto* arr_ty = llvm::ArrayType::get(loc_ty, items.size());
    locs_ = global(arr_ty, llvm::ConstantArray::get(arr_ty, items), "locs");
  }
  return llvm::ConstantExpr::getInBoundsGetElementPtr(
      locs_->getValueType(), locs_,
      llvm::ArrayRef<llvm::Constant*>{llvm::ConstantInt::get(i64, 0), llvm::ConstantInt::get(i64, id)});
}

llvm::Function* ModuleLowering::message_init(std::uint32_t mi) {
  const auto& msg = m_.messages[mi];
  where = "message `" + msg.name + "`";
  auto* fn = llvm::Function::Create(llvm::FunctionType::get(void_ty, {ptr}, false), llvm::GlobalValue::InternalLinkage,
                                    "init." + msg.name, M);
  BodyEmitter e(*this, fn, nullptr);
  for (const auto& f : msg.fields) {
    if (!f.default_value) continue;
    llvm::Value* slot = e.gep(e.arg(0), f.offset);
    if (f.type->kind == TypeKind::Message) e.value_init(f.type, slot);
    e.const_into(*f.default_value, f.type, slot);
  }
  e.finish();
  return fn;
}

llvm::Function* ModuleLowering::state_init(std::uint32_t fi, std::uint32_t si) {
  const auto& st = m_.functions[fi].states[si];
  where = "the initializer of state `" + st.name + "` of `" + m_.functions[fi].name + "`";
  auto* fn = llvm::Function::Create(llvm::FunctionType::get(void_ty, {ptr}, false), llvm::GlobalValue::InternalLinkage,
                                    "init." + m_.functions[fi].name + "." + st.name, M);
  BodyEmitter e(*this, fn, nullptr);
  if (st.type->kind == TypeKind::Message) e.value_init(st.type, e.arg(0));
  e.const_into(st.init, st.type, e.arg(0));
  e.finish();
  return fn;
}

void ModuleLowering::declare_bodies() {
  body_fns.assign(m_.bodies.size(), nullptr);
  for (std::size_t i = 0; i < m_.bodies.size(); ++i) {
    const auto& b = m_.bodies[i];
    std::vector<llvm::Type*> params = {ptr};  // ctx
    std::string name;
    switch (b.kind) {
      case ir::Body::Kind::Handler:
        params.push_back(ptr);
        name = m_.functions[b.function].name + ".on_" + m_.messages[b.message].name;
        break;
      case ir::Body::Kind::Route:
        params.insert(params.end(), {ptr, ptr});
        name = b.name;
        break;
      case ir::Body::Kind::Fn:
        if (b.return_type && b.return_type->kind != TypeKind::Void) params.push_back(ptr);
        for (auto p : b.params) {
          TypeId t = b.vars[p].type;
          params.push_back(ir::is_trivial(t) ? scalar_type(t) : ptr);
        }
        name = "fn." + b.name;
        break;
    }
    body_fns[i] = llvm::Function::Create(llvm::FunctionType::get(i32, params, false),
                                         llvm::GlobalValue::InternalLinkage, name, M);
  }
}

llvm::Constant* ModuleLowering::function_descs() {
  llvm::Constant* null = llvm::ConstantPointerNull::get(llvm::PointerType::get(C, 0));
  std::vector<llvm::Constant*> fns;
  for (std::size_t fi = 0; fi < m_.functions.size(); ++fi) {
    const auto& fn = m_.functions[fi];
    std::vector<llvm::Constant*> states, handlers;
    for (std::size_t si = 0; si < fn.states.size(); ++si) {
      const auto& st = fn.states[si];
      std::uint32_t exp = st.expiry == ir::State::Expiry::None         ? SFN_EXPIRE_NONE
                          : st.expiry == ir::State::Expiry::AfterWrite ? SFN_EXPIRE_AFTER_WRITE
                                                                       : SFN_EXPIRE_AFTER_CALL;
      llvm::Constant* init = st.nonzero_init ? static_cast<llvm::Constant*>(state_init(fi, si)) : null;
      states.push_back(
          llvm::ConstantStruct::get(state_ty, {cstr(st.name), tdesc(st.type), init, llvm::ConstantInt::get(i32, exp),
                                               llvm::ConstantInt::get(i64, st.expiry_ns)}));
    }
    for (auto h : fn.handlers)
      handlers.push_back(
          llvm::ConstantStruct::get(handler_ty, {llvm::ConstantInt::get(i32, m_.bodies[h].message), body_fns[h]}));
    auto array = [&](llvm::StructType* t, const std::vector<llvm::Constant*>& items,
                     const std::string& name) -> llvm::Constant* {
      if (items.empty()) return null;
      auto* arr_ty = llvm::ArrayType::get(t, items.size());
      return global(arr_ty, llvm::ConstantArray::get(arr_ty, items), name);
    };
    fns.push_back(llvm::ConstantStruct::get(
        function_ty,
        {cstr(fn.type_name), llvm::ConstantInt::get(i32, fn.int_key ? SFN_INT : SFN_STRING),
         llvm::ConstantInt::get(i32, states.size()), array(state_ty, states, "states." + fn.name),
         llvm::ConstantInt::get(i32, handlers.size()), array(handler_ty, handlers, "handlers." + fn.name)}));
  }
  if (fns.empty()) return null;
  auto* arr_ty = llvm::ArrayType::get(function_ty, fns.size());
  return global(arr_ty, llvm::ConstantArray::get(arr_ty, fns), "functions");
}

llvm::Constant* ModuleLowering::module_desc() {
  llvm::Constant* null = llvm::ConstantPointerNull::get(llvm::PointerType::get(C, 0));
  auto array = [&](llvm::Type* t, const std::vector<llvm::Constant*>& items, const char* name) -> llvm::Constant* {
    if (items.empty()) return null;
    auto* arr_ty = llvm::ArrayType::get(t, items.size());
    return global(arr_ty, llvm::ConstantArray::get(arr_ty, items), name);
  };
  std::vector<llvm::Constant*> msgs, enums, ingresses, egresses;
  for (std::uint32_t i = 0; i < m_.messages.size(); ++i) msgs.push_back(msg_desc(i));
  for (std::uint32_t i = 0; i < m_.enums.size(); ++i) {
    // The enum type's descriptor creates the enum descriptor.
    for (TypeId t : m_.types)
      if (t->kind == TypeKind::Enum && t->decl == i) tdesc(t);
    if (enum_descs_.size() <= i || !enum_descs_[i]) {
      fail("enum " + m_.enums[i].name + " has no type");
      return null;
    }
    enums.push_back(enum_descs_[i]);
  }
  for (const auto& in : m_.ingresses)
    ingresses.push_back(llvm::ConstantStruct::get(
        ingress_ty, {cstr(in.name), llvm::ConstantInt::get(i32, in.message), body_fns[in.route]}));
  for (const auto& e : m_.egresses)
    egresses.push_back(llvm::ConstantStruct::get(egress_ty, {cstr(e.name), llvm::ConstantInt::get(i32, e.message)}));
  auto n = [&](std::size_t k) { return llvm::ConstantInt::get(i32, k); };
  auto* init = llvm::ConstantStruct::get(
      module_ty,
      {n(SFN_ABI_VERSION), cstr(m_.package), cstr(m_.version_hash), n(msgs.size()), array(ptr, msgs, "messages"),
       n(enums.size()), array(ptr, enums, "enums"), n(m_.functions.size()), function_descs(), n(ingresses.size()),
       array(ingress_ty, ingresses, "ingresses"), n(egresses.size()), array(egress_ty, egresses, "egresses")});
  return global(module_ty, init, "module");
}

// const sfn_module* sfn_module_v1(const sfn_services* s) { svc = s; sfn_rt_init(s); return &module; }
void ModuleLowering::define_entry(llvm::Constant* module) {
  auto* fn = llvm::Function::Create(llvm::FunctionType::get(ptr, {ptr}, false), llvm::GlobalValue::ExternalLinkage,
                                    SFN_MODULE_ENTRY_SYMBOL, M);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(C, "entry", fn));
  b.CreateStore(fn->getArg(0), svc_global);
  b.CreateCall(M.getOrInsertFunction("sfn_rt_init", llvm::FunctionType::get(void_ty, {ptr}, false)), {fn->getArg(0)});
  b.CreateRet(module);
}

bool ModuleLowering::run(std::string& error) {
  svc_global = new llvm::GlobalVariable(M, ptr, false, llvm::GlobalValue::InternalLinkage,
                                        llvm::ConstantPointerNull::get(llvm::PointerType::get(C, 0)), "sfn.svc");
  declare_bodies();
  for (std::size_t i = 0; i < m_.bodies.size() && !failed(); ++i) {
    BodyEmitter e(*this, body_fns[i], &m_.bodies[i]);
    e.emit_body();
  }
  if (!failed()) define_entry(module_desc());
  error = error_;
  return !failed();
}

}  // namespace sfn::codegen::llvm_backend
