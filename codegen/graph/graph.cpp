// The routing graph renderers. Edges come from CheckedProgram::routes; identical deliveries
// (same source handler or ingress, message, kind and destination) are shown once.
#include "codegen/graph/graph.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <set>
#include <tuple>
#include <vector>

namespace sfn::codegen::graph {
namespace {

using check::CheckedProgram;
using check::RouteEdge;

struct Node {
  std::string id;    // stable, unique: "ingress:greets", "function:Greeter", "egress:greetings"
  std::string kind;  // "ingress" | "function" | "egress"
  std::string name;
  std::string detail;  // ingress/egress message type, function type name
};

struct Edge {
  std::string from;
  std::string to;
  std::string message;
  std::string kind;  // "ingress" | "send" | "delayed_send" | "emit"
  std::string via;   // "on AddToCart" or "ingress greets"
  source::Span span;
};

std::string ingress_id(const std::string& name) { return "ingress:" + name; }
std::string function_id(const std::string& name) { return "function:" + name; }
std::string egress_id(const std::string& name) { return "egress:" + name; }

std::string kind_name(RouteEdge::Kind kind) {
  switch (kind) {
    case RouteEdge::Kind::Send:
      return "send";
    case RouteEdge::Kind::DelayedSend:
      return "delayed_send";
    case RouteEdge::Kind::Emit:
      return "emit";
    case RouteEdge::Kind::Ingress:
      return "ingress";
  }
  return "send";
}

struct Graph {
  std::vector<Node> nodes;
  std::vector<Edge> edges;
};

Graph build(const CheckedProgram& p) {
  Graph g;
  for (const auto& in : p.ingresses) {
    std::string msg = in.message == check::kNone ? "" : p.messages[in.message].name;
    g.nodes.push_back({ingress_id(in.name), "ingress", in.name, msg});
  }
  for (const auto& f : p.functions) g.nodes.push_back({function_id(f.name), "function", f.name, f.type_name});
  std::set<std::uint32_t> used_egresses;
  for (const auto& r : p.routes) {
    if (r.kind == RouteEdge::Kind::Emit && r.to_egress != check::kNone) used_egresses.insert(r.to_egress);
  }
  for (std::uint32_t i = 0; i < p.egresses.size(); ++i) {
    const auto& e = p.egresses[i];
    // dead_letters is fed by the runtime from any failing invocation, not by program edges.
    if (e.builtin && !used_egresses.count(i)) continue;
    std::string msg = e.message == check::kNone ? "" : p.messages[e.message].name;
    g.nodes.push_back({egress_id(e.name), "egress", e.name, msg});
  }
  std::set<std::tuple<std::string, std::string, std::string, std::string, std::string>> seen;
  for (const auto& r : p.routes) {
    if (r.message == check::kNone) continue;
    Edge e;
    e.message = p.messages[r.message].name;
    e.kind = kind_name(r.kind);
    e.span = r.span;
    if (r.from == RouteEdge::From::Ingress) {
      const auto& in = p.ingresses[r.from_ingress];
      e.from = ingress_id(in.name);
      e.via = "ingress " + in.name;
    } else {
      const auto& f = p.functions[r.from_function];
      e.from = function_id(f.name);
      const auto& h = f.handlers[r.from_handler];
      e.via = "on " + (h.message == check::kNone ? std::string("?") : p.messages[h.message].name);
    }
    if (r.kind == RouteEdge::Kind::Emit) {
      if (r.to_egress == check::kNone) continue;
      e.to = egress_id(p.egresses[r.to_egress].name);
    } else {
      if (r.to_function == check::kNone) continue;
      e.to = function_id(p.functions[r.to_function].name);
    }
    if (!seen.insert({e.from, e.to, e.message, e.kind, e.via}).second) continue;
    g.edges.push_back(std::move(e));
  }
  return g;
}

std::string edge_label(const Edge& e) {
  std::string label = e.message;
  if (e.kind == "delayed_send") label += " (delayed)";
  if (e.kind != "ingress") label += "\\n" + e.via;
  return label;
}

std::string dot_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"')
      out += "\\\"";
    else
      out += c;
  }
  return out;
}

std::string render_dot(const Graph& g, const std::string& package) {
  std::string out = fmt::format("digraph \"{}\" {{\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n", package);
  for (const auto& n : g.nodes) {
    std::string shape = n.kind == "function" ? "box" : n.kind == "ingress" ? "cds" : "folder";
    std::string label = n.kind == "function" ? n.name : fmt::format("{} {}\\n{}", n.kind, n.name, n.detail);
    out += fmt::format("  \"{}\" [shape={}, label=\"{}\"];\n", n.id, shape, dot_escape(label));
  }
  for (const auto& e : g.edges) {
    std::string style = e.kind == "delayed_send" ? ", style=dashed" : "";
    out += fmt::format("  \"{}\" -> \"{}\" [label=\"{}\"{}];\n", e.from, e.to, dot_escape(edge_label(e)), style);
  }
  out += "}\n";
  return out;
}

std::string mermaid_id(const std::string& id) {
  std::string out;
  for (char c : id) out += (c == ':') ? '_' : c;
  return out;
}

std::string render_mermaid(const Graph& g) {
  std::string out = "flowchart LR\n";
  for (const auto& n : g.nodes) {
    std::string id = mermaid_id(n.id);
    if (n.kind == "function")
      out += fmt::format("  {}[\"{}\"]\n", id, n.name);
    else if (n.kind == "ingress")
      out += fmt::format("  {}([\"ingress {}: {}\"])\n", id, n.name, n.detail);
    else
      out += fmt::format("  {}[/\"egress {}: {}\"/]\n", id, n.name, n.detail);
  }
  for (const auto& e : g.edges) {
    std::string label = e.message;
    if (e.kind == "delayed_send") label += " (delayed)";
    if (e.kind != "ingress") label += "<br/>" + e.via;
    std::string arrow = e.kind == "delayed_send" ? "-.->" : "-->";
    out += fmt::format("  {} {}|\"{}\"| {}\n", mermaid_id(e.from), arrow, label, mermaid_id(e.to));
  }
  return out;
}

std::string render_json(const Graph& g, const std::string& package, const source::SourceManager& sources) {
  nlohmann::ordered_json j;
  j["package"] = package;
  j["nodes"] = nlohmann::json::array();
  for (const auto& n : g.nodes) {
    nlohmann::ordered_json node;
    node["id"] = n.id;
    node["kind"] = n.kind;
    node["name"] = n.name;
    if (n.kind == "function")
      node["type_name"] = n.detail;
    else
      node["message"] = n.detail;
    j["nodes"].push_back(node);
  }
  j["edges"] = nlohmann::json::array();
  for (const auto& e : g.edges) {
    nlohmann::ordered_json edge;
    edge["from"] = e.from;
    edge["to"] = e.to;
    edge["message"] = e.message;
    edge["kind"] = e.kind;
    edge["via"] = e.via;
    if (e.span.valid()) {
      const auto& file = sources.file(e.span.file);
      auto pos = file.line_col(e.span.begin);
      edge["file"] = file.path();
      edge["line"] = pos.line;
      edge["column"] = pos.column;
    }
    j["edges"].push_back(edge);
  }
  return j.dump(2) + "\n";
}

}  // namespace

std::string render_graph(const CheckedProgram& program, const source::SourceManager& sources, Format format) {
  Graph g = build(program);
  switch (format) {
    case Format::Dot:
      return render_dot(g, program.package);
    case Format::Mermaid:
      return render_mermaid(g);
    case Format::Json:
      return render_json(g, program.package, sources);
  }
  return {};
}

}  // namespace sfn::codegen::graph
