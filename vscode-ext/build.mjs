// Bundles the extension (dist/extension.js, vscode-languageclient included), the webview's
// drawing script (media/graph.js) and the layout for its node test (dist/graph_layout.cjs).
import * as esbuild from "esbuild";

const common = { bundle: true, minify: false, sourcemap: false, logLevel: "warning" };
await esbuild.build({ ...common, entryPoints: ["src/extension.ts"], outfile: "dist/extension.js", platform: "node", format: "cjs", target: "node18", external: ["vscode"] });
await esbuild.build({ ...common, entryPoints: ["src/graph_view.ts"], outfile: "media/graph.js", platform: "browser", format: "iife", target: "es2020" });
await esbuild.build({ ...common, entryPoints: ["src/graph_layout.ts"], outfile: "dist/graph_layout.cjs", platform: "node", format: "cjs", target: "node18" });
