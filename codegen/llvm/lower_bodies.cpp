// The LLVM backend, part 4: statements and control flow of handler, fn and route bodies, one
// handler per kind of compiler/ir/stmt_kinds.def. Each
// variable has one slot for the whole invocation (zeroed in the entry block); a definition inside
// a loop frees the previous iteration's value first, and the exit block frees what is left, so
// returns and raised errors (which branch to the `raised` block, then to the exit) never leak.
#include <algorithm>
#include <cstddef>

#include <llvm/IR/MDBuilder.h>

#include "codegen/llvm/lowering.h"
#include "compiler/ir/lower.h"
#include "sfn/abi.h"

#define SVC(name) offsetof(sfn_services, name)

namespace sfn::codegen::llvm_backend {

using check::TypeKind;
using ir::kNone;
using ir::Stmt;
using ir::Var;

void BodyEmitter::setup_vars() {
  const auto& vars = b_->vars;
  slots_.assign(vars.size(), nullptr);
  refs_.assign(vars.size(), nullptr);
  const bool has_out = b_->kind == ir::Body::Kind::Fn && b_->return_type && b_->return_type->kind != TypeKind::Void;
  auto ref_to = [&](std::uint32_t v, llvm::Value* p) {
    refs_[v] = entry_.CreateAlloca(L.ptr);
    B.CreateStore(p, refs_[v]);
  };
  for (std::uint32_t v = 0; v < vars.size(); ++v) {
    TypeId t = vars[v].type;
    switch (vars[v].kind) {
      case Var::Kind::MessageParam:
        ref_to(v, arg(1));
        break;
      case Var::Kind::Param: {
        unsigned pos = 0;
        while (pos < b_->params.size() && b_->params[pos] != v) ++pos;
        llvm::Value* a = arg(1 + (has_out ? 1 : 0) + pos);
        if (ir::is_trivial(t)) {
          slots_[v] = temp(t, false);
          B.CreateStore(a, slots_[v]);
        } else {
          ref_to(v, a);
        }
        break;
      }
      case Var::Kind::Key:
        if (L.m_.functions[b_->function].int_key) {
          slots_[v] = temp(t, false);
          B.CreateStore(svc(SVC(key_int), L.i64, {ctx()}), slots_[v]);
        } else {
          ref_to(v, svc(SVC(key_str), L.ptr, {ctx()}));
        }
        break;
      case Var::Kind::ForVar:
        break;  // bound by its loop
      case Var::Kind::Local:
      case Var::Kind::Temp:
        if (t && t->kind != TypeKind::Void) {
          llvm::IRBuilderBase::InsertPointGuard g(B);
          B.SetInsertPoint(entry_.GetInsertBlock());
          slots_[v] = temp(t, true);
        }
        break;
    }
  }
}

void BodyEmitter::emit_body() {
  L.where = L.m_.source_file + ":" + std::to_string(b_->line) + ", `" + b_->name + "`";
  setup_vars();
  if (b_->kind == ir::Body::Kind::Fn) enter_fn();
  block_stmts(b_->body);
  finish();
}

// One unit of the invocation budget (sfn/abi_services.h): --ctx->fuel, and the refuel service
// (rarely: once per slice) when it drops below zero.
void BodyEmitter::tick(std::uint32_t loc) {
  if (loc == kNone) return L.fail("a loop or fn without the location of its budget check");
  llvm::Value* fuel = gep(ctx(), offsetof(sfn_ctx, fuel));
  llvm::Value* left = B.CreateSub(B.CreateLoad(L.i64, fuel), llvm::ConstantInt::get(L.i64, 1));
  B.CreateStore(left, fuel);
  auto* refuel = block("refuel");
  auto* fueled = block("fueled");
  B.CreateCondBr(B.CreateICmpSLT(left, llvm::ConstantInt::get(L.i64, 0)), refuel, fueled,
                 llvm::MDBuilder(C).createBranchWeights(1, 1 << 20));
  B.SetInsertPoint(refuel);
  check_status(svc(SVC(refuel), L.i32, {ctx(), L.loc(loc)}));
  B.CreateBr(fueled);
  B.SetInsertPoint(fueled);
}

// A fn call takes a level of depth (given back in the exit block, see finish) and a unit of fuel.
void BodyEmitter::enter_fn() {
  llvm::Value* depth = gep(ctx(), offsetof(sfn_ctx, depth));
  llvm::Value* d = B.CreateAdd(B.CreateLoad(L.i32, depth), llvm::ConstantInt::get(L.i32, 1));
  B.CreateStore(d, depth);
  llvm::Value* max = B.CreateLoad(L.i32, gep(ctx(), offsetof(sfn_ctx, max_depth)));
  guard(B.CreateICmpUGT(d, max), [&] { rt("sfn_rt_raise_depth", L.i32, {ctx(), L.loc(b_->loc)}); });
  tick(b_->loc);
}

void BodyEmitter::finish() {
  if (!B.GetInsertBlock()->getTerminator()) B.CreateBr(exit_);
  B.SetInsertPoint(fail_);
  B.CreateStore(llvm::ConstantInt::get(L.i32, SFN_RAISED), status_);
  B.CreateBr(exit_);
  B.SetInsertPoint(exit_);
  if (b_ && b_->kind == ir::Body::Kind::Fn) {
    llvm::Value* depth = gep(ctx(), offsetof(sfn_ctx, depth));
    B.CreateStore(B.CreateSub(B.CreateLoad(L.i32, depth), llvm::ConstantInt::get(L.i32, 1)), depth);
  }
  if (b_) {
    for (std::uint32_t v = 0; v < slots_.size(); ++v) {
      const Var& var = b_->vars[v];
      if (slots_[v] && (var.kind == Var::Kind::Local || var.kind == Var::Kind::Temp) && !L.plain(var.type))
        destroy(var.type, slots_[v]);
    }
  }
  if (fn_->getReturnType()->isVoidTy())
    B.CreateRetVoid();
  else
    B.CreateRet(B.CreateLoad(L.i32, status_));
  entry_.CreateBr(start_);
}

void BodyEmitter::jump(llvm::BasicBlock* to) {
  B.CreateBr(to);
  B.SetInsertPoint(block("dead"));
}

void BodyEmitter::block_stmts(const ir::Block& blk) {
  for (const auto& s : blk) {
    if (L.failed()) return;
    stmt(s);
  }
}

void BodyEmitter::stmt(const Stmt& s) {
  L.where = L.m_.source_file + ":" + std::to_string(s.line) + ", `" + b_->name + "`";
  // One handler per kind of compiler/ir/stmt_kinds.def.
  ir::visit_kind(s.kind, [&](auto kind) { stmt(s, kind); }, [] {});
}

void BodyEmitter::stmt(const Stmt&, ir::stmt_kind::Break) { jump(loops_.back().brk); }

void BodyEmitter::stmt(const Stmt&, ir::stmt_kind::Continue) { jump(loops_.back().cont); }

void BodyEmitter::stmt(const Stmt& s, ir::stmt_kind::Emit) {
  svc(SVC(emit), L.void_ty, {ctx(), llvm::ConstantInt::get(L.i32, s.index), var_addr(s.var)});
}

void BodyEmitter::stmt(const Stmt& s, ir::stmt_kind::Cancel) { svc(SVC(cancel), L.void_ty, {ctx(), addr(s.args[0])}); }

void BodyEmitter::stmt(const Stmt& s, ir::stmt_kind::Clear) {
  svc(SVC(state_clear), L.void_ty, {ctx(), llvm::ConstantInt::get(L.i32, s.index == kNone ? UINT32_MAX : s.index)});
}

void BodyEmitter::stmt(const Stmt& s, ir::stmt_kind::Fail) {
  llvm::Value* text = addr(s.args[0]);
  svc(SVC(raise), L.i32, {ctx(), str_data(text), str_len(text), L.loc(s.loc)});
  jump(fail_);
}

void BodyEmitter::stmt(const Stmt& s, ir::stmt_kind::Def) {
  const Var& v = b_->vars[s.var];
  llvm::Value* slot = slots_[s.var];
  if (!ir::is_trivial(v.type) && loop_depth_ > 0) {  // the previous iteration's value
    if (L.plain(v.type))
      memzero(slot, L.slot(v.type).size);
    else
      destroy(v.type, slot);
  }
  rvalue_into(s.value, slot);
}

void BodyEmitter::stmt(const Stmt& s, ir::stmt_kind::Assign) {
  TypeId t = s.place.type;
  if (ir::is_trivial(t)) {
    llvm::Value* value = scalar(s.src);
    B.CreateStore(value, place(s.place));
    return;
  }
  llvm::Value* src = addr(s.src);
  llvm::Value* dst = place(s.place);
  if (s.move && movable(s.src))
    move(t, dst, src);
  else
    copy(t, dst, src);
}

void BodyEmitter::stmt(const Stmt& s, ir::stmt_kind::Eval) {
  const ir::Rvalue& r = s.value;
  if (!r.type || r.type->kind == TypeKind::Void) {
    rvalue_into(r, nullptr);
    return;
  }
  llvm::Value* tmp = temp(r.type);
  rvalue_into(r, tmp);
  if (!L.plain(r.type)) destroy(r.type, tmp);
}

void BodyEmitter::stmt(const Stmt& s, ir::stmt_kind::If) {
  llvm::Value* cond = B.CreateICmpNE(scalar(s.src), llvm::ConstantInt::get(L.i8, 0));
  auto* then_bb = block("then");
  auto* else_bb = block("else");
  auto* merge = block("endif");
  B.CreateCondBr(cond, then_bb, else_bb);
  B.SetInsertPoint(then_bb);
  block_stmts(s.then_block);
  if (!B.GetInsertBlock()->getTerminator()) B.CreateBr(merge);
  B.SetInsertPoint(else_bb);
  block_stmts(s.else_block);
  if (!B.GetInsertBlock()->getTerminator()) B.CreateBr(merge);
  B.SetInsertPoint(merge);
}

// The body of a loop: `break` goes to `after`, `continue` to `next`, falling off the end too.
void BodyEmitter::loop_body(const ir::Block& body, llvm::BasicBlock* after, llvm::BasicBlock* next) {
  loops_.push_back({after, next});
  ++loop_depth_;
  block_stmts(body);
  --loop_depth_;
  loops_.pop_back();
  if (!B.GetInsertBlock()->getTerminator()) B.CreateBr(next);
}

void BodyEmitter::stmt(const Stmt& s, ir::stmt_kind::Loop) {
  auto* head = block("loop");
  auto* after = block("endloop");
  B.CreateBr(head);
  B.SetInsertPoint(head);
  tick(s.loc);
  loop_body(s.then_block, after, head);
  B.SetInsertPoint(after);
}

void BodyEmitter::stmt(const Stmt& s, ir::stmt_kind::ForRange) {
  if (!slots_[s.var]) slots_[s.var] = temp(b_->vars[s.var].type, false);
  llvm::Value* x = slots_[s.var];
  B.CreateStore(scalar(s.args[0]), x);
  auto* head = block("for");
  auto* body = block("for.body");
  auto* next = block("for.next");
  auto* after = block("endfor");
  B.CreateBr(head);
  B.SetInsertPoint(head);
  B.CreateCondBr(B.CreateICmpSLT(B.CreateLoad(L.i64, x), scalar(s.args[1])), body, after);
  B.SetInsertPoint(body);
  tick(s.loc);
  loop_body(s.then_block, after, next);
  B.SetInsertPoint(next);
  B.CreateStore(B.CreateAdd(B.CreateLoad(L.i64, x), llvm::ConstantInt::get(L.i64, 1)), x);
  B.CreateBr(head);
  B.SetInsertPoint(after);
}

// for x in list / for k, v in map: an index over the collection's entries; the loop variables
// point into the entry (the collection is a snapshot the body cannot change).
void BodyEmitter::for_collection(const Stmt& s) {
  TypeId lt = s.args[0].type;
  const bool map = s.kind == Stmt::Kind::ForMap;
  ir::Slot ks = L.slot(lt->elem), vs = map ? L.slot(lt->value) : ks;
  const abi_layout::MapEntry layout = abi_layout::map_entry(ks, vs);
  const std::uint64_t value_offset = layout.value_offset;
  const std::uint64_t stride = map ? layout.size : L.stride(lt->elem);
  if (!refs_[s.var]) refs_[s.var] = entry_.CreateAlloca(L.ptr);
  llvm::Value* coll = addr(s.args[0]);
  llvm::Value* i = entry_.CreateAlloca(L.i64);
  B.CreateStore(llvm::ConstantInt::get(L.i64, 0), i);
  auto* head = block("forlist");
  auto* body = block("forlist.body");
  auto* next = block("forlist.next");
  auto* after = block("endforlist");
  B.CreateBr(head);
  B.SetInsertPoint(head);
  llvm::Value* index = B.CreateLoad(L.i64, i);
  B.CreateCondBr(B.CreateICmpULT(index, B.CreateLoad(L.i64, gep(coll, 8))), body, after);
  B.SetInsertPoint(body);
  llvm::Value* entry =
      B.CreateInBoundsGEP(L.i8, B.CreateLoad(L.ptr, coll), B.CreateMul(index, llvm::ConstantInt::get(L.i64, stride)));
  B.CreateStore(entry, refs_[s.var]);
  if (map) {
    if (!refs_[s.var2]) refs_[s.var2] = entry_.CreateAlloca(L.ptr);
    B.CreateStore(gep(entry, value_offset), refs_[s.var2]);
  }
  tick(s.loc);
  loop_body(s.then_block, after, next);
  B.SetInsertPoint(next);
  B.CreateStore(B.CreateAdd(B.CreateLoad(L.i64, i), llvm::ConstantInt::get(L.i64, 1)), i);
  B.CreateBr(head);
  B.SetInsertPoint(after);
}

void BodyEmitter::stmt(const Stmt& s, ir::stmt_kind::ForList) { for_collection(s); }

void BodyEmitter::stmt(const Stmt& s, ir::stmt_kind::ForMap) { for_collection(s); }

void BodyEmitter::stmt(const Stmt& s, ir::stmt_kind::Return) {
  if (!s.args.empty() && b_->kind != ir::Body::Kind::Handler) {
    llvm::Value* out = arg(b_->kind == ir::Body::Kind::Fn ? 1 : 2);
    put(b_->return_type, out, s.args[0], true);
  }
  jump(exit_);
}

void BodyEmitter::stmt(const Stmt& s, ir::stmt_kind::Send) {
  llvm::Value* to = addr(s.args[0]);
  llvm::Value* msg = var_addr(s.var);
  llvm::Value* type = llvm::ConstantInt::get(L.i32, s.index);
  llvm::Value* at = L.loc(s.loc);
  if (s.args.size() < 2) {
    check_status(svc(SVC(send), L.i32, {ctx(), to, type, msg, at}));
    return;
  }
  if (!s.has_place) {
    L.fail("a delayed send without a timer place");
    return;
  }
  llvm::Value* delay = scalar(s.args[1]);
  llvm::Value* timer = place(s.place);
  check_status(svc(SVC(send_after), L.i32, {ctx(), to, type, msg, delay, timer, at}));
}

}  // namespace sfn::codegen::llvm_backend
