// Checks over the graph of message types: recursion without indirection (E0207) and values nested
// deeper than the runtime loads (E0208, common/limits.h). Both walk the graph with explicit
// stacks, so a chain of many thousands of messages costs no recursion.
#include <algorithm>

#include "common/limits.h"
#include "compiler/check/checker.h"

namespace sfn::check {

namespace {

// The type inside the lists, maps (their values) and optionals around `t`, and how many of those
// wrap it (each is one level of value nesting).
struct Unwrapped {
  TypeId inner;
  int wrappers = 0;
};

Unwrapped unwrap(TypeId t) {
  Unwrapped u{t};
  for (;;) {
    if (u.inner->is(TypeKind::List) || u.inner->is(TypeKind::Optional)) {
      u.inner = u.inner->elem;
    } else if (u.inner->is(TypeKind::Map)) {
      u.inner = u.inner->value;
    } else {
      return u;
    }
    ++u.wrappers;
  }
}

// The message a field of type `t` holds (directly or inside lists, maps, optionals), or kNone.
std::uint32_t held_message(TypeId t) {
  TypeId inner = unwrap(t).inner;
  return inner->is(TypeKind::Message) ? inner->decl : kNone;
}

// Strongly connected components of the graph whose edges go from a message to the message each
// of its fields holds (Tarjan's algorithm, iterative). `order` lists the messages component by
// component, each component after every component it reaches.
struct Components {
  std::vector<std::uint32_t> of;  // message -> component
  std::vector<std::uint32_t> order;
};

Components message_components(const std::vector<MessageInfo>& messages) {
  const auto n = static_cast<std::uint32_t>(messages.size());
  Components c{std::vector<std::uint32_t>(n, kNone), {}};
  std::vector<std::uint32_t> index(n, kNone), low(n, 0), open;
  std::vector<bool> on_open(n, false);
  struct Frame {
    std::uint32_t message;
    std::uint32_t field;
  };
  std::vector<Frame> frames;
  std::uint32_t next_index = 0, next_component = 0;
  auto enter = [&](std::uint32_t m) {
    index[m] = low[m] = next_index++;
    open.push_back(m);
    on_open[m] = true;
    frames.push_back({m, 0});
  };
  for (std::uint32_t root = 0; root < n; ++root) {
    if (index[root] != kNone) continue;
    enter(root);
    while (!frames.empty()) {
      Frame& f = frames.back();
      const std::uint32_t v = f.message;
      if (f.field < messages[v].fields.size()) {
        const std::uint32_t w = held_message(messages[v].fields[f.field++].type);
        if (w == kNone) continue;
        if (index[w] == kNone)
          enter(w);
        else if (on_open[w])
          low[v] = std::min(low[v], index[w]);
        continue;
      }
      if (low[v] == index[v]) {
        std::uint32_t w;
        do {
          w = open.back();
          open.pop_back();
          on_open[w] = false;
          c.of[w] = next_component;
          c.order.push_back(w);
        } while (w != v);
        ++next_component;
      }
      frames.pop_back();
      if (!frames.empty()) low[frames.back().message] = std::min(low[frames.back().message], low[v]);
    }
  }
  return c;
}

// How deep values of each message type nest, and through which field (the deepest, first one).
// A field holding a message of the message's own recursion (same component) counts that message
// as one level without its fields: values of recursive types can be as deep as their data, and
// the runtime's decoders refuse the ones deeper than common::kMaxValueDepth.
struct Depths {
  Components components;
  std::vector<int> of;                 // message -> depth
  std::vector<std::uint32_t> deepest;  // message -> field index, kNone when no field nests

