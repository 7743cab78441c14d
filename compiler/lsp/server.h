// The SFN language server (LSP 3.17 over stdio): keeps the open documents, analyses them
// (debounced after changes) and answers requests from the latest analysis. Malformed input
// gives an error response; nothing a client sends can stop the server except `exit`.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "compiler/lsp/analysis.h"
#include "compiler/lsp/transport.h"

namespace sfn::lsp {

using Json = nlohmann::json;

struct Document {
  std::string text;
  long long version = 0;
  std::unique_ptr<Analysis> analysis;  // of the program rooted at this document
  bool dirty = true;
};

class Server {
 public:
  // `debounce`: quiet time after a change before diagnostics are recomputed.
  Server(Transport& transport, std::chrono::milliseconds debounce) : transport_(transport), debounce_(debounce) {}
  // Serves until `exit` or end of input; returns the process exit status.
  int run();

 private:
  void reader();
  void handle(const Framed& message);
  // The error response to a message whose framing was broken (its id when the body has one).
  void framing_error(const Framed& message);
  void dispatch(const Json& message);
  Json request(const std::string& method, const Json& params);
  void notification(const std::string& method, const Json& params);

  void did_open(const Json& params);
  void did_change(const Json& params);
  void did_close(const Json& params);
  // Re-analyses dirty documents now and publishes their diagnostics.
  void refresh();
  void publish(const std::string& uri, const Document& doc);
  // `workspace/executeCommand` sfn.runTest [uri, name?]: runs the tests, publishes their failures.
  Json run_tests_command(const Json& params);
  Overlays overlays() const;
  // The document of a request's textDocument, analysed and up to date.
  Document& document(const Json& params);

  void send(const Json& message);
  void respond_error(const Json& id, int code, const std::string& message);

  Transport& transport_;
  std::chrono::milliseconds debounce_;
  std::map<std::string, Document> documents_;  // by URI
  // Diagnostics of the last test run of a document (decision 140), until it changes.
  std::map<std::string, Json> test_failures_;
  std::optional<std::chrono::steady_clock::time_point> deadline_;
  std::chrono::steady_clock::time_point last_refresh_;  // when analyses last ran
  bool initialized_ = false;                            // `initialize` was answered
  bool shutdown_ = false;
  std::optional<int> exit_code_;

  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Framed> inbox_;
  bool input_closed_ = false;
};

}  // namespace sfn::lsp
