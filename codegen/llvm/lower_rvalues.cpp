// The LLVM backend, part 3: rvalues. Scalar results are computed as SSA values (checked integer
// arithmetic raises "integer overflow", "division by zero", "remainder by zero" like
// sfn::gen::add/div/rem); other results are written into a destination slot through the
// service table and the helpers of stdlib/sfn_rt.h, one handler per kind of
// compiler/ir/rvalue_kinds.def.
#include <cstddef>

#include "codegen/llvm/lowering.h"
#include "compiler/ir/lower.h"
#include "sfn/abi.h"
#include "sfn_rt.h"

#define SVC(name) offsetof(sfn_services, name)

namespace sfn::codegen::llvm_backend {

using check::Builtin;
using check::Method;
using check::TypeKind;
using ir::BinOp;
using ir::kNone;
using ir::Rvalue;

namespace {
bool is_int64(TypeId t) {
  return t->kind == TypeKind::Int || t->kind == TypeKind::Time || t->kind == TypeKind::Duration;
}
}  // namespace

void BodyEmitter::rvalue_into(const Rvalue& r, llvm::Value* dst) {
  if (r.type && ir::is_trivial(r.type) && r.type->kind != TypeKind::Void) {
    if (llvm::Value* v = scalar_rvalue(r)) {
      if (dst) B.CreateStore(v, dst);
      return;
    }
  }
  // One handler per kind of compiler/ir/rvalue_kinds.def.
  ir::visit_kind(r.kind, [&](auto kind) { rvalue_into(r, kind, dst); }, [&] { unsupported(r); });
}

void BodyEmitter::unsupported(const Rvalue& r) {
  L.fail("unsupported operation (rvalue kind " + std::to_string(static_cast<int>(r.kind)) + ") of type " +
         (r.type ? ir::type_name(L.m_, r.type) : std::string("?")));
}

void BodyEmitter::rvalue_into(const Rvalue& r, ir::rvalue_kind::Use, llvm::Value* dst) {
  put(r.type, dst, r.args[0], true);
}

void BodyEmitter::rvalue_into(const Rvalue& r, ir::rvalue_kind::Zero, llvm::Value* dst) {
  if (r.type->kind == TypeKind::Message) value_init(r.type, dst);
}

void BodyEmitter::rvalue_into(const Rvalue& r, ir::rvalue_kind::Const, llvm::Value* dst) {
  if (r.type->kind == TypeKind::Message) value_init(r.type, dst);
  const_into(r.value, r.type, dst);
}

void BodyEmitter::rvalue_into(const Rvalue& r, ir::rvalue_kind::Binary, llvm::Value* dst) {
  if (r.bin != BinOp::Concat) return unsupported(r);
  if (r.type->kind == TypeKind::List)
    svc(SVC(list_concat), L.void_ty, {L.tdesc(r.type), dst, addr(r.args[0]), addr(r.args[1])});
  else
    svc(SVC(str_concat), L.void_ty, {dst, addr(r.args[0]), addr(r.args[1])});
}

void BodyEmitter::rvalue_into(const Rvalue& r, ir::rvalue_kind::Unary, llvm::Value*) { unsupported(r); }

void BodyEmitter::rvalue_into(const Rvalue& r, ir::rvalue_kind::Wrap, llvm::Value* dst) {
  wrap(r.type->elem, dst, addr(r.args[0]));
}

void BodyEmitter::rvalue_into(const Rvalue& r, ir::rvalue_kind::Unwrap, llvm::Value* dst) {
  llvm::Value* opt = addr(r.args[0]);
  guard(B.CreateNot(present(r.args[0].type, opt)), [&] { raise("unwrap of none", r.loc); });
  copy(r.type, dst, inner(r.args[0].type, opt));
}

void BodyEmitter::rvalue_into(const Rvalue& r, ir::rvalue_kind::IsPresent, llvm::Value*) { unsupported(r); }

void BodyEmitter::rvalue_into(const Rvalue& r, ir::rvalue_kind::GetUnchecked, llvm::Value* dst) {
  copy(r.type, dst, inner(r.args[0].type, addr(r.args[0])));
}

void BodyEmitter::rvalue_into(const Rvalue& r, ir::rvalue_kind::Format, llvm::Value* dst) { format_into(r, dst); }

void BodyEmitter::rvalue_into(const Rvalue& r, ir::rvalue_kind::Builtin, llvm::Value* dst) {
  if (!builtin_into(r, dst)) unsupported(r);
}

void BodyEmitter::rvalue_into(const Rvalue& r, ir::rvalue_kind::Method, llvm::Value* dst) {
  if (!method_into(r, dst)) unsupported(r);
}

void BodyEmitter::rvalue_into(const Rvalue& r, ir::rvalue_kind::CallFn, llvm::Value* dst) { call_into(r, dst); }

void BodyEmitter::rvalue_into(const Rvalue& r, ir::rvalue_kind::Address, llvm::Value* dst) {
  const auto& fn = L.m_.functions[r.index];
  if (fn.int_key)
    svc(SVC(ref_int), L.void_ty, {L.cstr(fn.type_name), scalar(r.args[0]), dst});
  else
    svc(SVC(ref_str), L.void_ty, {L.cstr(fn.type_name), addr(r.args[0]), dst});
}

void BodyEmitter::rvalue_into(const Rvalue& r, ir::rvalue_kind::Self, llvm::Value* dst) {
  copy(r.type, dst, svc(SVC(self), L.ptr, {ctx()}));
}

void BodyEmitter::rvalue_into(const Rvalue& r, ir::rvalue_kind::Now, llvm::Value*) { unsupported(r); }

void BodyEmitter::rvalue_into(const Rvalue& r, ir::rvalue_kind::MakeMessage, llvm::Value* dst) {
  const auto& msg = L.m_.messages[r.index];
  if (r.args.size() < msg.fields.size()) value_init(r.type, dst);
  for (std::size_t i = 0; i < r.args.size(); ++i) {
    const auto& f = msg.fields[r.fields[i]];
    put(f.type, gep(dst, f.offset), r.args[i], true);
  }
}

void BodyEmitter::rvalue_into(const Rvalue& r, ir::rvalue_kind::MakeList, llvm::Value* dst) {
  for (const auto& a : r.args) push(r.type, dst, a);
}

void BodyEmitter::rvalue_into(const Rvalue& r, ir::rvalue_kind::MakeMap, llvm::Value* dst) {
  for (std::size_t i = 0; i + 1 < r.args.size(); i += 2) {
    llvm::Value* slot = svc(SVC(map_slot), L.ptr, {L.tdesc(r.type), dst, addr(r.args[i])});
    put(r.type->value, slot, r.args[i + 1], false);
  }
}

llvm::Value* BodyEmitter::scalar_rvalue(const Rvalue& r) {
  auto zext = [&](llvm::Value* c) { return B.CreateZExt(c, L.i8); };
  switch (r.kind) {
    case Rvalue::Kind::Use:
      return scalar(r.args[0]);
    case Rvalue::Kind::Zero:
      return llvm::Constant::getNullValue(L.scalar_type(r.type));
    case Rvalue::Kind::Const:
      return const_scalar(r.value, r.type);
    case Rvalue::Kind::Binary:
      return binary(r);
    case Rvalue::Kind::Unary: {
      llvm::Value* a = scalar(r.args[0]);
      if (r.un == ir::UnOp::Not) return zext(B.CreateICmpEQ(a, llvm::ConstantInt::get(a->getType(), 0)));
      if (is_int64(r.type)) return checked_neg(a, r.loc);
      return B.CreateFNeg(a);
    }
    case Rvalue::Kind::IsPresent:
      return zext(present(r.args[0].type, addr(r.args[0])));
    case Rvalue::Kind::GetUnchecked:
      return B.CreateLoad(L.scalar_type(r.type), inner(r.args[0].type, addr(r.args[0])));
    case Rvalue::Kind::Now:
      return svc(SVC(now), L.i64, {ctx()});
    case Rvalue::Kind::Builtin:
      return builtin_scalar(r);
    case Rvalue::Kind::Method:
      return method_scalar(r);
    default:
      return nullptr;
  }
}

llvm::Value* BodyEmitter::binary(const Rvalue& r) {
  TypeId lt = r.args[0].type;
  if (r.bin >= BinOp::Eq && r.bin <= BinOp::Ge) {
    const int k = static_cast<int>(r.bin) - static_cast<int>(BinOp::Eq);
    using P = llvm::CmpInst::Predicate;
    static const P fp[] = {P::FCMP_OEQ, P::FCMP_UNE, P::FCMP_OLT, P::FCMP_OLE, P::FCMP_OGT, P::FCMP_OGE};
    static const P up[] = {P::ICMP_EQ, P::ICMP_NE, P::ICMP_ULT, P::ICMP_ULE, P::ICMP_UGT, P::ICMP_UGE};
    static const P sp[] = {P::ICMP_EQ, P::ICMP_NE, P::ICMP_SLT, P::ICMP_SLE, P::ICMP_SGT, P::ICMP_SGE};
    llvm::Value* c;
    if (ir::is_trivial(lt)) {
      llvm::Value* a = scalar(r.args[0]);
      llvm::Value* b = scalar(r.args[1]);
      if (lt->kind == TypeKind::Float)
        c = B.CreateFCmp(fp[k], a, b);
      else
        c = B.CreateICmp(lt->kind == TypeKind::Bool ? up[k] : sp[k], a, b);
    } else if (r.bin == BinOp::Eq || r.bin == BinOp::Ne) {
      llvm::Value* eq = svc(SVC(value_equal), L.i32, {L.tdesc(lt), addr(r.args[0]), addr(r.args[1])});
      c = B.CreateICmp(r.bin == BinOp::Eq ? P::ICMP_NE : P::ICMP_EQ, eq, llvm::ConstantInt::get(L.i32, 0));
    } else {
      llvm::Value* cmp = svc(SVC(value_compare), L.i32, {L.tdesc(lt), addr(r.args[0]), addr(r.args[1])});
      c = B.CreateICmp(sp[k], cmp, llvm::ConstantInt::get(L.i32, 0));
    }
    return B.CreateZExt(c, L.i8);
  }
  llvm::Value* a = scalar(r.args[0]);
  llvm::Value* b = scalar(r.args[1]);
  if (r.type->kind == TypeKind::Float) {
    switch (r.bin) {
      case BinOp::Add:
        return B.CreateFAdd(a, b);
      case BinOp::Sub:
        return B.CreateFSub(a, b);
      case BinOp::Mul:
        return B.CreateFMul(a, b);
      case BinOp::Div:
        return B.CreateFDiv(a, b);
      case BinOp::Rem:
        return B.CreateFRem(a, b);
      default:
        break;
    }
  }
  if (!a->getType()->isIntegerTy(64) || !b->getType()->isIntegerTy(64)) {
    L.fail("unsupported arithmetic on " + ir::type_name(L.m_, lt));
    return llvm::ConstantInt::get(L.i64, 0);
  }
  return checked_int(r.bin, a, b, r.loc);
}

llvm::Value* BodyEmitter::checked_int(BinOp op, llvm::Value* a, llvm::Value* b, std::uint32_t loc) {
  auto* zero = llvm::ConstantInt::get(L.i64, 0);
  auto* minus_one = llvm::ConstantInt::get(L.i64, -1, true);
  auto overflow_op = [&](llvm::Intrinsic::ID id) {
    llvm::Value* pair = B.CreateBinaryIntrinsic(id, a, b);
    guard(B.CreateExtractValue(pair, 1), [&] { raise("integer overflow", loc); });
    return B.CreateExtractValue(pair, 0);
  };
  switch (op) {
    case BinOp::Add:
      return overflow_op(llvm::Intrinsic::sadd_with_overflow);
    case BinOp::Sub:
      return overflow_op(llvm::Intrinsic::ssub_with_overflow);
    case BinOp::Mul:
      return overflow_op(llvm::Intrinsic::smul_with_overflow);
    case BinOp::Div:
      guard(B.CreateICmpEQ(b, zero), [&] { raise("division by zero", loc); });
      guard(
          B.CreateAnd(B.CreateICmpEQ(a, llvm::ConstantInt::get(L.i64, INT64_MIN, true)), B.CreateICmpEQ(b, minus_one)),
          [&] { raise("integer overflow", loc); });
      return B.CreateSDiv(a, b);
    case BinOp::Rem: {
      guard(B.CreateICmpEQ(b, zero), [&] { raise("remainder by zero", loc); });
      llvm::Value* is_m1 = B.CreateICmpEQ(b, minus_one);
      llvm::Value* safe = B.CreateSelect(is_m1, llvm::ConstantInt::get(L.i64, 1), b);
      return B.CreateSelect(is_m1, zero, B.CreateSRem(a, safe));
    }
    default:
      L.fail("unsupported integer operator");
      return zero;
  }
}

llvm::Value* BodyEmitter::checked_neg(llvm::Value* a, std::uint32_t loc) {
  guard(B.CreateICmpEQ(a, llvm::ConstantInt::get(L.i64, INT64_MIN, true)), [&] { raise("integer overflow", loc); });
  return B.CreateNSWNeg(a);
}

llvm::Value* BodyEmitter::builtin_scalar(const Rvalue& r) {
  switch (r.builtin) {
    case Builtin::Min:
    case Builtin::Max: {
      llvm::Value* a = scalar(r.args[0]);
      llvm::Value* b = scalar(r.args[1]);
      if (a->getType()->isDoubleTy())  // NaN and signed zeros: one definition in sfn_rt
        return rt(r.builtin == Builtin::Min ? "sfn_rt_min_float" : "sfn_rt_max_float", L.f64, {a, b});
      // std::min(a, b) = b < a ? b : a; std::max(a, b) = a < b ? b : a.
      llvm::Value *x = r.builtin == Builtin::Min ? b : a, *y = r.builtin == Builtin::Min ? a : b;
      return B.CreateSelect(B.CreateICmpSLT(x, y), b, a);
    }
    case Builtin::Abs: {
      llvm::Value* a = scalar(r.args[0]);
      if (!is_int64(r.type)) return B.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, a);
      llvm::Value* neg = B.CreateICmpSLT(a, llvm::ConstantInt::get(L.i64, 0));
      llvm::Value* negated = checked_neg(a, r.loc);
      return B.CreateSelect(neg, negated, a);
    }
    case Builtin::ToInt: {
      llvm::Value* a = scalar(r.args[0]);
      TypeKind from = r.args[0].type->kind;
      if (from == TypeKind::Float) {
        llvm::Value* out = temp(r.type, false);
        check_status(rt("sfn_rt_float_to_int", L.i32, {ctx(), a, out, L.loc(r.loc)}));
        return B.CreateLoad(L.i64, out);
      }
      return from == TypeKind::Bool ? B.CreateZExt(a, L.i64) : B.CreateSExtOrTrunc(a, L.i64);
    }
    case Builtin::ToFloat: {
      llvm::Value* a = scalar(r.args[0]);
      if (a->getType()->isDoubleTy()) return a;
      return r.args[0].type->kind == TypeKind::Bool ? B.CreateUIToFP(a, L.f64) : B.CreateSIToFP(a, L.f64);
    }
    case Builtin::TimeFromUnixMillis:
      return checked_int(BinOp::Mul, scalar(r.args[0]), llvm::ConstantInt::get(L.i64, 1000000), r.loc);
    default:
      return nullptr;
  }
}

