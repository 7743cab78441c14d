// The LLVM backend, part 2: the value level of a body — slots, service calls, checks that raise,
// places and operands, and the generic value operations (init, destroy, copy, move, optionals,
// constants) with the semantics of codegen/cpp's helpers (stdlib/sfn_std.h).
#include <cstddef>

#include "codegen/llvm/lowering.h"
#include "compiler/ir/lower.h"
#include "sfn/abi.h"

#define SVC(name) offsetof(sfn_services, name)

namespace sfn::codegen::llvm_backend {

using check::TypeKind;
using ir::kNone;
using ir::Operand;
using ir::Place;
using ir::Step;

BodyEmitter::BodyEmitter(ModuleLowering& lowering, llvm::Function* fn, const ir::Body* body)
    : L(lowering), C(lowering.C), fn_(fn), b_(body), B(lowering.C), entry_(lowering.C) {
  entry_.SetInsertPoint(llvm::BasicBlock::Create(C, "entry", fn));
  start_ = block("start");
  exit_ = block("exit");
  fail_ = block("raised");
  status_ = entry_.CreateAlloca(L.i32, nullptr, "status");
  entry_.CreateStore(llvm::ConstantInt::get(L.i32, SFN_OK), status_);
  svc_ = entry_.CreateLoad(L.ptr, body ? fn->getArg(0) : static_cast<llvm::Value*>(L.svc_global), "svc");
  B.SetInsertPoint(start_);
}

llvm::BasicBlock* BodyEmitter::block(const char* name) { return llvm::BasicBlock::Create(C, name, fn_); }

llvm::Value* BodyEmitter::ctx() {
  if (!b_) {
    L.fail("an init function needs an invocation context");
    return llvm::ConstantPointerNull::get(llvm::PointerType::get(C, 0));
  }
  return fn_->getArg(0);
}

llvm::Value* BodyEmitter::temp(TypeId t, bool zero) {
  ir::Slot s = L.slot(t);
  auto* a = entry_.CreateAlloca(llvm::ArrayType::get(L.i8, std::max<std::uint32_t>(s.size, 1)));
  a->setAlignment(llvm::Align(std::max<std::uint32_t>(s.align, 1)));
  if (zero) memzero(a, s.size);
  return a;
}

void BodyEmitter::memzero(llvm::Value* p, std::uint64_t size) {
  if (size) B.CreateMemSet(p, llvm::ConstantInt::get(L.i8, 0), size, llvm::MaybeAlign(1));
}

void BodyEmitter::memcopy(llvm::Value* dst, llvm::Value* src, std::uint64_t size) {
  if (size) B.CreateMemCpy(dst, llvm::MaybeAlign(1), src, llvm::MaybeAlign(1), size);
}

llvm::Value* BodyEmitter::gep(llvm::Value* p, std::uint64_t offset) {
  if (offset == 0) return p;
  return B.CreateConstInBoundsGEP1_64(L.i8, p, offset);
}

llvm::Value* BodyEmitter::svc(std::size_t offset, llvm::Type* ret, std::vector<llvm::Value*> args) {
  std::vector<llvm::Type*> types;
  for (auto* a : args) types.push_back(a->getType());
  llvm::Value* fp = B.CreateLoad(L.ptr, gep(svc_, offset));
  return B.CreateCall(llvm::FunctionType::get(ret, types, false), fp, args);
}

llvm::Value* BodyEmitter::rt(const std::string& name, llvm::Type* ret, std::vector<llvm::Value*> args) {
  std::vector<llvm::Type*> types;
  for (auto* a : args) types.push_back(a->getType());
  return B.CreateCall(L.M.getOrInsertFunction(name, llvm::FunctionType::get(ret, types, false)), args);
}

llvm::Value* BodyEmitter::str_data(llvm::Value* s) { return B.CreateLoad(L.ptr, s); }
llvm::Value* BodyEmitter::str_len(llvm::Value* s) { return B.CreateLoad(L.i64, gep(s, 8)); }

void BodyEmitter::guard(llvm::Value* bad, const std::function<void()>& on_bad) {
  auto* err = block("error");
  auto* ok = block("ok");
  B.CreateCondBr(bad, err, ok);
  B.SetInsertPoint(err);
  on_bad();
  B.CreateBr(fail_);
  B.SetInsertPoint(ok);
}

void BodyEmitter::raise(const std::string& message, std::uint32_t loc) {
  svc(SVC(raise), L.i32, {ctx(), L.cstr(message), llvm::ConstantInt::get(L.i64, message.size()), L.loc(loc)});
}

void BodyEmitter::check_status(llvm::Value* status) {
  guard(B.CreateICmpNE(status, llvm::ConstantInt::get(status->getType(), SFN_OK)), [] {});
}

void BodyEmitter::check_error_text(llvm::Value* text, std::uint32_t loc) {
  guard(B.CreateIsNotNull(text), [&] { rt("sfn_rt_raise_text", L.i32, {ctx(), text, L.loc(loc)}); });
}

// ---------------------------------------------------------------------------- generic values

void BodyEmitter::value_init(TypeId t, llvm::Value* dst) { svc(SVC(value_init), L.void_ty, {L.tdesc(t), dst}); }
void BodyEmitter::destroy(TypeId t, llvm::Value* slot) { svc(SVC(value_destroy), L.void_ty, {L.tdesc(t), slot}); }

// dst := deep copy of src (the old value of dst freed; safe when src lives inside dst).
void BodyEmitter::copy(TypeId t, llvm::Value* dst, llvm::Value* src) {
  if (ir::is_trivial(t)) {
    B.CreateStore(B.CreateLoad(L.scalar_type(t), src), dst);
    return;
  }
  llvm::Value* tmp = temp(t);
  svc(SVC(value_copy), L.void_ty, {L.tdesc(t), tmp, src});
  destroy(t, dst);
  memcopy(dst, tmp, L.slot(t).size);
}

// dst := src, leaving src zeroed.
void BodyEmitter::move(TypeId t, llvm::Value* dst, llvm::Value* src) {
  destroy(t, dst);
  memcopy(dst, src, L.slot(t).size);
  memzero(src, L.slot(t).size);
}

void BodyEmitter::wrap(TypeId inner_t, llvm::Value* dst, llvm::Value* src) {
  if (inner_t->kind == TypeKind::Optional) {  // `T??` is `T?`: the value as it is
    copy(inner_t, dst, src);
    return;
  }
  if (inner_t->kind == TypeKind::Message) {
    rt("sfn_rt_wrap_message", L.void_ty, {L.tdesc(inner_t), dst, src});
    return;
  }
  copy(inner_t, gep(dst, L.slot(inner_t).align), src);
  B.CreateStore(llvm::ConstantInt::get(L.i8, 1), dst);
}

llvm::Value* BodyEmitter::present(TypeId opt, llvm::Value* a) {
  if (opt->elem->kind == TypeKind::Message) return B.CreateIsNotNull(B.CreateLoad(L.ptr, a));
  return B.CreateICmpNE(B.CreateLoad(L.i8, a), llvm::ConstantInt::get(L.i8, 0));
}

llvm::Value* BodyEmitter::inner(TypeId opt, llvm::Value* a) {
  if (opt->elem->kind == TypeKind::Message) return B.CreateLoad(L.ptr, a);
  return gep(a, L.slot(opt->elem).align);
}

llvm::Value* BodyEmitter::const_scalar(const ir::ConstValue& v, TypeId t) {
  using K = ir::ConstValue::Kind;
  const bool number = v.kind == K::Int || v.kind == K::Duration || v.kind == K::Time;
  const bool fits = t->kind == TypeKind::Float  ? number || v.kind == K::Float
                    : t->kind == TypeKind::Bool ? v.kind == K::Bool
                    : t->kind == TypeKind::Enum ? v.kind == K::Enum
                                                : number;
  if (!fits) L.fail("unsupported constant of type " + ir::type_name(L.m_, t));
  switch (t->kind) {
    case TypeKind::Float:
      return llvm::ConstantFP::get(L.f64, v.kind == K::Float ? v.f : static_cast<double>(v.i));
    case TypeKind::Bool:
      return llvm::ConstantInt::get(L.i8, v.b ? 1 : 0);
    case TypeKind::Enum:
      return llvm::ConstantInt::get(L.i32, v.i, true);
    default:
      return llvm::ConstantInt::get(L.scalar_type(t), v.i, true);
  }
}

// Writes constant `v` of type `t` into the zeroed (or default) slot `dst` (codegen/cpp's const_into).
void BodyEmitter::const_into(const ir::ConstValue& v, TypeId t, llvm::Value* dst) {
  using K = ir::ConstValue::Kind;
  if (v.kind == K::None) return;
  switch (t->kind) {
    case TypeKind::String:
    case TypeKind::Bytes:
    case TypeKind::Ref:
      svc(SVC(str_assign), L.void_ty, {dst, L.cstr(v.s), llvm::ConstantInt::get(L.i64, v.s.size())});
      return;
    case TypeKind::Optional:
      if (t->elem->kind == TypeKind::Message) {
        llvm::Value* tmp = temp(t->elem);
        const_into(v, t->elem, tmp);
        wrap(t->elem, dst, tmp);
        destroy(t->elem, tmp);
        return;
      }
      B.CreateStore(llvm::ConstantInt::get(L.i8, 1), dst);
      const_into(v, t->elem, gep(dst, L.slot(t->elem).align));
      return;
    case TypeKind::List:
      for (const auto& item : v.items) {
        llvm::Value* tmp = temp(t->elem);
        const_into(item, t->elem, tmp);
        svc(SVC(list_push), L.void_ty, {L.tdesc(t), dst, tmp});
      }
      return;
    case TypeKind::Map:
      for (std::size_t i = 0; i + 1 < v.items.size(); i += 2) {
        llvm::Value* k = temp(t->elem);
        const_into(v.items[i], t->elem, k);
        llvm::Value* val = temp(t->value);
        const_into(v.items[i + 1], t->value, val);
        llvm::Value* slot = svc(SVC(map_slot), L.ptr, {L.tdesc(t), dst, k});
        copy(t->value, slot, val);
        if (!L.plain(t->elem)) destroy(t->elem, k);
        if (!L.plain(t->value)) destroy(t->value, val);
      }
      return;
    case TypeKind::Message: {
      const auto& msg = L.m_.messages[t->decl];
      for (std::size_t i = 0; i < msg.fields.size() && i < v.items.size(); ++i)
        const_into(v.items[i], msg.fields[i].type, gep(dst, msg.fields[i].offset));
      return;
    }
    default:
      B.CreateStore(const_scalar(v, t), dst);
  }
}

// ---------------------------------------------------------------------------- places, operands

llvm::Value* BodyEmitter::var_addr(std::uint32_t v) {
  if (refs_[v]) return B.CreateLoad(L.ptr, refs_[v]);
  if (!slots_[v]) L.fail("variable without a slot");
  return slots_[v];
}

llvm::Value* BodyEmitter::place(const Place& p) {
  llvm::Value* a;
  TypeId cur;
  if (p.root == Place::Root::State) {
    cur = L.m_.functions[b_->function].states[p.index].type;
    a = svc(p.write ? SVC(state_mut) : SVC(state_get), L.ptr, {ctx(), llvm::ConstantInt::get(L.i32, p.index)});
  } else {
    cur = b_->vars[p.index].type;
    a = var_addr(p.index);
  }
  for (const auto& st : p.steps) {
    a = step(st, cur, a, p.write);
    cur = st.type;
  }
  return a;
}

llvm::Value* BodyEmitter::step(const Step& st, TypeId cur, llvm::Value* a, bool write) {
  switch (st.kind) {
    case Step::Kind::Field:
      return gep(a, L.field_offset(cur, st.field));
    case Step::Kind::ListIndex:
      return element(cur, a, scalar(*st.index), st.loc);
    case Step::Kind::MapKey: {
      llvm::Value* key = addr(*st.index);
      if (write) return svc(SVC(map_slot), L.ptr, {L.tdesc(cur), a, key});
      llvm::Value* found = svc(SVC(map_find), L.ptr, {L.tdesc(cur), a, key});
      guard(B.CreateIsNull(found),
            [&] { rt("sfn_rt_raise_missing_key", L.i32, {ctx(), L.tdesc(cur), key, L.loc(st.loc)}); });
      return found;
    }
  }
  return a;
}

// Address of element `index` of the list at `lst`; raises "index out of range" at `loc`.
llvm::Value* BodyEmitter::element(TypeId list, llvm::Value* lst, llvm::Value* index, std::uint32_t loc) {
  llvm::Value* len = B.CreateLoad(L.i64, gep(lst, 8));
  guard(B.CreateICmpUGE(index, len), [&] { rt("sfn_rt_raise_index", L.i32, {ctx(), index, len, L.loc(loc)}); });
  llvm::Value* data = B.CreateLoad(L.ptr, lst);
  return B.CreateInBoundsGEP(L.i8, data, B.CreateMul(index, llvm::ConstantInt::get(L.i64, L.stride(list->elem))));
}

llvm::Value* BodyEmitter::scalar(const Operand& op) {
  if (op.kind == Operand::Kind::Const) return const_scalar(op.value, op.type);
  return B.CreateLoad(L.scalar_type(op.type), place(op.place));
}

llvm::Value* BodyEmitter::addr(const Operand& op) {
  if (op.kind == Operand::Kind::Place) return place(op.place);
  if (ir::is_trivial(op.type)) {
    llvm::Value* tmp = temp(op.type, false);
    B.CreateStore(const_scalar(op.value, op.type), tmp);
    return tmp;
  }
  using K = ir::ConstValue::Kind;
  if (op.value.kind != K::String && op.value.kind != K::Bytes)
    L.fail("unsupported constant operand of type " + ir::type_name(L.m_, op.type));
  return L.str_const(op.value.s);
}

bool BodyEmitter::movable(const Operand& op) const {
  return op.kind == Operand::Kind::Place && op.place.root == Place::Root::Var && op.place.steps.empty() &&
         b_->vars[op.place.index].kind == ir::Var::Kind::Temp;
}

void BodyEmitter::put(TypeId t, llvm::Value* dst, const Operand& src, bool allow_move) {
  if (ir::is_trivial(t))
    B.CreateStore(scalar(src), dst);
  else if (allow_move && movable(src))
    move(t, dst, addr(src));
  else
    copy(t, dst, addr(src));
}

void BodyEmitter::push(TypeId list, llvm::Value* lst, const Operand& x) {
  llvm::Value* tmp = temp(list->elem);
  if (ir::is_trivial(list->elem))
    B.CreateStore(scalar(x), tmp);
  else
    svc(SVC(value_copy), L.void_ty, {L.tdesc(list->elem), tmp, addr(x)});
  svc(SVC(list_push), L.void_ty, {L.tdesc(list), lst, tmp});
}

}  // namespace sfn::codegen::llvm_backend
