// Private to codegen/llvm: lowering of the SFN IR to an LLVM module. `ModuleLowering`
// (lower_module.cpp) builds the type, schema and module descriptors exactly as codegen/cpp lays
// them out (sfn/abi.h) and declares one LLVM function per body; `BodyEmitter` (lower_values.cpp,
// lower_bodies.cpp) emits handler, fn, route and init bodies with IRBuilder. Generated code
// reaches the runtime only through the service table (`ctx->svc`, or the module's copy of it for
// ctx-less init functions) and the extern "C" helpers of stdlib/sfn_rt.h; a runtime error is
// raised through the ctx and returns SFN_RAISED from every frame up to the entry point.
#pragma once

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "compiler/ir/ir.h"

namespace sfn::codegen::llvm_backend {

using ir::TypeId;

class ModuleLowering {
 public:
  ModuleLowering(const ir::Module& m, llvm::Module& out);
  // Lowers everything; false with `error` set for a construct this backend does not support.
  bool run(std::string& error);

  // ---- schema and constants (lower_module.cpp)
  llvm::Constant* cstr(const std::string& s);       // pointer to private NUL-terminated bytes
  llvm::Constant* str_const(const std::string& s);  // pointer to a constant (non-owning) sfn_str
  llvm::GlobalVariable* tdesc(TypeId t);            // the type's sfn_type
  llvm::GlobalVariable* msg_desc(std::uint32_t m);  // sfn_message_desc of message m
  llvm::Constant* loc(std::uint32_t id);            // pointer to sfn_loc `id`, or null for kNone
  llvm::Type* scalar_type(TypeId t);                // i64 / double / i8 / i32
  ir::Slot slot(TypeId t) const { return ir::slot_of(m_, t); }
  std::uint64_t stride(TypeId t) const;  // list element stride
  std::uint32_t field_offset(TypeId message, std::uint32_t field) const;
  bool plain(TypeId t) const { return ir::is_plain_data(m_, t); }
  void fail(const std::string& message);  // records the first unsupported construct, at `where`
  bool failed() const { return !error_.empty(); }

  const ir::Module& m_;
  llvm::LLVMContext& C;
  llvm::Module& M;
  llvm::Type *i8, *i32, *i64, *f64, *ptr, *void_ty;
  llvm::StructType *type_ty, *field_ty, *msg_ty, *enum_ty, *state_ty, *handler_ty, *function_ty, *ingress_ty,
      *egress_ty, *loc_ty, *module_ty, *str_ty, *piece_ty;
  llvm::GlobalVariable* svc_global = nullptr;  // the service table, set by the module entry
  std::vector<llvm::Function*> body_fns;       // by body index
  std::string error_;
  std::string where;  // what is being lowered, for fail(): "file.sfn:LINE, `on_Greet`", "message `M`"

 private:
  void declare_bodies();
  llvm::Function* message_init(std::uint32_t m);
  llvm::Function* state_init(std::uint32_t function, std::uint32_t state);
  llvm::Constant* function_descs();
  llvm::Constant* module_desc();
  void define_entry(llvm::Constant* module);
  llvm::GlobalVariable* global(llvm::Type* t, llvm::Constant* init, const std::string& name);

  std::unordered_map<TypeId, llvm::GlobalVariable*> tdescs_;
  std::vector<llvm::GlobalVariable*> msg_descs_, enum_descs_;
  std::unordered_map<std::string, llvm::Constant*> cstrs_, strs_;
  llvm::GlobalVariable* locs_ = nullptr;
};

// Emits one LLVM function body: a handler, fn or route (`body` set), or a ctx-less init
// function (`body` null). Locals live in entry-block slots zeroed at entry; owned ones are
// destroyed on the one exit path, which every return and every raised error goes through.
class BodyEmitter {
 public:
  BodyEmitter(ModuleLowering& L, llvm::Function* fn, const ir::Body* body);
  void emit_body();  // the whole body of `body`
  void finish();     // closes the function (exit block) for init functions
  llvm::Value* arg(unsigned i) { return fn_->getArg(i); }