llvm::Value* BodyEmitter::method_scalar(const Rvalue& r) {
  auto len = [&] { return B.CreateLoad(L.i64, gep(addr(r.args[0]), 8)); };
  auto flag = [&](llvm::Value* v) {
    return B.CreateZExt(B.CreateICmpNE(v, llvm::ConstantInt::get(v->getType(), 0)), L.i8);
  };
  auto mega = llvm::ConstantInt::get(L.i64, 1000000);
  switch (r.method) {
    case Method::StrLen:
    case Method::ListLen:
    case Method::MapLen:
      return len();
    case Method::ListIsEmpty:
    case Method::MapIsEmpty:
      return B.CreateZExt(B.CreateICmpEQ(len(), llvm::ConstantInt::get(L.i64, 0)), L.i8);
    case Method::StrContains:
      return flag(svc(SVC(str_contains), L.i32, {addr(r.args[0]), addr(r.args[1])}));
    case Method::StrStartsWith:
      return flag(svc(SVC(str_starts_with), L.i32, {addr(r.args[0]), addr(r.args[1])}));
    case Method::StrEndsWith:
      return flag(svc(SVC(str_ends_with), L.i32, {addr(r.args[0]), addr(r.args[1])}));
    case Method::ListContains:
      return flag(svc(SVC(list_contains), L.i32, {L.tdesc(r.args[0].type), addr(r.args[0]), addr(r.args[1])}));
    case Method::MapContains: {
      llvm::Value* found = svc(SVC(map_find), L.ptr, {L.tdesc(r.args[0].type), addr(r.args[0]), addr(r.args[1])});
      return B.CreateZExt(B.CreateIsNotNull(found), L.i8);
    }
    case Method::TimeUnixMillis: {  // floor division by 10^6
      llvm::Value* a = scalar(r.args[0]);
      llvm::Value* q = B.CreateSDiv(a, mega);
      llvm::Value* adjust = B.CreateAnd(B.CreateICmpNE(B.CreateSRem(a, mega), llvm::ConstantInt::get(L.i64, 0)),
                                        B.CreateICmpSLT(a, llvm::ConstantInt::get(L.i64, 0)));
      return B.CreateSub(q, B.CreateZExt(adjust, L.i64));
    }
    case Method::DurationMillis:
      return B.CreateSDiv(scalar(r.args[0]), mega);
    case Method::DurationSeconds:
      return B.CreateFDiv(B.CreateSIToFP(scalar(r.args[0]), L.f64), llvm::ConstantFP::get(L.f64, 1e9));
    default:
      return nullptr;
  }
}

