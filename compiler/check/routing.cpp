// Routing checks through types: `send m to r` needs `r: ref<F>` (E0303) and a handler for m's
// type in F (E0301); `emit` needs a declared egress of the message's type (E0304); an ingress
// route must be a `ref<F>` whose F handles the ingress type (E0305). Every valid delivery becomes
// a RouteEdge of the routing graph; handlers that no edge reaches get W0501.
#include <unordered_set>

#include "compiler/check/checker.h"

namespace sfn::check {

Span Checker::function_head_span(std::uint32_t function) const {
  const auto& decl = *out_.functions[function].decl;
  return Span{decl.span.file, decl.span.begin, decl.name.span.end};
}

void Checker::explain_missing_handler(Diagnostic& d, std::uint32_t function, std::uint32_t message) {
  const auto& f = out_.functions[function];
  const std::string& m = out_.messages[message].name;
  std::string handles;
  for (const auto& h : f.handlers) {
    if (h.message == kNone) continue;
    if (!handles.empty()) handles += ", ";
    handles += "`" + out_.messages[h.message].name + "`";
  }
  d.notes.push_back(
      {"`" + f.name + "` is declared here; it handles " + (handles.empty() ? std::string("no messages") : handles),
       function_head_span(function)});
  std::string param(1, static_cast<char>(std::tolower(static_cast<unsigned char>(m[0]))));
  const Span& fs = f.decl->span;
  std::vector<diagnostics::TextEdit> edits;
  if (fs.valid() && fs.end > fs.begin) {
    edits.push_back({Span{fs.file, fs.end - 1, fs.end - 1}, "  on " + m + "(" + param + ") {\n  }\n"});
  }
  d.fixes.push_back({"add a handler `on " + m + "(" + param + ") { ... }` to `" + f.name + "`", std::move(edits)});
}

void Checker::check_send(const ast::Expr& e, const ast::Send& send, TypeId message_type, TypeId target_type,
                         bool delayed) {
  if (target_type->is_error()) {
    routing_incomplete_ = true;
    return;
  }
  if (!target_type->is(TypeKind::Ref)) {
    auto& d = report(Kind::E0303, send.target->span,
                     "`send` needs an address `ref<F>` as its target, found `" + tn(target_type) + "`");
    if (target_type->is(TypeKind::Optional) && target_type->elem->is(TypeKind::Ref)) {
      d.fixes.push_back({"unwrap the optional address first with `!`", {}});
    } else if (target_type->is(TypeKind::String) || target_type->is(TypeKind::Int)) {
      d.fixes.push_back({"address an instance by its key with `FunctionName(key)`", {}});
    }
    return;
  }
  if (message_type->is_error()) {
    routing_incomplete_ = true;
    return;
  }
  std::uint32_t f = target_type->decl;
  std::uint32_t m = message_type->decl;
  const auto& fi = out_.functions[f];
  if (!fi.handler_for_message.count(m)) {
    auto& d = report(Kind::E0301, e.span,
                     "function `" + fi.name + "` has no handler for message `" + out_.messages[m].name + "`");
    explain_missing_handler(d, f, m);
    return;
  }
  RouteEdge edge;
  edge.from = RouteEdge::From::Handler;
  edge.from_function = ctx_.function;
  edge.from_handler = ctx_.handler;
  edge.message = m;
  edge.kind = delayed ? RouteEdge::Kind::DelayedSend : RouteEdge::Kind::Send;
  edge.to_function = f;
  edge.span = e.span;
  out_.routes.push_back(edge);
}

bool Checker::check_node(const ast::Stmt& s, const ast::EmitStmt& emit) {
  bool allowed = require_handler(s.span, "`emit`");
  TypeId mt = emit.message ? check_ptr(emit.message, nullptr) : types_.error();
  if (!allowed) return false;
  if (!mt->is_error() && !mt->is(TypeKind::Message)) {
    report(Kind::E0201, emit.message->span, "`emit` needs a message, found `" + tn(mt) + "`");
    mt = types_.error();
  }
  const std::string& name = emit.egress.name;
  if (name.empty()) return false;
  auto g = out_.globals.find(name);
  if (g == out_.globals.end() || g->second.kind != GlobalRef::Kind::Egress) {
    auto& d = report(Kind::E0304, emit.egress.span,
                     g == out_.globals.end() ? "unknown egress `" + name + "`" : "`" + name + "` is not an egress");
    Candidates c;
    for (const auto& eg : out_.egresses) {
      if (!eg.builtin) c.push_back(eg.name);
    }
    suggest(d, name, emit.egress.span, c);
    return false;
  }
  const auto& eg = out_.egresses[g->second.index];
  if (eg.builtin) {
    auto& d =
        report(Kind::E0304, emit.egress.span, "`dead_letters` is written by the runtime only; it cannot be emitted to");
    d.fixes.push_back(
        {"use `fail \"reason\";` to abort the invocation and record it in "
         "`dead_letters`",
         {}});
    return false;
  }
  if (mt->is_error() || eg.message == kNone) return false;
  if (eg.message != mt->decl) {
    auto& d = report(Kind::E0304, emit.message->span,
                     "egress `" + name + "` carries `" + out_.messages[eg.message].name + "`, not `" +
                         out_.messages[mt->decl].name + "`");
    d.notes.push_back({"`" + name + "` is declared here", eg.decl->name.span});
    return false;
  }
  RouteEdge edge;
  edge.from = RouteEdge::From::Handler;
  edge.from_function = ctx_.function;
  edge.from_handler = ctx_.handler;
  edge.message = mt->decl;
  edge.kind = RouteEdge::Kind::Emit;
  edge.to_egress = g->second.index;
  edge.span = s.span;
  out_.routes.push_back(edge);
  return false;
}

void Checker::check_ingress(std::uint32_t index) {
  auto& in = out_.ingresses[index];
  std::uint32_t first_local = static_cast<std::uint32_t>(out_.locals.size());
  std::size_t errors_before = errors_;
  ctx_ = BodyContext{BodyContext::Kind::Ingress};
  current_body_ = in.decl->span;
  current_file_ = in.decl->span.file;
  ctx_.ingress = index;
  push_scope();
  TypeId pt = in.message != kNone ? types_.message(in.message) : types_.error();
  in.param_local = declare_local(LocalInfo::Kind::IngressParam, in.decl->param.name, pt);
  if (in.decl->route) {
    TypeId t = check_ptr(in.decl->route, nullptr);
    if (t->is_error()) {
      routing_incomplete_ = true;
    } else if (!t->is(TypeKind::Ref)) {
      auto& d = report(Kind::E0305, in.decl->route->span,
                       "an ingress route must be an address `ref<F>`, found `" + tn(t) + "`");
      d.fixes.push_back({"address an instance by its key with `FunctionName(key)`", {}});
    } else {
      in.target = t->decl;
      if (in.message == kNone) {
        routing_incomplete_ = true;
      } else if (!out_.functions[t->decl].handler_for_message.count(in.message)) {
        auto& d = report(Kind::E0305, in.decl->route->span,
                         "function `" + out_.functions[t->decl].name + "` has no handler for message `" +
                             out_.messages[in.message].name + "`, the record type of ingress `" + in.name + "`");
        explain_missing_handler(d, t->decl, in.message);
      } else {
        RouteEdge edge;
        edge.from = RouteEdge::From::Ingress;
        edge.from_ingress = index;
        edge.message = in.message;
        edge.kind = RouteEdge::Kind::Ingress;
        edge.to_function = t->decl;
        edge.span = in.decl->route->span;
        out_.routes.push_back(edge);
      }
    }
  }
  pop_scope();
  check_unused_locals(first_local, errors_before);
}

void Checker::check_unreached_handlers() {
  // A program-wide analysis: only sound when every send was understood.
  if (routing_incomplete_ || out_.has_errors || !prior_errors_.empty()) return;
  std::unordered_set<std::uint64_t> reached;
  for (const auto& r : out_.routes) {
    if (r.kind == RouteEdge::Kind::Emit) continue;
    reached.insert((std::uint64_t(r.to_function) << 32) | r.message);
  }
  for (std::uint32_t fi = 0; fi < out_.functions.size(); ++fi) {
    const auto& f = out_.functions[fi];
    for (const auto& h : f.handlers) {
      if (h.message == kNone) continue;
      if (reached.count((std::uint64_t(fi) << 32) | h.message)) continue;
      const std::string& m = out_.messages[h.message].name;
      auto& d =
          report(Kind::W0501, h.decl->message_type.span, "handler `on " + m + "` of `" + f.name + "` is never reached");
      d.notes.push_back(
          {"no `send`, address or ingress in the program delivers `" + m + "` to `" + f.name + "`", Span{}});
    }
  }
}

}  // namespace sfn::check
