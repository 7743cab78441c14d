// Layout of a routing graph (the JSON of `sfn emit graph --format json`) for the webview:
// ingresses on the left, function types in the middle (in columns by the longest path from an
// ingress), egresses on the right; edges as curves labelled with the message type. Pure, so it
// is tested in node.

export interface GraphNode { id: string; kind: "ingress" | "function" | "egress"; name: string; message?: string }
export interface GraphEdge { from: string; to: string; message: string; kind: string; via?: string }
export interface RoutingGraph { package?: string; nodes: GraphNode[]; edges: GraphEdge[] }

export interface PlacedNode extends GraphNode { x: number; y: number; width: number; height: number }
export interface PlacedEdge extends GraphEdge { path: string; labelX: number; labelY: number }
export interface Layout { nodes: PlacedNode[]; edges: PlacedEdge[]; width: number; height: number }

const NODE_HEIGHT = 36;
const ROW_GAP = 28;
const COLUMN_GAP = 120;
const MARGIN = 24;

function nodeWidth(n: GraphNode): number {
  return Math.max(90, 14 + 8 * n.name.length);
}

// Column of every node: ingresses 0, functions 1 + longest chain of sends from an ingress
// (cycles broken by visiting each node once per path), egresses after the last function column.
function columns(graph: RoutingGraph): Map<string, number> {
  const column = new Map<string, number>();
  const functions = graph.nodes.filter((n) => n.kind === "function");
  for (const n of graph.nodes) column.set(n.id, n.kind === "ingress" ? 0 : 1);
  for (let round = 0; round < functions.length; ++round) {
    let changed = false;
    for (const e of graph.edges) {
      const to = graph.nodes.find((n) => n.id === e.to);
      if (!to || to.kind !== "function" || e.from === e.to) continue;
      const want = (column.get(e.from) ?? 0) + 1;
      if (want > (column.get(e.to) ?? 1) && want <= functions.length) {
        column.set(e.to, want);
        changed = true;
      }
    }
    if (!changed) break;
  }
  const last = Math.max(1, ...functions.map((n) => column.get(n.id) ?? 1));
  for (const n of graph.nodes) if (n.kind === "egress") column.set(n.id, last + 1);
  return column;
}

export function layout(graph: RoutingGraph): Layout {
  const column = columns(graph);
  const byColumn = new Map<number, GraphNode[]>();
  for (const n of graph.nodes) {
    const c = column.get(n.id) ?? 0;
    byColumn.set(c, [...(byColumn.get(c) ?? []), n]);
  }
  const placed = new Map<string, PlacedNode>();
  let x = MARGIN;
  let height = 0;
  for (const c of [...byColumn.keys()].sort((a, b) => a - b)) {
    const list = byColumn.get(c)!;
    const width = Math.max(...list.map(nodeWidth));
    list.forEach((n, row) => {
      const y = MARGIN + row * (NODE_HEIGHT + ROW_GAP);
      placed.set(n.id, { ...n, x, y, width, height: NODE_HEIGHT });
      height = Math.max(height, y + NODE_HEIGHT + MARGIN);
    });
    x += width + COLUMN_GAP;
  }
  const edges: PlacedEdge[] = [];
  graph.edges.forEach((e, i) => {
    const a = placed.get(e.from);
    const b = placed.get(e.to);
    if (!a || !b) return;
    const x1 = a.x + a.width, y1 = a.y + a.height / 2;
    if (a === b) {
      const path = `M ${x1} ${y1 - 6} C ${x1 + 50} ${y1 - 40}, ${x1 + 50} ${y1 + 40}, ${x1} ${y1 + 6}`;
      edges.push({ ...e, path, labelX: x1 + 44, labelY: y1 - 22 });
      return;
    }
    const x2 = b.x, y2 = b.y + b.height / 2;
    const bend = (i % 3) * 8;
    const path = `M ${x1} ${y1} C ${(x1 + x2) / 2} ${y1 + bend}, ${(x1 + x2) / 2} ${y2 - bend}, ${x2} ${y2}`;
    edges.push({ ...e, path, labelX: (x1 + x2) / 2, labelY: (y1 + y2) / 2 - 6 });
  });
  return { nodes: [...placed.values()], edges, width: Math.max(x - COLUMN_GAP + MARGIN, 200), height: Math.max(height, 100) };
}