bool BodyEmitter::builtin_into(const Rvalue& r, llvm::Value* dst) {
  switch (r.builtin) {
    case Builtin::Log: {
      llvm::Value* s = addr(r.args[0]);
      svc(SVC(log), L.void_ty, {ctx(), str_data(s), str_len(s)});
      return true;
    }
    case Builtin::ToString: {
      TypeKind from = r.args[0].type->kind;
      if (from == TypeKind::Bytes) {
        llvm::Value* err = svc(SVC(str_from_bytes), L.ptr, {addr(r.args[0]), dst});
        guard(B.CreateIsNotNull(err), [&] { raise("invalid UTF-8", r.loc); });
      } else if (from == TypeKind::String) {
        put(r.type, dst, r.args[0], true);
      } else {
        svc(SVC(value_format), L.void_ty, {L.tdesc(r.args[0].type), addr(r.args[0]), dst});
      }
      return true;
    }
    case Builtin::ToBytes:
      copy(r.type, dst, addr(r.args[0]));
      return true;
    default:
      return false;
  }
}

void BodyEmitter::list_insert(const Rvalue& r) {
  TypeId rt_type = r.args[0].type;
  llvm::Value* lst = addr(r.args[0]);
  llvm::Value* i = scalar(r.args[1]);
  llvm::Value* len = B.CreateLoad(L.i64, gep(lst, 8));
  guard(B.CreateICmpUGT(i, len), [&] { rt("sfn_rt_raise_insert_index", L.i32, {ctx(), i, len, L.loc(r.loc)}); });
  llvm::Value* tmp = temp(rt_type->elem);
  copy(rt_type->elem, tmp, addr(r.args[2]));
  llvm::Value* err = svc(SVC(list_insert), L.ptr, {L.tdesc(rt_type), lst, i, tmp});
  guard(B.CreateIsNotNull(err), [&] {
    destroy(rt_type->elem, tmp);
    rt("sfn_rt_raise_text", L.i32, {ctx(), err, L.loc(r.loc)});
  });
}

