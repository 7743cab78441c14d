// The server loop: a reader thread queues raw messages; the main thread handles them in order
// and, when the queue is quiet for the debounce time after a change, re-analyses the changed
// documents and publishes their diagnostics. Requests are answered from up-to-date analyses.
#include "compiler/lsp/server.h"

#include <thread>

#include "compiler/lsp/features.h"
#include "compiler/lsp/tests.h"
#include "compiler/lsp/text.h"

namespace sfn::lsp {
namespace {

const Json& field(const Json& params, const char* name) {
  if (!params.is_object() || !params.contains(name)) {
    throw RequestError(kInvalidParams, std::string("missing parameter `") + name + "`");
  }
  return params.at(name);
}

// What a request about one document gets: its analysis, the file, and the request's parameters.
struct DocumentCall {
  const Analysis& a;
  source::FileId file;
  const LineIndex& index;
  const Json& params;
  // The byte offset of an LSP position ({line, character} in UTF-16 code units).
  std::uint32_t at(const Json& position) const {
    return index.offset({position.at("line").get<std::uint32_t>(), position.at("character").get<std::uint32_t>()});
  }
  std::uint32_t position() const { return at(field(params, "position")); }
  std::string uri() const { return field(field(params, "textDocument"), "uri").get<std::string>(); }
};

// The requests about one document, in one table (issue 21): the method, the capability that
// announces it in `initialize` (name and value), and its handler. Adding a request is one line.
struct DocumentRequest {
  const char* method;
  const char* capability;
  Json (*capability_value)();
  Json (*handle)(const DocumentCall& c);
};

Json yes() { return true; }

const DocumentRequest kDocumentRequests[] = {
    {"textDocument/hover", "hoverProvider", yes,
     [](const DocumentCall& c) { return hover(c.a, c.file, c.position()); }},
    {"textDocument/definition", "definitionProvider", yes,
     [](const DocumentCall& c) { return definition(c.a, c.file, c.position()); }},
    {"textDocument/references", "referencesProvider", yes,
     [](const DocumentCall& c) {
       bool decl = c.params.contains("context") && c.params["context"].value("includeDeclaration", true);
       return references(c.a, c.file, c.position(), decl);
     }},
    {"textDocument/prepareRename", "renameProvider", [] { return Json{{"prepareProvider", true}}; },
     [](const DocumentCall& c) { return prepare_rename(c.a, c.file, c.position()); }},
    {"textDocument/rename", nullptr, nullptr,
     [](const DocumentCall& c) {
       return rename(c.a, c.file, c.position(), field(c.params, "newName").get<std::string>());
     }},
    {"textDocument/completion", "completionProvider", [] { return Json{{"triggerCharacters", {".", " ", "{", ","}}}; },
     [](const DocumentCall& c) { return completion(c.a, c.file, c.position()); }},
    {"textDocument/documentSymbol", "documentSymbolProvider", yes,
     [](const DocumentCall& c) { return document_symbols(c.a, c.file); }},
    {"textDocument/semanticTokens/full", "semanticTokensProvider",
     [] { return Json{{"legend", semantic_token_legend()}, {"full", true}}; },
     [](const DocumentCall& c) { return semantic_tokens(c.a, c.file); }},
    {"textDocument/foldingRange", "foldingRangeProvider", yes,
     [](const DocumentCall& c) { return folding_ranges(c.a, c.file); }},
    {"textDocument/formatting", "documentFormattingProvider", yes,
     [](const DocumentCall& c) { return formatting(c.a, c.file); }},
    {"textDocument/codeLens", "codeLensProvider", [] { return Json{{"resolveProvider", false}}; },
     [](const DocumentCall& c) { return test_code_lenses(c.a, c.file, c.uri()); }},
    {"textDocument/codeAction", "codeActionProvider", [] { return Json{{"codeActionKinds", {"quickfix"}}}; },
     [](const DocumentCall& c) {
       const Json& r = field(c.params, "range");
       return code_actions(c.a, c.file, c.at(r.at("start")), c.at(r.at("end")));
     }},
};

const DocumentRequest* document_request(const std::string& method) {
  for (const DocumentRequest& r : kDocumentRequests)
    if (method == r.method) return &r;
  return nullptr;
}

Json capabilities() {
  Json caps = {
      {"positionEncoding", "utf-16"},
      {"textDocumentSync", {{"openClose", true}, {"change", 2}, {"save", false}}},
      {"workspaceSymbolProvider", true},
      {"executeCommandProvider", {{"commands", {kRunTestCommand}}}},
  };
  for (const DocumentRequest& r : kDocumentRequests)
    if (r.capability) caps[r.capability] = r.capability_value();
  return caps;
}

}  // namespace

int Server::run() {
  std::thread input([this] { reader(); });
  input.detach();  // blocks in read(); ends with the process
  for (;;) {
    std::unique_lock lock(mutex_);
    auto has_work = [this] { return !inbox_.empty() || input_closed_; };
    if (deadline_)
      ready_.wait_until(lock, *deadline_, has_work);
    else
      ready_.wait(lock, has_work);
    if (inbox_.empty()) {
      if (input_closed_) return exit_code_.value_or(shutdown_ ? 0 : 1);
      lock.unlock();
      refresh();  // the debounce time passed without a message
      if (exit_code_) return *exit_code_;
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
      if (is_request)
        respond_error(id, kServerNotInitialized, "the server is not initialized: send `initialize` first");
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
  const DocumentRequest* handler = document_request(method);
  if (!handler) throw RequestError(kMethodNotFound, "unknown method `" + method + "`");
  Document& doc = document(params);
  const Analysis& a = *doc.analysis;
  const source::FileId file =
      a.sources.find(uri_to_path(field(field(params, "textDocument"), "uri").get<std::string>())).value_or(a.root);
  return handler->handle(DocumentCall{a, file, a.line_index(file), params});
}

void Server::notification(const std::string& method, const Json& params) {
  try {
    if (method == "exit")
      exit_code_ = shutdown_ ? 0 : 1;
    else if (method == "textDocument/didOpen")
      did_open(params);
    else if (method == "textDocument/didChange")
      did_change(params);
    else if (method == "textDocument/didClose")
      did_close(params);
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
  send({{"jsonrpc", "2.0"},
        {"method", "textDocument/publishDiagnostics"},
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
  send({{"jsonrpc", "2.0"},
        {"method", "textDocument/publishDiagnostics"},
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
  Result<TestRun> run = run_tests(uri_to_path(uri), name);
  if (!run) throw RequestError(kRequestFailed, run.error().message);
  test_failures_[uri] = run->diagnostics;
  if (auto it = documents_.find(uri); it != documents_.end() && it->second.analysis) publish(uri, it->second);
  return run->results;
}

Document& Server::document(const Json& params) {
  std::string uri = field(field(params, "textDocument"), "uri").get<std::string>();
  auto it = documents_.find(uri);
  if (it == documents_.end()) throw RequestError(kInvalidParams, "document `" + uri + "` is not open");
  if (it->second.dirty) refresh();
  if (it->second.analysis->root == source::kNoFile)
    throw RequestError(kRequestFailed, "the document cannot be analysed");
  return it->second;
}

void Server::send(const Json& message) {
  // The client is gone (its end of the pipe closed): nothing more can be said, so stop as after
  // an `exit` without `shutdown` (status 1) instead of working for no one.
  if (!transport_.write(message.dump(-1, ' ', false, Json::error_handler_t::replace))) exit_code_ = 1;
}

void Server::respond_error(const Json& id, int code, const std::string& message) {
  send({{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}});
}

}  // namespace sfn::lsp
