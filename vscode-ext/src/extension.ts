// The SFN extension: starts `sfn lsp` through vscode-languageclient and adds the commands
// "SFN: Show routing graph" (a webview fed by the server's sfn/routingGraph request) and
// "SFN: Run file" (a terminal running `sfn run`), and the `test` blocks in the Testing view
// (testing.ts).
import * as path from "path";
import * as vscode from "vscode";
import { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from "vscode-languageclient/node";
import { findSfn } from "./sfn_path";
import { registerTesting } from "./testing";

let client: LanguageClient | undefined;
let sfnPath: string | undefined;

function sfnSetting(): string {
  return vscode.workspace.getConfiguration("sfn").get<string>("path", "").trim();
}

async function startClient(context: vscode.ExtensionContext): Promise<void> {
  const found = findSfn(sfnSetting(), process.env.PATH);
  if ("error" in found) {
    sfnPath = undefined;
    const choice = await vscode.window.showErrorMessage(`SFN: ${found.error}`, "Open Settings");
    if (choice) await vscode.commands.executeCommand("workbench.action.openSettings", "sfn.path");
    return;
  }
  sfnPath = found.path;
  const serverOptions: ServerOptions = { command: found.path, args: ["lsp"], transport: TransportKind.stdio };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ language: "sfn" }],
    outputChannelName: "SFN Language Server",
  };
  client = new LanguageClient("sfn", "SFN Language Server", serverOptions, clientOptions);
  await client.start();
  context.subscriptions.push({ dispose: () => void client?.stop() });
}

function activeSfnEditor(): vscode.TextEditor | undefined {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document.languageId !== "sfn") {
    void vscode.window.showWarningMessage("SFN: open an .sfn file first.");
    return undefined;
  }
  return editor;
}

function graphHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, "media", "graph.js"));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, "media", "graph.css"));
  const csp = `default-src 'none'; img-src ${webview.cspSource}; style-src ${webview.cspSource}; script-src ${webview.cspSource};`;
  return `<!DOCTYPE html><html><head><meta charset="UTF-8"><meta http-equiv="Content-Security-Policy" content="${csp}">
<link rel="stylesheet" href="${style}"></head><body><h3 id="title">Routing graph</h3><div id="graph">Loading…</div>
<script src="${script}"></script></body></html>`;
}

async function showRoutingGraph(context: vscode.ExtensionContext): Promise<void> {
  const editor = activeSfnEditor();
  if (!editor) return;
  if (!client) {
    void vscode.window.showErrorMessage("SFN: the language server is not running (see the setting sfn.path).");
    return;
  }
  const panel = vscode.window.createWebviewPanel("sfnRoutingGraph", `Routing graph: ${path.basename(editor.document.fileName)}`,
    vscode.ViewColumn.Beside, { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, "media")] });
  const uri = editor.document.uri.toString();
  const languageClient = client;
  // The webview asks for the graph when its script is ready (messages sent earlier are lost).
  panel.webview.onDidReceiveMessage(async (message: { ready?: boolean }) => {
    if (!message.ready) return;
    try {
      const graph = await languageClient.sendRequest("sfn/routingGraph", { textDocument: { uri } });
      await panel.webview.postMessage({ graph });
    } catch (e) {
      await panel.webview.postMessage({ error: `The routing graph is not available: ${(e as Error).message}` });
    }
  }, undefined, context.subscriptions);
  panel.webview.html = graphHtml(panel.webview, context.extensionUri);
}

function runFile(): void {
  const editor = activeSfnEditor();
  if (!editor || !sfnPath) {
    if (editor) void vscode.window.showErrorMessage("SFN: the sfn executable was not found (see the setting sfn.path).");
    return;
  }
  const file = editor.document.fileName;
  const terminal = vscode.window.createTerminal({ name: `sfn run ${path.basename(file)}`, cwd: path.dirname(file) });
  terminal.show();
  terminal.sendText(`${JSON.stringify(sfnPath)} run ${JSON.stringify(file)}`);
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  context.subscriptions.push(
    vscode.commands.registerCommand("sfn.showRoutingGraph", () => showRoutingGraph(context)),
    vscode.commands.registerCommand("sfn.runFile", runFile),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (!e.affectsConfiguration("sfn.path")) return;
      await client?.stop();
      client = undefined;
      await startClient(context);
    }),
  );
  registerTesting(context, () => sfnPath ?? (() => { const f = findSfn(sfnSetting(), process.env.PATH); return "error" in f ? undefined : f.path; })());
  await startClient(context);
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