void BodyEmitter::list_remove_at(const Rvalue& r) {
  llvm::Value* lst = addr(r.args[0]);
  llvm::Value* i = scalar(r.args[1]);
  llvm::Value* len = B.CreateLoad(L.i64, gep(lst, 8));
  guard(B.CreateICmpUGE(i, len), [&] { rt("sfn_rt_raise_index", L.i32, {ctx(), i, len, L.loc(r.loc)}); });
  check_error_text(svc(SVC(list_remove_at), L.ptr, {L.tdesc(r.args[0].type), lst, i}), r.loc);
}

void BodyEmitter::list_end_into(const Rvalue& r, llvm::Value* dst) {
  TypeId rt_type = r.args[0].type;
  llvm::Value* lst = addr(r.args[0]);
  llvm::Value* len = B.CreateLoad(L.i64, gep(lst, 8));
  auto* some = block("nonempty");
  auto* done = block("first.done");
  B.CreateCondBr(B.CreateICmpNE(len, llvm::ConstantInt::get(L.i64, 0)), some, done);
  B.SetInsertPoint(some);
  llvm::Value* index = r.method == Method::ListLast ? B.CreateSub(len, llvm::ConstantInt::get(L.i64, 1))
                                                    : llvm::ConstantInt::get(L.i64, 0);
  llvm::Value* data = B.CreateLoad(L.ptr, lst);
  wrap(rt_type->elem, dst,
       B.CreateInBoundsGEP(L.i8, data, B.CreateMul(index, llvm::ConstantInt::get(L.i64, L.stride(rt_type->elem)))));
  B.CreateBr(done);
  B.SetInsertPoint(done);
}

