// The IR printer: a stable, line-oriented text form of a Module for unit tests and debugging.
// Variables print as their source name with their id (`seen`, `name#1`), temporaries as `%3`,
// states as `state.seen`, places with their steps (`g#0.name`, `xs#2[%4 @7]`, `@n` = loc id).
#include <sstream>

#include "compiler/ir/lower.h"

namespace sfn::ir {

using check::TypeKind;

std::string type_name(const Module& module, TypeId type) {
  if (!type) return "?";
  if (module.checked) return module.checked->type_name(type);
  return "type";
}

namespace {

class Printer {
 public:
  explicit Printer(const Module& m) : m_(m) {}

  std::string run() {
    out_ << "module " << m_.package << "\n";
    for (const auto& msg : m_.messages) {
      out_ << "message " << msg.name << " (" << msg.full_name << ") size " << msg.size << " align " << msg.align
           << "\n";
      for (const auto& f : msg.fields) {
        out_ << "  " << f.name << ": " << type_name(m_, f.type) << " #" << f.number << " @" << f.offset;
        if (f.required) out_ << " required";
        if (f.default_value) out_ << " explicit";
        if (f.default_value) out_ << " default " << konst(*f.default_value);
        out_ << "\n";
      }
    }
    for (const auto& e : m_.enums) {
      out_ << "enum " << e.name << " {";
      for (std::size_t i = 0; i < e.values.size(); ++i) out_ << (i ? ", " : " ") << e.values[i];
      out_ << " }\n";
    }
    for (const auto& f : m_.functions) {
      out_ << "function " << f.name << " (" << f.type_name << ") key " << f.key_name << ": "
           << (f.int_key ? "int" : "string") << "\n";
      for (const auto& s : f.states) {
        out_ << "  state " << s.name << ": " << type_name(m_, s.type) << " = " << konst(s.init);
        if (s.expiry != State::Expiry::None)
          out_ << " expires " << s.expiry_ns << "ns after "
               << (s.expiry == State::Expiry::AfterWrite ? "write" : "call");
        out_ << "\n";
      }
      for (auto h : f.handlers) out_ << "  handler " << m_.bodies[h].name << "\n";
    }
    for (const auto& i : m_.ingresses)
      out_ << "ingress " << i.name << ": " << m_.messages[i.message].name << " route " << m_.bodies[i.route].name
           << "\n";
    for (const auto& e : m_.egresses) out_ << "egress " << e.name << ": " << m_.messages[e.message].name << "\n";
    for (const auto& b : m_.bodies) body(b);
    return out_.str();
  }

 private:
  std::string konst(const ConstValue& v) {
    using K = ConstValue::Kind;
    std::ostringstream o;
    switch (v.kind) {
      case K::None:
        o << "none";
        break;
      case K::Int:
        o << v.i;
        break;
      case K::Float:
        o << v.f;
        break;
      case K::Bool:
        o << (v.b ? "true" : "false");
        break;
      case K::String:
        o << '"' << v.s << '"';
        break;
      case K::Bytes:
        o << "bytes\"" << v.s << '"';
        break;
      case K::Duration:
        o << v.i << "ns";
        break;
      case K::Time:
        o << "time(" << v.i << ")";
        break;
      case K::Enum:
        o << (v.decl < m_.enums.size() ? m_.enums[v.decl].name : "?") << "."
          << (v.decl < m_.enums.size() && v.i < static_cast<std::int64_t>(m_.enums[v.decl].values.size())
                  ? m_.enums[v.decl].values[v.i]
                  : "?");
        break;
      case K::List:
      case K::Map:
      case K::Message: {
        o << (v.kind == K::List ? "[" : v.kind == K::Map ? "{" : "msg{");
        for (std::size_t i = 0; i < v.items.size(); ++i) o << (i ? ", " : "") << konst(v.items[i]);
        o << (v.kind == K::List ? "]" : "}");
        break;
      }
    }
    return o.str();
  }

  std::string var(std::uint32_t id) {
    const Var& v = b_->vars[id];
    if (v.kind == Var::Kind::Temp) return "%" + std::to_string(id);
    return v.name + "#" + std::to_string(id);
  }

  std::string place(const Place& p) {
    std::string s =
        p.root == Place::Root::State ? "state." + m_.functions[b_->function].states[p.index].name : var(p.index);
    for (const auto& st : p.steps) {
      if (st.kind == Step::Kind::Field) {
        s += "." + std::to_string(st.field);
      } else {
        s += "[" + operand(*st.index) + " @" + std::to_string(st.loc) + "]";
      }
    }
    if (p.write) s += "!w";
    return s;
  }

  std::string operand(const Operand& o) { return o.kind == Operand::Kind::Const ? konst(o.value) : place(o.place); }

  std::string args(const std::vector<Operand>& a, std::size_t from = 0) {
    std::string s;
    for (std::size_t i = from; i < a.size(); ++i) s += (i > from ? ", " : "") + operand(a[i]);
    return s;
  }