  // ---- values (lower_values.cpp)
  void value_init(TypeId t, llvm::Value* dst);
  void destroy(TypeId t, llvm::Value* slot);
  void const_into(const ir::ConstValue& v, TypeId t, llvm::Value* dst);
  void copy(TypeId t, llvm::Value* dst, llvm::Value* src);
  void move(TypeId t, llvm::Value* dst, llvm::Value* src);
  void wrap(TypeId inner, llvm::Value* dst, llvm::Value* src);  // src: address of a T
  llvm::Value* present(TypeId opt, llvm::Value* addr);          // i1
  llvm::Value* inner(TypeId opt, llvm::Value* addr);            // address of the value
  llvm::Value* const_scalar(const ir::ConstValue& v, TypeId t);
  llvm::Value* temp(TypeId t, bool zero = true);           // an entry-block slot of t
  llvm::Value* gep(llvm::Value* p, std::uint64_t offset);  // p + offset bytes

 private:
  // ---- places, operands, checks (lower_values.cpp)
  llvm::Value* place(const ir::Place& p);
  llvm::Value* step(const ir::Step& st, TypeId cur, llvm::Value* a, bool write);
  llvm::Value* scalar(const ir::Operand& op);
  llvm::Value* addr(const ir::Operand& op);
  llvm::Value* var_addr(std::uint32_t v);
  bool movable(const ir::Operand& op) const;
  void put(TypeId t, llvm::Value* dst, const ir::Operand& src, bool allow_move);
  llvm::Value* svc(std::size_t offset, llvm::Type* ret, std::vector<llvm::Value*> args);
  llvm::Value* rt(const std::string& name, llvm::Type* ret, std::vector<llvm::Value*> args);
  llvm::Value* str_data(llvm::Value* s);
  llvm::Value* str_len(llvm::Value* s);
  void guard(llvm::Value* bad, const std::function<void()>& on_bad);
  void raise(const std::string& message, std::uint32_t loc);
  void check_status(llvm::Value* status);
  void check_error_text(llvm::Value* text, std::uint32_t loc);
  llvm::Value* ctx();
  llvm::BasicBlock* block(const char* name);
  void memzero(llvm::Value* p, std::uint64_t size);
  void memcopy(llvm::Value* dst, llvm::Value* src, std::uint64_t size);

  // ---- rvalues (lower_values.cpp / lower_rvalues.cpp)
  void rvalue_into(const ir::Rvalue& r, llvm::Value* dst);
  // One handler per kind of compiler/ir/rvalue_kinds.def, dispatched by rvalue_into for the
  // results that are not scalar expressions (lower_rvalues.cpp).
  void rvalue_into(const ir::Rvalue& r, ir::rvalue_kind::Use, llvm::Value* dst);
  void rvalue_into(const ir::Rvalue& r, ir::rvalue_kind::Zero, llvm::Value* dst);
  void rvalue_into(const ir::Rvalue& r, ir::rvalue_kind::Const, llvm::Value* dst);
  void rvalue_into(const ir::Rvalue& r, ir::rvalue_kind::Binary, llvm::Value* dst);
  void rvalue_into(const ir::Rvalue& r, ir::rvalue_kind::Unary, llvm::Value* dst);
  void rvalue_into(const ir::Rvalue& r, ir::rvalue_kind::Wrap, llvm::Value* dst);
  void rvalue_into(const ir::Rvalue& r, ir::rvalue_kind::Unwrap, llvm::Value* dst);
  void rvalue_into(const ir::Rvalue& r, ir::rvalue_kind::IsPresent, llvm::Value* dst);
  void rvalue_into(const ir::Rvalue& r, ir::rvalue_kind::GetUnchecked, llvm::Value* dst);
  void rvalue_into(const ir::Rvalue& r, ir::rvalue_kind::Format, llvm::Value* dst);
  void rvalue_into(const ir::Rvalue& r, ir::rvalue_kind::Builtin, llvm::Value* dst);
  void rvalue_into(const ir::Rvalue& r, ir::rvalue_kind::Method, llvm::Value* dst);
  void rvalue_into(const ir::Rvalue& r, ir::rvalue_kind::CallFn, llvm::Value* dst);
  void rvalue_into(const ir::Rvalue& r, ir::rvalue_kind::Address, llvm::Value* dst);
  void rvalue_into(const ir::Rvalue& r, ir::rvalue_kind::Self, llvm::Value* dst);
  void rvalue_into(const ir::Rvalue& r, ir::rvalue_kind::Now, llvm::Value* dst);
  void rvalue_into(const ir::Rvalue& r, ir::rvalue_kind::MakeMessage, llvm::Value* dst);
  void rvalue_into(const ir::Rvalue& r, ir::rvalue_kind::MakeList, llvm::Value* dst);
  void rvalue_into(const ir::Rvalue& r, ir::rvalue_kind::MakeMap, llvm::Value* dst);
  // An internal error: r has no form this backend can write into a slot.
  void unsupported(const ir::Rvalue& r);
  llvm::Value* scalar_rvalue(const ir::Rvalue& r);  // null when the kind is not a scalar expression
  llvm::Value* binary(const ir::Rvalue& r);
  llvm::Value* checked_int(ir::BinOp op, llvm::Value* a, llvm::Value* b, std::uint32_t loc);
  llvm::Value* checked_neg(llvm::Value* a, std::uint32_t loc);
  llvm::Value* builtin_scalar(const ir::Rvalue& r);
  llvm::Value* method_scalar(const ir::Rvalue& r);
  bool builtin_into(const ir::Rvalue& r, llvm::Value* dst);
  bool method_into(const ir::Rvalue& r, llvm::Value* dst);
  // The methods method_into emits inline (bounds checks, optionals), one each.
  void list_insert(const ir::Rvalue& r);
  void list_remove_at(const ir::Rvalue& r);
  void list_end_into(const ir::Rvalue& r, llvm::Value* dst);  // first() / last()
  void map_get_into(const ir::Rvalue& r, llvm::Value* dst);
  void call_into(const ir::Rvalue& r, llvm::Value* dst);
  void format_into(const ir::Rvalue& r, llvm::Value* dst);
  void push(TypeId list, llvm::Value* lst, const ir::Operand& x);
  llvm::Value* element(TypeId list, llvm::Value* lst, llvm::Value* index, std::uint32_t loc);