void BodyEmitter::map_get_into(const Rvalue& r, llvm::Value* dst) {
  TypeId rt_type = r.args[0].type;
  llvm::Value* found = svc(SVC(map_find), L.ptr, {L.tdesc(rt_type), addr(r.args[0]), addr(r.args[1])});
  auto* some = block("found");
  auto* done = block("get.done");
  B.CreateCondBr(B.CreateIsNotNull(found), some, done);
  B.SetInsertPoint(some);
  wrap(rt_type->value, dst, found);
  B.CreateBr(done);
  B.SetInsertPoint(done);
}

bool BodyEmitter::method_into(const Rvalue& r, llvm::Value* dst) {
  TypeId rt_type = r.args[0].type;
  auto a = [&](std::size_t i) { return addr(r.args[i]); };
  auto td = [&] { return L.tdesc(rt_type); };
  switch (r.method) {
    case Method::StrSplit:
      svc(SVC(str_split), L.void_ty, {a(0), a(1), dst});
      return true;
    case Method::StrTrim:
      svc(SVC(str_trim), L.void_ty, {a(0), dst});
      return true;
    case Method::StrUpper:
      svc(SVC(str_upper), L.void_ty, {a(0), dst});
      return true;
    case Method::StrLower:
      svc(SVC(str_lower), L.void_ty, {a(0), dst});
      return true;
    case Method::StrReplace:
      svc(SVC(str_replace), L.void_ty, {a(0), a(1), a(2), dst});
      return true;
    case Method::StrSubstring:
      check_error_text(svc(SVC(str_substring), L.ptr, {a(0), scalar(r.args[1]), scalar(r.args[2]), dst}), r.loc);
      return true;
    case Method::ListPush:
      push(rt_type, a(0), r.args[1]);
      return true;
    case Method::ListPop:
      svc(SVC(list_pop), L.void_ty, {td(), a(0), dst});
      return true;
    case Method::ListInsert:
      list_insert(r);
      return true;
    case Method::ListRemoveAt:
      list_remove_at(r);
      return true;
    case Method::ListClear:
      svc(SVC(list_clear), L.void_ty, {td(), a(0)});
      return true;
    case Method::ListFirst:
    case Method::ListLast:
      list_end_into(r, dst);
      return true;
    case Method::MapGet:
      map_get_into(r, dst);
      return true;
    case Method::MapRemove:
      svc(SVC(map_remove), L.i32, {td(), a(0), a(1)});
      return true;
    case Method::MapKeys:
      svc(SVC(map_keys), L.void_ty, {td(), a(0), dst});
      return true;
    case Method::MapValues:
      svc(SVC(map_values), L.void_ty, {td(), a(0), dst});
      return true;
    case Method::MapClear:
      svc(SVC(map_clear), L.void_ty, {td(), a(0)});
      return true;
    default:
      return false;
  }
}