  // The depth a value of type `t` adds inside a message of `component` (kNone: outside any).
  int of_type(TypeId t, std::uint32_t component) const {
    Unwrapped u = unwrap(t);
    if (!u.inner->is(TypeKind::Message)) return u.wrappers;
    return u.wrappers + (components.of[u.inner->decl] == component ? 1 : of[u.inner->decl]);
  }
  bool too_deep(std::uint32_t m) const { return of[m] > common::kMaxValueDepth; }
  // Whether the message held by type `t` is too deep itself (reported there, not again here).
  bool holds_too_deep(TypeId t, std::uint32_t component) const {
    std::uint32_t held = held_message(t);
    return held != kNone && components.of[held] != component && too_deep(held);
  }
};

Depths message_depths(const std::vector<MessageInfo>& messages) {
  Depths d{message_components(messages), std::vector<int>(messages.size(), 0),
           std::vector<std::uint32_t>(messages.size(), kNone)};
  for (std::uint32_t m : d.components.order) {  // every message a field reaches comes first
    int deepest = 0;
    for (std::uint32_t fi = 0; fi < messages[m].fields.size(); ++fi) {
      int f = d.of_type(messages[m].fields[fi].type, d.components.of[m]);
      if (f > deepest) {
        deepest = f;
        d.deepest[m] = fi;
      }
    }
    d.of[m] = 1 + deepest;
  }
  return d;
}

// The field names from message `m` down its deepest path, e.g. "order.items.price".
std::string deepest_path(const std::vector<MessageInfo>& messages, const Depths& d, std::uint32_t m) {
  std::string path;
  for (std::uint32_t at = m; at != kNone && d.deepest[at] != kNone;) {
    const FieldInfo& f = messages[at].fields[d.deepest[at]];
    path += (path.empty() ? "" : ".") + f.name;
    std::uint32_t held = held_message(f.type);
    at = held != kNone && d.components.of[held] != d.components.of[at] ? held : kNone;
  }
  return path;
}

std::string too_deep_message(const std::string& what, int depth, const std::string& path) {
  return what + " is nested " + std::to_string(depth) + " levels deep (through `" + path + "`), more than the " +
         std::to_string(common::kMaxValueDepth) + " levels the runtime loads";
}

const char* const kFlattenAdvice =
    "every message, list, map and optional is one level: flatten the type, e.g. move a nested "
    "part into a message of its own that is sent separately";

}  // namespace

void Checker::check_message_recursion() {
  // Direct (unboxed) message fields form a graph; any cycle has infinite size. Depth-first, with
  // `path` holding, for each message being visited, the field it follows.
  enum class Color : std::uint8_t { White, Grey, Black };
  std::vector<Color> color(out_.messages.size(), Color::White);
  std::vector<FieldStep> path;
  for (std::uint32_t root = 0; root < out_.messages.size(); ++root) {
    if (color[root] != Color::White) continue;
    color[root] = Color::Grey;
    path.push_back({root, 0});
    while (!path.empty()) {
      FieldStep& top = path.back();
      const auto& info = out_.messages[top.message];
      if (top.field == info.fields.size()) {
        color[top.message] = Color::Black;
        path.pop_back();
        if (!path.empty()) ++path.back().field;
        continue;
      }
      TypeId t = info.fields[top.field].type;
      if (t->is(TypeKind::Message) && color[t->decl] == Color::White) {
        color[t->decl] = Color::Grey;
        path.push_back({t->decl, 0});
        continue;
      }
      if (t->is(TypeKind::Message) && color[t->decl] == Color::Grey) report_recursion(path, t->decl);
      ++top.field;
    }
  }
}

// Reports the cycle closed by the last field of `path` back to message `closed`.
void Checker::report_recursion(const std::vector<FieldStep>& path, std::uint32_t closed) {
  std::size_t start = 0;
  while (start < path.size() && path[start].message != closed) ++start;
  const auto& closing = out_.messages[path.back().message].fields[path.back().field];
  auto& d = report(Kind::E0207, closing.decl->name.span,
                   "recursive message type `" + out_.messages[closed].name + "` has infinite size");
  for (std::size_t i = start; i < path.size(); ++i) {
    const auto& pm = out_.messages[path[i].message];
    const auto& pf = pm.fields[path[i].field];
    d.notes.push_back(
        {"`" + pm.name + "` contains `" + tn(pf.type) + "` in field `" + pf.name + "`", pf.decl->name.span});
  }
  if (closing.decl->type) {
    d.fixes.push_back(
        {"add indirection by making the field optional: `" + tn(closing.type) + "?`",
         {{Span{closing.decl->type->span.file, closing.decl->type->span.end, closing.decl->type->span.end}, "?"}}});
  }
}

void Checker::check_value_depth() {
  const Depths d = message_depths(out_.messages);
  for (std::uint32_t m = 0; m < out_.messages.size(); ++m) {
    const MessageInfo& info = out_.messages[m];
    if (!d.too_deep(m) || !info.decl) continue;
    const std::uint32_t component = d.components.of[m];
    if (std::any_of(info.fields.begin(), info.fields.end(),
                    [&](const FieldInfo& f) { return d.holds_too_deep(f.type, component); }))
      continue;  // a message it holds is reported, and is the one to change
    const FieldInfo& first = info.fields[d.deepest[m]];
    auto& diag = report(Kind::E0208, info.decl->name.span,
                        too_deep_message("message `" + info.name + "`", d.of[m], deepest_path(out_.messages, d, m)));
    diag.notes.push_back({"field `" + first.name + "` holds values " + std::to_string(d.of[m] - 1) + " levels deep",
                          first.decl ? first.decl->name.span : Span{}});
    diag.fixes.push_back({kFlattenAdvice, {}});
  }
  for (const FunctionInfo& fn : out_.functions) {
    for (const StateInfo& st : fn.states) {
      const int depth = d.of_type(st.type, kNone);
      if (depth <= common::kMaxValueDepth || d.holds_too_deep(st.type, kNone) || !st.decl) continue;
      const std::uint32_t held = held_message(st.type);
      const std::string inner = held == kNone ? "" : deepest_path(out_.messages, d, held);
      auto& diag = report(Kind::E0208, st.decl->name.span,
                          too_deep_message("state `" + st.name + "` of `" + fn.name + "`", depth,
                                           st.name + (inner.empty() ? "" : "." + inner)));
      diag.fixes.push_back({kFlattenAdvice, {}});
    }
  }
}

}  // namespace sfn::check
