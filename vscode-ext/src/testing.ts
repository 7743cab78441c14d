// VS Code's Testing view for `test "name" { ... }` blocks (decision 140): every .sfn file of the
// workspace with tests is an item whose children are its tests (found in the text, kept up to
// date as documents change); running items runs `sfn test FILE --format json [--filter NAME]`
// and shows each test passed or failed, a failure's message at the line of its expectation.
import { execFile } from "child_process";
import * as path from "path";
import * as vscode from "vscode";

const TEST_LINE = /^test\s+"((?:[^"\\\n]|\\.)*)"\s*\{/;

// The tests of a file's text: their names and 0-based lines.
export function testsIn(text: string): { name: string; line: number }[] {
  const out: { name: string; line: number }[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const m = TEST_LINE.exec(line);
    if (m) out.push({ name: m[1].replace(/\\(.)/g, "$1"), line: i });
  });
  return out;
}

interface Failure { line: number; column: number; statement: string; message: string }
interface Outcome { name: string; passed: boolean; ms: number; failures: Failure[] }

function runSfnTest(sfn: string, file: string, filter: string | undefined, token: vscode.CancellationToken):
  Promise<{ outcomes: Outcome[]; status: number; stderr: string }> {
  const args = ["test", file, "--format", "json", ...(filter === undefined ? [] : ["--filter", filter])];
  return new Promise((resolve) => {
    const child = execFile(sfn, args, { cwd: path.dirname(file), maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const outcomes = stdout.split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as Outcome);
      const status = error && typeof error.code === "number" ? error.code : error ? 2 : 0;
      resolve({ outcomes, status, stderr });
    });
    token.onCancellationRequested(() => child.kill());
  });
}

export function registerTesting(context: vscode.ExtensionContext, sfnPath: () => string | undefined): vscode.TestController {
  const controller = vscode.tests.createTestController("sfnTests", "SFN tests");
  context.subscriptions.push(controller);

  const update = (uri: vscode.Uri, text: string) => {
    const tests = testsIn(text);
    const id = uri.toString();
    if (tests.length === 0) {
      controller.items.delete(id);
      return;
    }
    const file = controller.items.get(id) ?? controller.createTestItem(id, path.basename(uri.fsPath), uri);
    file.children.replace(tests.map((t) => {
      const item = controller.createTestItem(`${id}#${t.name}`, t.name, uri);
      item.range = new vscode.Range(t.line, 0, t.line, 0);
      return item;
    }));
    controller.items.add(file);
  };
  const updateDocument = (doc: vscode.TextDocument) => {
    if (doc.languageId === "sfn" || doc.uri.fsPath.endsWith(".sfn")) update(doc.uri, doc.getText());
  };

  controller.resolveHandler = async (item) => {
    if (item) return;
    for (const uri of await vscode.workspace.findFiles("**/*.sfn", "**/node_modules/**")) {
      update(uri, Buffer.from(await vscode.workspace.fs.readFile(uri)).toString("utf8"));
    }
  };
  context.subscriptions.push(
    vscode.workspace.onDidOpenTextDocument(updateDocument),
    vscode.workspace.onDidChangeTextDocument((e) => updateDocument(e.document)),
  );
  vscode.workspace.textDocuments.forEach(updateDocument);

  controller.createRunProfile("Run", vscode.TestRunProfileKind.Run, async (request, token) => {
    const run = controller.createTestRun(request);
    const chosen: vscode.TestItem[] = [];
    if (request.include) chosen.push(...request.include);
    else controller.items.forEach((i) => chosen.push(i));
    for (const item of chosen) {
      if (token.isCancellationRequested) break;
      await runItem(item, run, token);
    }
    run.end();
  }, true);

  async function runItem(item: vscode.TestItem, run: vscode.TestRun, token: vscode.CancellationToken) {
    const sfn = sfnPath();
    const isFile = item.parent === undefined;
    const file = (isFile ? item : item.parent!);
    const tests: vscode.TestItem[] = [];
    if (isFile) item.children.forEach((c) => tests.push(c));
    else tests.push(item);
    tests.forEach((t) => run.started(t));
    if (!sfn || !file.uri) {
      tests.forEach((t) => run.errored(t, new vscode.TestMessage("the sfn executable was not found (see the setting sfn.path)")));
      return;
    }
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === file.uri!.toString());
    if (doc?.isDirty) await doc.save();
    const result = await runSfnTest(sfn, file.uri.fsPath, isFile ? undefined : item.label, token);
    for (const t of tests) {
      const outcome = result.outcomes.find((o) => o.name === t.label);
      if (!outcome) {
        run.errored(t, new vscode.TestMessage(result.stderr.trim() || `sfn test exited with status ${result.status}`));
      } else if (outcome.passed) {
        run.passed(t, outcome.ms);
      } else {
        run.failed(t, outcome.failures.map((f) => {
          const message = new vscode.TestMessage(`${f.statement}\n${f.message}`);
          message.location = new vscode.Location(file.uri!, new vscode.Position(Math.max(0, f.line - 1), Math.max(0, f.column - 1)));
          return message;
        }), outcome.ms);
      }
    }
  }
  return controller;
}