void BodyEmitter::call_into(const Rvalue& r, llvm::Value* dst) {
  const bool has_out = r.type && r.type->kind != TypeKind::Void;
  if (L.m_.fn_body[r.index] != kNone) {
    const ir::Body& callee = L.m_.bodies[L.m_.fn_body[r.index]];
    std::vector<llvm::Value*> args = {ctx()};
    if (has_out) args.push_back(dst);
    for (std::size_t i = 0; i < r.args.size(); ++i)
      args.push_back(ir::is_trivial(callee.vars[callee.params[i]].type) ? scalar(r.args[i]) : addr(r.args[i]));
    check_status(B.CreateCall(L.body_fns[L.m_.fn_body[r.index]], args));
    return;
  }
  const auto& ex = L.m_.externs[r.index];
  if (!sfn_rt_std_lookup(ex.module.c_str(), ex.name.c_str())) {
    L.fail("extern fn `" + ex.module + "." + ex.name + "` has no implementation in stdlib/sfn_rt.h");
    return;
  }
  llvm::Value* argv =
      entry_.CreateAlloca(L.ptr, llvm::ConstantInt::get(L.i64, std::max<std::size_t>(r.args.size(), 1)));
  for (std::size_t i = 0; i < r.args.size(); ++i)
    B.CreateStore(addr(r.args[i]), B.CreateConstInBoundsGEP1_64(L.ptr, argv, i));
  llvm::Value* out = has_out ? dst : llvm::ConstantPointerNull::get(llvm::PointerType::get(C, 0));
  check_status(rt("sfn_std_" + ex.module + "_" + ex.name, L.i32, {ctx(), L.loc(r.loc), out, argv}));
}

