// End-to-end test of the extension in a real VS Code: code-server (installed by
// install-code-server.sh) serves VS Code on loopback, Debian's Chromium is driven by
// puppeteer-core. Installs the .vsix, opens a file with an error and checks colouring, the
// status bar's language, the Problems panel, a hover and a quick fix; saves a screenshot; then
// runs the `test` blocks of tested.sfn from the Testing view and checks each one's outcome.
// Usage: node e2e/run.mjs --code-server DIR --vsix FILE --sfn PATH --out DIR
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import puppeteer from "puppeteer-core";

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, a, i, all) => (a.startsWith("--") ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []));
for (const key of ["code-server", "vsix", "sfn", "out"]) {
  if (!args[key]) throw new Error(`missing --${key}`);
}
const here = path.dirname(fileURLToPath(import.meta.url));
const entry = path.join(args["code-server"], "out", "node", "entry.js");
const WAIT = 60_000;

let passed = 0;
let failed = 0;
function check(name, ok, detail = "") {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${detail ? `: ${detail}` : ""}`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

async function waitForHttp(url, deadline) {
  while (Date.now() < deadline) {
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer in time`);
}

function prepare() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sfn-vscode-e2e-"));
  const dirs = { tmp, user: path.join(tmp, "user-data"), extensions: path.join(tmp, "extensions"), workspace: path.join(tmp, "workspace") };
  for (const d of [dirs.user, dirs.extensions, dirs.workspace, path.join(dirs.user, "User")]) fs.mkdirSync(d, { recursive: true });
  fs.copyFileSync(path.join(here, "app.sfn"), path.join(dirs.workspace, "app.sfn"));
  fs.copyFileSync(path.join(here, "tested.sfn"), path.join(dirs.workspace, "tested.sfn"));
  fs.writeFileSync(path.join(dirs.user, "User", "settings.json"), JSON.stringify({
    "security.workspace.trust.enabled": false,
    "workbench.startupEditor": "none",
    "update.mode": "none",
    "telemetry.telemetryLevel": "off",
    "extensions.autoCheckUpdates": false,
    "extensions.autoUpdate": false,
    "workbench.tips.enabled": false,
    "workbench.colorTheme": "Default Dark Modern",
    "editor.fontSize": 15,
    "sfn.path": path.resolve(args.sfn),
  }, null, 2));
  dirs.config = path.join(tmp, "config.yaml");
  fs.writeFileSync(dirs.config, "auth: none\ncert: false\n");
  return dirs;
}

function codeServerArgs(dirs) {
  return ["--config", dirs.config, "--user-data-dir", dirs.user, "--extensions-dir", dirs.extensions];
}