  std::string rvalue(const Rvalue& r) {
    static const char* bins[] = {"add", "sub", "mul", "div", "rem", "eq", "ne", "lt", "le", "gt", "ge", "concat"};
    std::string loc = r.loc == check::kNone ? "" : " @" + std::to_string(r.loc);
    switch (r.kind) {
      case Rvalue::Kind::Use:
        return "use " + args(r.args);
      case Rvalue::Kind::Zero:
        return "zero " + type_name(m_, r.type);
      case Rvalue::Kind::Const:
        return "const " + konst(r.value);
      case Rvalue::Kind::Binary:
        return std::string(bins[static_cast<int>(r.bin)]) + " " + args(r.args) + loc;
      case Rvalue::Kind::Unary:
        return std::string(r.un == UnOp::Neg ? "neg " : "not ") + args(r.args) + loc;
      case Rvalue::Kind::Wrap:
        return "wrap " + args(r.args);
      case Rvalue::Kind::Unwrap:
        return "unwrap " + args(r.args) + loc;
      case Rvalue::Kind::IsPresent:
        return "is_present " + args(r.args);
      case Rvalue::Kind::GetUnchecked:
        return "get " + args(r.args);
      case Rvalue::Kind::Format: {
        std::string s = "format";
        for (std::size_t i = 0; i < r.pieces.size(); ++i)
          s += r.piece_arg[i] < 0 ? " \"" + r.pieces[i] + "\"" : " {" + operand(r.args[r.piece_arg[i]]) + "}";
        return s;
      }
      case Rvalue::Kind::Builtin:
        return "builtin." + std::to_string(static_cast<int>(r.builtin)) + " " + args(r.args) + loc;
      case Rvalue::Kind::Method:
        return std::string("method.") + check::method_name(r.method) + " " + args(r.args) + loc;
      case Rvalue::Kind::CallFn:
        return "call " + (m_.checked ? m_.checked->fns[r.index].name : std::to_string(r.index)) + "(" + args(r.args) +
               ")" + loc;
      case Rvalue::Kind::Address:
        return "address " + m_.functions[r.index].name + "(" + args(r.args) + ")";
      case Rvalue::Kind::Self:
        return "self";
      case Rvalue::Kind::Now:
        return "now";
      case Rvalue::Kind::MakeMessage: {
        std::string s = m_.messages[r.index].name + " {";
        for (std::size_t i = 0; i < r.args.size(); ++i)
          s += (i ? ", " : " ") + m_.messages[r.index].fields[r.fields[i]].name + ": " + operand(r.args[i]);
        return s + " }";
      }
      case Rvalue::Kind::MakeList:
        return "list [" + args(r.args) + "]";
      case Rvalue::Kind::MakeMap:
        return "map {" + args(r.args) + "}";
    }
    return "?";
  }

  void block(const Block& blk, int depth) {
    std::string ind(depth * 2, ' ');
    for (const auto& s : blk) {
      out_ << ind;
      switch (s.kind) {
        case Stmt::Kind::Def:
          out_ << var(s.var) << ": " << type_name(m_, b_->vars[s.var].type) << " = " << rvalue(s.value) << "\n";
          break;
        case Stmt::Kind::Assign:
          out_ << place(s.place) << (s.move ? " <- " : " = ") << operand(s.src) << "\n";
          break;
        case Stmt::Kind::Eval:
          out_ << rvalue(s.value) << "\n";
          break;
        case Stmt::Kind::If:
          out_ << "if " << operand(s.src) << "\n";
          block(s.then_block, depth + 1);
          if (!s.else_block.empty()) {
            out_ << ind << "else\n";
            block(s.else_block, depth + 1);
          }
          break;
        case Stmt::Kind::Loop:
          out_ << "loop\n";
          block(s.then_block, depth + 1);
          break;
        case Stmt::Kind::ForRange:
          out_ << "for " << var(s.var) << " in " << args(s.args) << "\n";
          block(s.then_block, depth + 1);
          break;
        case Stmt::Kind::ForList:
          out_ << "for " << var(s.var) << " in list " << args(s.args) << "\n";
          block(s.then_block, depth + 1);
          break;
        case Stmt::Kind::ForMap:
          out_ << "for " << var(s.var) << ", " << var(s.var2) << " in map " << args(s.args) << "\n";
          block(s.then_block, depth + 1);
          break;
        case Stmt::Kind::Break:
          out_ << "break\n";
          break;
        case Stmt::Kind::Continue:
          out_ << "continue\n";
          break;
        case Stmt::Kind::Return:
          out_ << "return " << args(s.args) << "\n";
          break;
        case Stmt::Kind::Send:
          out_ << "send " << var(s.var) << " to " << operand(s.args[0]);
          if (s.args.size() > 1) out_ << " after " << operand(s.args[1]);
          if (s.has_place) out_ << " -> " << place(s.place);
          out_ << "\n";
          break;
        case Stmt::Kind::Emit:
          out_ << "emit " << var(s.var) << " to " << m_.egresses[s.index].name << "\n";
          break;
        case Stmt::Kind::Cancel:
          out_ << "cancel " << args(s.args) << "\n";
          break;
        case Stmt::Kind::Clear:
          out_ << "clear "
               << (s.index == check::kNone ? std::string("self") : m_.functions[b_->function].states[s.index].name)
               << "\n";
          break;
        case Stmt::Kind::Fail:
          out_ << "fail " << args(s.args) << " @" << s.loc << "\n";
          break;
      }
    }
  }

  void body(const Body& b) {
    b_ = &b;
    static const char* kinds[] = {"handler", "fn", "route"};
    out_ << kinds[static_cast<int>(b.kind)] << " " << b.name << "(";
    for (std::size_t i = 0; i < b.params.size(); ++i)
      out_ << (i ? ", " : "") << var(b.params[i]) << ": " << type_name(m_, b.vars[b.params[i]].type);
    out_ << ")";
    if (b.return_type && b.return_type->kind != TypeKind::Void) out_ << " -> " << type_name(m_, b.return_type);
    out_ << "\n";
    block(b.body, 1);
  }

  const Module& m_;
  const Body* b_ = nullptr;
  std::ostringstream out_;
};

}  // namespace

std::string print_module(const Module& module) { return Printer(module).run(); }

}  // namespace sfn::ir