void BodyEmitter::format_into(const Rvalue& r, llvm::Value* dst) {
  const std::size_t n = r.pieces.size();
  auto* arr_ty = llvm::ArrayType::get(L.piece_ty, std::max<std::size_t>(n, 1));
  llvm::Value* pieces = entry_.CreateAlloca(arr_ty);
  llvm::Value* null = llvm::ConstantPointerNull::get(llvm::PointerType::get(C, 0));
  for (std::size_t i = 0; i < n; ++i) {
    llvm::Value* p = B.CreateConstInBoundsGEP2_64(arr_ty, pieces, 0, i);
    const bool text = r.piece_arg[i] < 0;
    const ir::Operand* op = text ? nullptr : &r.args[r.piece_arg[i]];
    B.CreateStore(text ? L.cstr(r.pieces[i]) : null, B.CreateStructGEP(L.piece_ty, p, 0));
    B.CreateStore(llvm::ConstantInt::get(L.i64, text ? r.pieces[i].size() : 0), B.CreateStructGEP(L.piece_ty, p, 1));
    B.CreateStore(text ? null : static_cast<llvm::Value*>(L.tdesc(op->type)), B.CreateStructGEP(L.piece_ty, p, 2));
    B.CreateStore(text ? null : addr(*op), B.CreateStructGEP(L.piece_ty, p, 3));
  }
  rt("sfn_rt_interpolate", L.void_ty, {dst, pieces, llvm::ConstantInt::get(L.i64, n)});
}

}  // namespace sfn::codegen::llvm_backend