async function main() {
  const dirs = prepare();
  const install = spawnSync(process.execPath, [entry, ...codeServerArgs(dirs), "--install-extension", path.resolve(args.vsix)], { encoding: "utf8" });
  check("the .vsix installs", install.status === 0, (install.stdout + install.stderr).trim().split("\n").pop());
  if (install.status !== 0) return;

  const port = await freePort();
  const server = spawn(process.execPath, [entry, ...codeServerArgs(dirs), "--auth", "none", "--bind-addr", `127.0.0.1:${port}`,
    "--disable-telemetry", "--disable-update-check", "--disable-workspace-trust", dirs.workspace], { stdio: ["ignore", "pipe", "pipe"] });
  let serverLog = "";
  server.stdout.on("data", (d) => (serverLog += d));
  server.stderr.on("data", (d) => (serverLog += d));
  let browser;
  let page;
  try {
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, Date.now() + WAIT);
    browser = await puppeteer.launch({
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1400,900"],
      defaultViewport: { width: 1400, height: 900 },
      userDataDir: path.join(dirs.tmp, "chromium"),
    });
    page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(dirs.workspace)}`, { waitUntil: "domcontentloaded" });
    await scenario(page);
  } catch (e) {
    check("the scenario runs to its end", false, e.stack ?? String(e));
    if (page) {
      fs.mkdirSync(args.out, { recursive: true });
      await page.screenshot({ path: path.join(args.out, "vscode-e2e-failure.png") }).catch(() => {});
      console.log(`screen at the failure: ${path.join(args.out, "vscode-e2e-failure.png")}`);
    }
    console.log(serverLog.split("\n").slice(-30).join("\n"));
  } finally {
    await browser?.close();
    server.kill("SIGTERM");
    fs.rmSync(dirs.tmp, { recursive: true, force: true });
  }
}

// The text of every element matching `selector`.
const texts = (page, selector) => page.$$eval(selector, (els) => els.map((e) => e.textContent ?? ""));

async function openFile(page, name) {
  await page.waitForSelector(".monaco-workbench", { timeout: WAIT });
  await page.waitForSelector(".explorer-folders-view, .monaco-workbench .part.sidebar", { timeout: WAIT });
  await chord(page, "Control", "p");
  await page.waitForSelector(".quick-input-widget input", { visible: true, timeout: WAIT });
  await page.keyboard.type(name);
  await page.waitForFunction((n) => [...document.querySelectorAll(".quick-input-list .monaco-list-row")].some((r) => r.textContent.includes(n)), { timeout: WAIT }, name);
  await page.keyboard.press("Enter");
  await page.waitForSelector(".monaco-editor .view-lines", { timeout: WAIT });
}

// The token span `text` on the editor line containing `line` (rendered lines are not in
// document order in the DOM), as its colour or its centre.
async function token(page, line, text) {
  return page.evaluate((l, t) => {
    // Monaco renders spaces as no-break spaces.
    const row = [...document.querySelectorAll(".monaco-editor .view-line")].find((r) => r.textContent.replace(/\u00a0/g, " ").includes(l));
    // A span may hold neighbouring punctuation or spaces too: measure the word itself.
    const word = new RegExp(`(^|[^A-Za-z0-9_])${t}($|[^A-Za-z0-9_])`);
    const span = row && [...row.querySelectorAll("span span")].find((s) => word.test(s.textContent));
    if (!span || !span.firstChild) return null;
    const at = span.textContent.search(word) + (span.textContent.search(word) === span.textContent.indexOf(t) ? 0 : 1);
    const range = document.createRange();
    range.setStart(span.firstChild, at);
    range.setEnd(span.firstChild, at + t.length);
    const r = range.getBoundingClientRect();
    return { colour: getComputedStyle(span).color, x: r.x + r.width / 2, y: r.y + r.height / 2 };
  }, line, text);
}

async function problems(page) {
  return texts(page, ".markers-panel .monaco-list-row");
}

async function scenario(page) {
  await openFile(page, "app.sfn");

  await page.waitForFunction(() => document.querySelector("#status\\.editor\\.mode")?.textContent?.includes("SFN"), { timeout: WAIT });
  check("the status bar shows the language", true, await page.$eval("#status\\.editor\\.mode", (e) => e.textContent.trim()));

  // Tokenisation and the theme apply asynchronously: wait until the two colours differ (or time out).
  const deadline = Date.now() + WAIT;
  while (Date.now() < deadline) {
    const [k, i] = [await token(page, "state count", "state"), await token(page, "state count", "count")];
    if (k && i && k.colour !== i.colour) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const keyword = (await token(page, "state count", "state"))?.colour;
  const identifier = (await token(page, "state count", "count"))?.colour;
  check("keywords are coloured differently from identifiers", keyword && identifier && keyword !== identifier, `state: ${keyword}, count: ${identifier}`);

  await chord(page, "Control", "Shift", "m");
  await page.waitForFunction(() => [...document.querySelectorAll(".markers-panel .monaco-list-row")].some((r) => r.textContent.includes("E0101")), { timeout: WAIT });
  const rows = await problems(page);
  const row = rows.find((r) => r.includes("E0101")) ?? "";
  check("the Problems panel lists the diagnostic with its code and line", row.includes("unknown message type `Ordr`") && /Ln 15\b/.test(row), row);

  const hover = await hoverAt(page, 10, 37, "field Order.user: string");  // `user` of `Cart(o.user)`
  check("hovering a field shows its type", hover.includes("field Order.user: string"), hover.replace(/\s+/g, " "));

  fs.mkdirSync(args.out, { recursive: true });
  const shot = path.join(args.out, "vscode-e2e.png");
  await page.screenshot({ path: shot });
  check("a screenshot is saved", fs.statSync(shot).size > 10_000, shot);

  await applyQuickFix(page, 15, 6);
  await page.waitForFunction(() => ![...document.querySelectorAll(".markers-panel .monaco-list-row")].some((r) => r.textContent.includes("E0101")), { timeout: WAIT });
  const after = await problems(page);
  check("after the quick fix the diagnostic is gone", !after.some((r) => r.includes("E0101")), JSON.stringify(after));

  await runCommand(page, "SFN: Show routing graph");
  const nodes = await graphNodes(page);
  const drawn = ["orders", "Cart"].every((n) => nodes.includes(n));
  await page.screenshot({ path: path.join(args.out, drawn ? "vscode-e2e-graph.png" : "vscode-e2e-failure.png") });
  check("the routing graph view draws the program's nodes", drawn, JSON.stringify(nodes));

  await testingView(page);
}

// The rows of the Testing view: their text and the outcome icon they show (or "").
async function testRows(page) {
  return page.$$eval(".test-explorer .monaco-list-row", (rows) => rows.map((r) => {
    const icon = r.querySelector("[class*='codicon-testing-']");
    const state = icon ? [...icon.classList].find((c) => c.startsWith("codicon-testing-")) : "";
    return { text: r.textContent ?? "", state, label: r.getAttribute("aria-label") ?? "" };
  }));
}

// The Testing view lists the tests of tested.sfn, runs them, and shows one passed, one failed.
async function testingView(page) {
  await openFile(page, "tested.sfn");
  await runCommand(page, "Testing: Focus on Test Explorer View");
  const listed = async (pred) => {
    const deadline = Date.now() + WAIT;
    while (Date.now() < deadline) {
      const rows = await testRows(page);
      if (pred(rows)) return rows;
      // expand collapsed file items so that their tests show
      await page.$$eval(".test-explorer .monaco-list-row[aria-expanded='false'] .monaco-tl-twistie", (ts) => ts.forEach((t) => t.click()));
      await new Promise((r) => setTimeout(r, 200));
    }
    return testRows(page);
  };
  let rows = await listed((rs) => ["counts orders", "miscounts orders"].every((n) => rs.some((r) => r.text.includes(n))));
  check("the Testing view lists the file's tests", ["tested.sfn", "counts orders", "miscounts orders"].every((n) => rows.some((r) => r.text.includes(n))),
    JSON.stringify(rows.map((r) => r.text)));
  await runCommand(page, "Test: Run All Tests");
  // "counts orders" is also part of "miscounts orders": a row is a test's when its text has no longer name
  const outcome = (rs, name) => rs.find((r) => r.text.includes(name) && (name === "miscounts orders" || !r.text.includes("miscounts")))?.state ?? "";
  rows = await listed((rs) => outcome(rs, "counts orders").includes("passed") && outcome(rs, "miscounts orders").includes("failed"));
  check("a passing test shows passed", outcome(rows, "counts orders").includes("passed"), JSON.stringify(rows));
  check("a failing test shows failed", outcome(rows, "miscounts orders").includes("failed"), JSON.stringify(rows));
  await page.screenshot({ path: path.join(args.out, "vscode-e2e-testing.png") });
}

// The node names drawn in the routing-graph webview (a frame inside the page), once it has any.
async function graphNodes(page) {
  const deadline = Date.now() + WAIT;
  while (Date.now() < deadline) {
    for (const frame of page.frames()) {
      const names = await frame.$$eval("#graph svg .node text", (ts) => ts.map((t) => t.textContent)).catch(() => []);
      if (names.length > 0) return names;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return [];
}

async function chord(page, ...keys) {
  const modifiers = keys.slice(0, -1);
  for (const m of modifiers) await page.keyboard.down(m);
  await page.keyboard.press(keys[keys.length - 1]);
  for (const m of modifiers.reverse()) await page.keyboard.up(m);
}

// Puts the cursor at line:column with "Go to Line".
async function goTo(page, line, column) {
  await page.click(".monaco-editor .view-lines");
  await chord(page, "Control", "g");
  await page.waitForSelector(".quick-input-widget input", { visible: true, timeout: WAIT });
  await page.keyboard.type(`${line}:${column}`);
  await page.keyboard.press("Enter");
  await page.waitForSelector(".quick-input-widget", { hidden: true, timeout: WAIT });
}

// Runs a command by its label from the command palette.
async function runCommand(page, label) {
  console.log(`     (command: ${label})`);
  await page.keyboard.press("F1");
  await page.waitForSelector(".quick-input-widget input", { visible: true, timeout: WAIT });
  await page.keyboard.type(label);
  await page.waitForFunction((l) => [...document.querySelectorAll(".quick-input-list .monaco-list-row")].some((r) => r.textContent.includes(l)), { timeout: WAIT }, label);
  await page.keyboard.press("Enter");
  await page.waitForSelector(".quick-input-widget", { hidden: true, timeout: WAIT });
  console.log("     (command ran)");
}

// Shows the hover at line:column and returns its text once it holds `expected` (the
// diagnostics' part of a hover may come before the language server's).
async function hoverAt(page, line, column, expected) {
  await goTo(page, line, column);
  await runCommand(page, "Show or Focus Hover");
  const selector = ".monaco-editor .monaco-hover:not(.hidden)";
  await page.waitForFunction((s, e) => [...document.querySelectorAll(s)].some((h) => h.textContent.includes(e)), { timeout: WAIT }, selector, expected)
    .catch(() => {});
  return page.$$eval(selector, (hs) => hs.map((h) => h.textContent).join(" | "));
}

async function applyQuickFix(page, line, column) {
  await page.keyboard.press("Escape");
  await goTo(page, line, column);
  await chord(page, "Control", ".");
  await page.waitForFunction(() => [...document.querySelectorAll(".action-widget .monaco-list-row")].some((r) => r.textContent.includes("did you mean")), { timeout: WAIT });
  const items = await texts(page, ".action-widget .monaco-list-row");
  const index = items.findIndex((t) => t.includes("did you mean"));
  const rows = await page.$$(".action-widget .monaco-list-row");
  await rows[index].click();
}

await main();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
