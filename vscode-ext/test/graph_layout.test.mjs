// The routing graph's layout: ingresses left of the function types they feed, egresses right,
// one path per edge, nothing outside the drawing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";

const { layout } = createRequire(import.meta.url)("../dist/graph_layout.cjs");

const graph = {
  package: "example.shop",
  nodes: [
    { id: "ingress:orders", kind: "ingress", name: "orders" },
    { id: "function:Cart", kind: "function", name: "Cart" },
    { id: "function:Stock", kind: "function", name: "Stock" },
    { id: "egress:receipts", kind: "egress", name: "receipts" },
  ],
  edges: [
    { from: "ingress:orders", to: "function:Cart", message: "Order", kind: "ingress" },
    { from: "function:Cart", to: "function:Stock", message: "Check", kind: "send" },
    { from: "function:Stock", to: "function:Cart", message: "Answer", kind: "send" },
    { from: "function:Cart", to: "function:Cart", message: "Tick", kind: "delayed_send" },
    { from: "function:Cart", to: "egress:receipts", message: "Receipt", kind: "emit" },
  ],
};

test("columns follow the routes", () => {
  const l = layout(graph);
  const x = Object.fromEntries(l.nodes.map((n) => [n.id, n.x]));
  assert.ok(x["ingress:orders"] < x["function:Cart"]);
  assert.ok(x["function:Cart"] < x["function:Stock"]);
  assert.ok(x["function:Stock"] < x["egress:receipts"]);
});

test("every edge is drawn inside the picture", () => {
  const l = layout(graph);
  assert.equal(l.edges.length, graph.edges.length);
  for (const n of l.nodes) {
    assert.ok(n.x >= 0 && n.x + n.width <= l.width, n.id);
    assert.ok(n.y >= 0 && n.y + n.height <= l.height, n.id);
  }
  for (const e of l.edges) assert.match(e.path, /^M [\d.]+ [\d.]+ C /);
});