  // ---- statements (lower_bodies.cpp)
  void setup_vars();
  void block_stmts(const ir::Block& b);
  void stmt(const ir::Stmt& s);
  // One handler per kind of compiler/ir/stmt_kinds.def, dispatched by stmt.
  void stmt(const ir::Stmt& s, ir::stmt_kind::Def);
  void stmt(const ir::Stmt& s, ir::stmt_kind::Assign);
  void stmt(const ir::Stmt& s, ir::stmt_kind::Eval);
  void stmt(const ir::Stmt& s, ir::stmt_kind::If);
  void stmt(const ir::Stmt& s, ir::stmt_kind::Loop);
  void stmt(const ir::Stmt& s, ir::stmt_kind::ForRange);
  void stmt(const ir::Stmt& s, ir::stmt_kind::ForList);
  void stmt(const ir::Stmt& s, ir::stmt_kind::ForMap);
  void stmt(const ir::Stmt& s, ir::stmt_kind::Break);
  void stmt(const ir::Stmt& s, ir::stmt_kind::Continue);
  void stmt(const ir::Stmt& s, ir::stmt_kind::Return);
  void stmt(const ir::Stmt& s, ir::stmt_kind::Send);
  void stmt(const ir::Stmt& s, ir::stmt_kind::Emit);
  void stmt(const ir::Stmt& s, ir::stmt_kind::Cancel);
  void stmt(const ir::Stmt& s, ir::stmt_kind::Clear);
  void stmt(const ir::Stmt& s, ir::stmt_kind::Fail);
  void loop_body(const ir::Block& body, llvm::BasicBlock* after, llvm::BasicBlock* next);
  // `for x in list` / `for k, v in map`.
  void for_collection(const ir::Stmt& s);
  void jump(llvm::BasicBlock* to);  // branch, then continue in a fresh (dead) block
  void tick(std::uint32_t loc);     // a unit of the invocation budget
  void enter_fn();                  // a fn's depth and fuel at entry

  ModuleLowering& L;
  llvm::LLVMContext& C;
  llvm::Function* fn_;
  const ir::Body* b_;
  llvm::IRBuilder<> B, entry_;
  llvm::BasicBlock *start_ = nullptr, *exit_ = nullptr, *fail_ = nullptr;
  llvm::Value* svc_ = nullptr;  // the service table
  llvm::AllocaInst* status_ = nullptr;
  std::vector<llvm::Value*> slots_;      // owned slot per var (or null)
  std::vector<llvm::AllocaInst*> refs_;  // for borrowed vars: a slot holding the pointer
  struct LoopTargets {
    llvm::BasicBlock *brk, *cont;
  };
  std::vector<LoopTargets> loops_;
  int loop_depth_ = 0;
};

}  // namespace sfn::codegen::llvm_backend
