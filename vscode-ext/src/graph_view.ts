// The routing-graph webview's script (bundled into media/graph.js; no network): receives the
// graph from the extension and draws it as SVG.
import { layout, RoutingGraph } from "./graph_layout";

const SVG = "http://www.w3.org/2000/svg";

function element(name: string, attributes: Record<string, string | number>, text?: string): SVGElement {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attributes)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

function draw(graph: RoutingGraph): void {
  const placed = layout(graph);
  const svg = element("svg", { width: placed.width, height: placed.height, viewBox: `0 0 ${placed.width} ${placed.height}` });
  const defs = element("defs", {});
  const marker = element("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 8, markerHeight: 8, orient: "auto" });
  marker.appendChild(element("path", { d: "M 0 0 L 10 5 L 0 10 z", class: "arrow" }));
  defs.appendChild(marker);
  svg.appendChild(defs);
  for (const e of placed.edges) {
    svg.appendChild(element("path", { d: e.path, class: `edge ${e.kind}`, "marker-end": "url(#arrow)" }));
    svg.appendChild(element("text", { x: e.labelX, y: e.labelY, class: "label", "text-anchor": "middle" }, e.message));
  }
  for (const n of placed.nodes) {
    const g = element("g", { class: `node ${n.kind}` });
    g.appendChild(element("rect", { x: n.x, y: n.y, width: n.width, height: n.height, rx: n.kind === "function" ? 6 : 18 }));
    g.appendChild(element("text", { x: n.x + n.width / 2, y: n.y + n.height / 2 + 4, "text-anchor": "middle" }, n.name));
    const title = element("title", {}, n.kind + (n.message ? ` (${n.message})` : ""));
    g.appendChild(title);
    svg.appendChild(g);
  }
  const root = document.getElementById("graph")!;
  root.replaceChildren(svg);
  document.getElementById("title")!.textContent = `Routing graph of ${graph.package ?? "the program"}`;
}

declare function acquireVsCodeApi(): { postMessage(message: unknown): void };

window.addEventListener("message", (event: MessageEvent) => {
  const data = event.data as { graph?: RoutingGraph; error?: string };
  if (data.graph) draw(data.graph);
  else if (data.error) document.getElementById("graph")!.textContent = data.error;
});
// Messages posted before this script runs are lost: ask for the graph once listening.
acquireVsCodeApi().postMessage({ ready: true });
