// The answers of the language server, each computed from one Analysis (plus the document's text
// where the analysis cannot help, e.g. completion in an incomplete line). JSON in the shapes of
// LSP 3.17.
#pragma once

#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "compiler/lsp/analysis.h"

namespace sfn::lsp {

using Json = nlohmann::json;

// A request that cannot be answered; becomes an error response with this code.
struct RequestError : std::runtime_error {
  RequestError(int code, const std::string& message) : std::runtime_error(message), code(code) {}
  int code;
};

// LSP error codes used here.
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;
inline constexpr int kServerNotInitialized = -32002;
inline constexpr int kRequestFailed = -32803;

// The legend of semantic tokens (index = token type).
Json semantic_token_legend();

Json diagnostics_of(const Analysis& a, source::FileId file);
Json hover(const Analysis& a, source::FileId file, std::uint32_t offset);
Json definition(const Analysis& a, source::FileId file, std::uint32_t offset);
Json references(const Analysis& a, source::FileId file, std::uint32_t offset, bool include_declaration);
Json prepare_rename(const Analysis& a, source::FileId file, std::uint32_t offset);
Json rename(const Analysis& a, source::FileId file, std::uint32_t offset, const std::string& new_name);
Json completion(const Analysis& a, source::FileId file, std::uint32_t offset);
Json document_symbols(const Analysis& a, source::FileId file);
Json workspace_symbols(const Analysis& a, const std::string& query);
Json semantic_tokens(const Analysis& a, source::FileId file);
Json folding_ranges(const Analysis& a, source::FileId file);
Json code_actions(const Analysis& a, source::FileId file, std::uint32_t begin, std::uint32_t end);
Json formatting(const Analysis& a, source::FileId file);
Json routing_graph(const Analysis& a);

// Range / location helpers shared by the server.
Json range_of(const Analysis& a, const source::Span& span);
// The symbol named at `offset` of `file` (and, with `at`, its occurrence), if any.
const Symbol* symbol_at(const Analysis& a, source::FileId file, std::uint32_t offset, const Occurrence** at = nullptr);

}  // namespace sfn::lsp
