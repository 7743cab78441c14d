// The server loop: a reader thread queues raw messages; the main thread handles them in order
// and, when the queue is quiet for the debounce time after a change, re-analyses the changed
// documents and publishes their diagnostics. Requests are answered from up-to-date analyses.
#include "compiler/lsp/server.h"

#include <set>
#include <thread>

#include "compiler/lsp/features.h"
#include "compiler/lsp/tests.h"
#include "compiler/lsp/text.h"

namespace sfn::lsp {
namespace {

Json capabilities() {
  return {
      {"positionEncoding", "utf-16"},
      {"textDocumentSync", {{"openClose", true}, {"change", 2}, {"save", false}}},
      {"hoverProvider", true},
      {"definitionProvider", true},
      {"referencesProvider", true},
      {"renameProvider", {{"prepareProvider", true}}},
      {"completionProvider", {{"triggerCharacters", {".", " ", "{", ","}}}},
      {"documentSymbolProvider", true},
      {"workspaceSymbolProvider", true},
      {"documentFormattingProvider", true},
      {"codeActionProvider", {{"codeActionKinds", {"quickfix"}}}},
      {"foldingRangeProvider", true},
      {"semanticTokensProvider", {{"legend", semantic_token_legend()}, {"full", true}}},
      {"codeLensProvider", {{"resolveProvider", false}}},
      {"executeCommandProvider", {{"commands", {kRunTestCommand}}}},
  };
}

const Json& field(const Json& params, const char* name) {
  if (!params.is_object() || !params.contains(name)) {
    throw RequestError(kInvalidParams, std::string("missing parameter `") + name + "`");
  }
  return params.at(name);
}

}  // namespace

int Server::run() {
  std::thread input([this] { reader(); });
  input.detach();  // blocks in read(); ends with the process
  for (;;) {
    std::unique_lock lock(mutex_);
    auto has_work = [this] { return !inbox_.empty() || input_closed_; };
    if (deadline_) ready_.wait_until(lock, *deadline_, has_work);
    else ready_.wait(lock, has_work);
    if (inbox_.empty()) {
      if (input_closed_) return exit_code_.value_or(shutdown_ ? 0 : 1);
      lock.unlock();
      refresh();  // the debounce time passed without a message
      continue;
    }
    Framed message = std::move(inbox_.front());
    inbox_.pop_front();
    lock.unlock();
    handle(message);
    if (exit_code_) return *exit_code_;
  }
}

void Server::reader() {
  for (;;) {
    std::optional<Framed> body = transport_.read();
    std::lock_guard lock(mutex_);
    if (!body) {
      input_closed_ = true;
      ready_.notify_one();
      return;
    }
    inbox_.push_back(std::move(*body));
    ready_.notify_one();
  }
}

void Server::framing_error(const Framed& message) {
  Json body = Json::parse(message.body, nullptr, false);
  bool has_id = body.is_object() && body.contains("id") && (body["id"].is_number_integer() || body["id"].is_string());
  respond_error(has_id ? body["id"] : Json(nullptr), kParseError, message.error);
}

void Server::handle(const Framed& framed) {
  if (!framed.error.empty()) return framing_error(framed);
  Json message;
  try {
    message = Json::parse(framed.body);
  } catch (const std::exception& e) {
    respond_error(nullptr, kParseError, std::string("invalid JSON: ") + e.what());
    return;
  }
  if (!message.is_object() || !message.contains("method") || !message["method"].is_string()) {
    if (message.is_object() && message.contains("id") && (message.contains("result") || message.contains("error"))) {
      return;  // a response to a request of ours
    }
    respond_error(message.is_object() && message.contains("id") ? message["id"] : Json(nullptr), kInvalidRequest,
                  "not a JSON-RPC request or notification");
    return;
  }
  dispatch(message);
}

void Server::dispatch(const Json& message) {
  const std::string method = message["method"];
  const Json params = message.value("params", Json::object());
  bool is_request = message.contains("id");
  Json id = is_request ? message["id"] : Json(nullptr);
  try {
    if (!initialized_ && method != "initialize" && method != "exit") {
      // LSP: before `initialize`, requests get ServerNotInitialized and notifications are dropped.
      if (is_request) respond_error(id, kServerNotInitialized, "the server is not initialized: send `initialize` first");
      return;
    }
    if (!is_request) return notification(method, params);
    if (shutdown_ && method != "exit") throw RequestError(kInvalidRequest, "the server is shutting down");
    send({{"jsonrpc", "2.0"}, {"id", id}, {"result", request(method, params)}});
  } catch (const RequestError& e) {
    if (is_request) respond_error(id, e.code, e.what());
  } catch (const Json::exception& e) {
    if (is_request) respond_error(id, kInvalidParams, std::string("invalid parameters: ") + e.what());
  } catch (const std::exception& e) {
    if (is_request) respond_error(id, kInternalError, e.what());
  }
}

Json Server::request(const std::string& method, const Json& params) {
  if (method == "initialize") {
    if (initialized_) throw RequestError(kInvalidRequest, "the server is already initialized");
    initialized_ = true;
    return {{"capabilities", capabilities()}, {"serverInfo", {{"name", "sfn"}, {"version", SFN_LSP_VERSION}}}};
  }
  if (method == "shutdown") {
    shutdown_ = true;
    return nullptr;
  }
  if (method == "workspace/symbol") {
    Json out = Json::array();
    std::string query = params.value("query", "");
    refresh();
    for (auto& [uri, doc] : documents_) {
      for (Json& s : workspace_symbols(*doc.analysis, query)) out.push_back(std::move(s));
    }
    return out;
  }
  if (method == "sfn/routingGraph") return routing_graph(*document(params).analysis);
  if (method == "workspace/executeCommand") return run_tests_command(params);
  static const std::set<std::string> document_methods{
      "textDocument/hover", "textDocument/definition", "textDocument/references",
      "textDocument/prepareRename", "textDocument/rename", "textDocument/completion",
      "textDocument/documentSymbol", "textDocument/semanticTokens/full", "textDocument/foldingRange",
      "textDocument/formatting", "textDocument/codeAction", "textDocument/codeLens"};
  if (!document_methods.count(method)) throw RequestError(kMethodNotFound, "unknown method `" + method + "`");

  Document& doc = document(params);
  const Analysis& a = *doc.analysis;
  source::FileId file = a.sources.find(uri_to_path(field(field(params, "textDocument"), "uri").get<std::string>())).value_or(a.root);
  const LineIndex& index = a.line_index(file);
  auto offset = [&] {
    const Json& p = field(params, "position");
    return index.offset({p.at("line").get<std::uint32_t>(), p.at("character").get<std::uint32_t>()});
  };
  if (method == "textDocument/hover") return hover(a, file, offset());
  if (method == "textDocument/definition") return definition(a, file, offset());
  if (method == "textDocument/references") {
    bool decl = params.contains("context") && params["context"].value("includeDeclaration", true);
    return references(a, file, offset(), decl);
  }
  if (method == "textDocument/prepareRename") return prepare_rename(a, file, offset());
  if (method == "textDocument/rename") return rename(a, file, offset(), field(params, "newName").get<std::string>());
  if (method == "textDocument/completion") return completion(a, file, offset());
  if (method == "textDocument/documentSymbol") return document_symbols(a, file);
  if (method == "textDocument/semanticTokens/full") return semantic_tokens(a, file);
  if (method == "textDocument/foldingRange") return folding_ranges(a, file);
  if (method == "textDocument/formatting") return formatting(a, file);
  if (method == "textDocument/codeLens") return test_code_lenses(a, file, field(field(params, "textDocument"), "uri").get<std::string>());
  if (method == "textDocument/codeAction") {
    const Json& r = field(params, "range");
    auto at = [&](const Json& p) { return index.offset({p.at("line").get<std::uint32_t>(), p.at("character").get<std::uint32_t>()}); };
    return code_actions(a, file, at(r.at("start")), at(r.at("end")));
  }
  return nullptr;
}

void Server::notification(const std::string& method, const Json& params) {
  try {
    if (method == "exit") exit_code_ = shutdown_ ? 0 : 1;
    else if (method == "textDocument/didOpen") did_open(params);
    else if (method == "textDocument/didChange") did_change(params);
    else if (method == "textDocument/didClose") did_close(params);
  } catch (const std::exception&) {
    // A notification has no response; a malformed one is ignored.
  }
}

void Server::did_open(const Json& params) {
  const Json& item = field(params, "textDocument");
  Document& doc = documents_[item.at("uri").get<std::string>()];
  doc.text = item.at("text").get<std::string>();
  doc.version = item.value("version", 0LL);
  for (auto& [uri, d] : documents_) d.dirty = true;  // importers see the new buffer
  refresh();
}

void Server::did_change(const Json& params) {
  const Json& item = field(params, "textDocument");
  auto it = documents_.find(item.at("uri").get<std::string>());
  if (it == documents_.end()) return;
  Document& doc = it->second;
  for (const Json& change : field(params, "contentChanges")) {
    if (!change.contains("range")) {
      doc.text = change.at("text").get<std::string>();
      continue;
    }
    const Json& r = change["range"];
    apply_edit(doc.text, {r["start"]["line"].get<std::uint32_t>(), r["start"]["character"].get<std::uint32_t>()},
               {r["end"]["line"].get<std::uint32_t>(), r["end"]["character"].get<std::uint32_t>()},
               change.at("text").get<std::string>());
  }
  doc.version = item.value("version", doc.version + 1);
  test_failures_.erase(item.at("uri").get<std::string>());  // the lines they name may have moved
  for (auto& [uri, d] : documents_) d.dirty = true;
  // Leading and trailing debounce: the first edit after a quiet spell is analysed as soon as
  // the queued messages are handled; edits in a burst wait for the debounce time.
  auto now = std::chrono::steady_clock::now();
  deadline_ = now - last_refresh_ >= debounce_ ? now : now + debounce_;
}

void Server::did_close(const Json& params) {
  std::string uri = field(params, "textDocument").at("uri").get<std::string>();
  if (documents_.erase(uri) == 0) return;
  send({{"jsonrpc", "2.0"}, {"method", "textDocument/publishDiagnostics"},
        {"params", {{"uri", uri}, {"diagnostics", Json::array()}}}});
  for (auto& [u, d] : documents_) d.dirty = true;
}

Overlays Server::overlays() const {
  Overlays out;
  for (const auto& [uri, doc] : documents_) out[uri_to_path(uri)] = doc.text;
  return out;
}

void Server::refresh() {
  deadline_.reset();
  Overlays buffers;
  bool built = false;
  for (auto& [uri, doc] : documents_) {
    if (!doc.dirty) continue;
    if (!built) buffers = overlays(), built = true;
    doc.analysis = analyze(uri_to_path(uri), buffers);
    doc.dirty = false;
    publish(uri, doc);
  }
  if (built) last_refresh_ = std::chrono::steady_clock::now();
}

void Server::publish(const std::string& uri, const Document& doc) {
  const Analysis& a = *doc.analysis;
  Json list = a.root == source::kNoFile ? Json::array() : diagnostics_of(a, a.root);
  if (auto failures = test_failures_.find(uri); failures != test_failures_.end())
    for (const Json& d : failures->second) list.push_back(d);
  send({{"jsonrpc", "2.0"}, {"method", "textDocument/publishDiagnostics"},
        {"params", {{"uri", uri}, {"version", doc.version}, {"diagnostics", list}}}});
}

Json Server::run_tests_command(const Json& params) {
  if (field(params, "command").get<std::string>() != kRunTestCommand)
    throw RequestError(kInvalidParams, "unknown command `" + params["command"].get<std::string>() + "`");
  const Json& args = field(params, "arguments");
  if (!args.is_array() || args.empty() || !args[0].is_string())
    throw RequestError(kInvalidParams, "sfn.runTest takes [uri, test name?]");
  const std::string uri = args[0].get<std::string>();
  const std::string name = args.size() > 1 && args[1].is_string() ? args[1].get<std::string>() : "";
  TestRun run = run_tests(uri_to_path(uri), name);
  if (!run.error.empty()) throw RequestError(kRequestFailed, run.error);
  test_failures_[uri] = run.diagnostics;
  if (auto it = documents_.find(uri); it != documents_.end() && it->second.analysis) publish(uri, it->second);
  return run.results;
}

Document& Server::document(const Json& params) {
  std::string uri = field(field(params, "textDocument"), "uri").get<std::string>();
  auto it = documents_.find(uri);
  if (it == documents_.end()) throw RequestError(kInvalidParams, "document `" + uri + "` is not open");
  if (it->second.dirty) refresh();
  if (it->second.analysis->root == source::kNoFile) throw RequestError(kRequestFailed, "the document cannot be analysed");
  return it->second;
}

void Server::send(const Json& message) {
  (void)transport_.write(message.dump(-1, ' ', false, Json::error_handler_t::replace));
}

void Server::respond_error(const Json& id, int code, const std::string& message) {
  send({{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}});
}

}  // namespace sfn::lsp
