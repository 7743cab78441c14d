// Warnings derived from the whole checked program: messages never constructed (W0502), unused
// locals and parameters (W0503, silenced by a `_` prefix) and state written but never read
// (W0504). They are skipped where errors make the analysis unreliable (see
// docs/decisions/074-warnings-after-errors.md).
#include "compiler/check/checker.h"

namespace sfn::check {

void Checker::check_unused_locals(std::uint32_t first_local, std::size_t errors_before) {
  if (errors_ != errors_before || prior_error_within(current_body_)) return;
  for (std::uint32_t i = first_local; i < out_.locals.size(); ++i) {
    const LocalInfo& l = out_.locals[i];
    if (local_read_[i] || l.name.empty() || l.name[0] == '_' || l.kind == LocalInfo::Kind::Key) {
      continue;
    }
    bool param = l.kind == LocalInfo::Kind::Param || l.kind == LocalInfo::Kind::HandlerParam ||
                 l.kind == LocalInfo::Kind::IngressParam;
    auto& d = report(Kind::W0503, l.ident->span,
                     std::string(param ? "unused parameter `" : "unused variable `") + l.name + "`");
    d.fixes.push_back(
        {"if this is intentional, prefix it with an underscore: `_" + l.name + "`", {{l.ident->span, "_" + l.name}}});
  }
}

void Checker::check_unconstructed_messages() {
  if (out_.has_errors || !prior_errors_.empty()) return;
  // Records arriving at an ingress are constructed by the outside world, and so is every message
  // nested in them.
  std::vector<std::uint32_t> work;
  std::vector<bool> from_outside(out_.messages.size(), false);
  for (const auto& in : out_.ingresses) {
    if (in.message != kNone && !from_outside[in.message]) {
      from_outside[in.message] = true;
      work.push_back(in.message);
    }
  }
  while (!work.empty()) {
    std::uint32_t m = work.back();
    work.pop_back();
    for (const auto& f : out_.messages[m].fields) {
      TypeId t = f.type;
      std::vector<TypeId> stack{t};
      while (!stack.empty()) {
        TypeId x = stack.back();
        stack.pop_back();
        if (x == nullptr) continue;
        if (x->is(TypeKind::Message) && !from_outside[x->decl]) {
          from_outside[x->decl] = true;
          work.push_back(x->decl);
        }
        stack.push_back(x->elem);
        stack.push_back(x->value);
      }
    }
  }
  for (std::uint32_t m = 0; m < out_.messages.size(); ++m) {
    auto& info = out_.messages[m];
    if (from_outside[m]) info.constructed = true;
    if (info.constructed || info.is_std) continue;
    auto& d = report(Kind::W0502, info.decl->name.span, "message `" + info.name + "` is never constructed");
    d.notes.push_back({"no literal `" + info.name + " { ... }` and no ingress produces it", Span{}});
  }
}

void Checker::check_state_usage() {
  for (std::uint32_t fi = 0; fi < out_.functions.size(); ++fi) {
    if (fi < function_had_errors_.size() && function_had_errors_[fi]) continue;
    const auto& f = out_.functions[fi];
    for (std::uint32_t si = 0; si < f.states.size(); ++si) {
      const StateUse& use = state_use_[fi][si];
      if (!use.written || use.read) continue;
      const auto& s = f.states[si];
      auto& d = report(Kind::W0504, s.decl->name.span, "state `" + s.name + "` is written but never read");
      d.notes.push_back({"written here", use.first_write});
    }
  }
}

}  // namespace sfn::check
