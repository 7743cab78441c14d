// The values of `sfn test` (decision 140): a test's constants as the JSON the runtime writes
// (LANGUAGE.md §10), so expected and actual records compare as JSON values, and the line diff
// a failed expectation shows.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "compiler/check/checked_program.h"

namespace sfn::driver {

// `v` as the runtime writes it in JSON (a message's `none` fields omitted).
nlohmann::json value_json(const check::CheckedProgram& p, const check::ConstValue& v);

// One record an egress received: the emitting instance and the record.
struct EmittedRecord {
  std::string source;
  nlohmann::json value;
};

// Whether `actual` is exactly `expected`, in order for the records of each instance (the order
// between instances is not promised, RUNTIME.md).
bool same_records(const std::vector<nlohmann::json>& expected, const std::vector<EmittedRecord>& actual);

// The records of `expected` that `actual` lacks (each actual record matches one expected).
std::vector<nlohmann::json> missing_records(const std::vector<nlohmann::json>& expected,
                                            const std::vector<EmittedRecord>& actual);

// A line diff of `expected` against `actual`: "  " common, "- " expected only, "+ " actual only,
// each line indented by `indent`.
std::string diff_lines(const std::vector<std::string>& expected, const std::vector<std::string>& actual,
                       const std::string& indent);

}  // namespace sfn::driver
