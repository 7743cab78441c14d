// Codec tests: Protobuf and JSON round trips over every field kind, exact JSON and §10 text,
// durations and times, and hostile input (malformed, truncated, random bytes) giving errors.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "common/limits.h"
#include "runtime/core/codec.h"
#include "runtime/core/module.h"
#include "runtime/core/text.h"
#include "runtime/core/value.h"
#include "test_module.h"

namespace sfn::runtime::core {
namespace {

using test::All;
using test::Inner;

class CodecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loaded = load_module_linked(test::test_module_entry);
    ASSERT_TRUE(loaded) << loaded.error().message;
    module_ = loaded.value();
    message_init(&test::kAllDesc, &a_);
    message_init(&test::kAllDesc, &b_);
  }
  void TearDown() override {
    message_destroy(&test::kAllDesc, &a_);
    message_destroy(&test::kAllDesc, &b_);
  }

  void fill(All& m) {
    m.i = -42;
    m.f = 0.1;
    m.b = 1;
    str_set(&m.s, "h\xC3\xA9llo \"q\"");
    str_set(&m.by, std::string("\x00\xFF\x10", 3));
    ASSERT_TRUE(parse_time("2026-11-23T19:30:00.25Z", &m.t));
    m.d = 5'400'000'000'000;  // 1h30m
    for (int64_t v : {1, -2, 300}) *static_cast<int64_t*>(list_emplace_back(&abi::kInt, &m.li)) = v;
    for (const char* v : {"a", "", "c"}) str_set(static_cast<sfn_str*>(list_emplace_back(&abi::kString, &m.ls)), v);
    sfn_str k{};
    str_set(&k, "b");
    *static_cast<int64_t*>(map_slot(&test::kMapStrInt, &m.m, &k)) = 2;
    str_set(&k, "a");
    *static_cast<int64_t*>(map_slot(&test::kMapStrInt, &m.m, &k)) = 1;
    str_free(&k);
    m.oi.present = 1;
    m.oi.value = 0;  // present zero must survive the Protobuf round trip
    m.om = static_cast<Inner*>(message_new(&test::kInnerDesc));
    m.om->x = 7;
    m.in.x = 9;
    str_set(&m.in.s, "in");
    m.e = 2;
    str_set(&m.r, "test.rt/Counter/5");
    auto* inner = static_cast<sfn_list*>(list_emplace_back(&test::kListInt, &m.ll));
    *static_cast<int64_t*>(list_emplace_back(&abi::kInt, inner)) = 4;
    list_emplace_back(&test::kListInt, &m.ll);  // an empty inner list
    m.os.present = 1;                           // present empty string
    int64_t key = 3;
    sfn_type map_int_bool{SFN_MAP, &abi::kBool, &abi::kInt, nullptr, nullptr, nullptr};
    *static_cast<uint8_t*>(map_slot(&map_int_bool, &m.mb, &key)) = 1;
  }

  ModulePtr module_;
  All a_, b_;
};

TEST_F(CodecTest, ProtobufRoundTripKeepsEveryField) {
  fill(a_);
  std::string bytes;
  encode_proto(&test::kAllDesc, &a_, bytes);
  Status s = decode_proto(&test::kAllDesc, bytes, &b_);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_TRUE(value_equal(&test::kAllType, &a_, &b_));
  EXPECT_EQ(b_.oi.present, 1);
  EXPECT_EQ(b_.os.present, 1);
  EXPECT_EQ(b_.ll.len, 2u);
  EXPECT_EQ(b_.ls.len, 3u);  // the empty string element is kept
}

TEST_F(CodecTest, DefaultMessageEncodesToNothing) {
  std::string bytes;
  encode_proto(&test::kAllDesc, &a_, bytes);
  EXPECT_EQ(bytes.size(), 0u);
}

TEST_F(CodecTest, JsonRoundTripKeepsEveryField) {
  fill(a_);
  std::string json;
  encode_json(&test::kAllDesc, &a_, json);
  Status s = decode_json(&test::kAllDesc, json, &b_);
  ASSERT_TRUE(s) << s.error().message << "\n" << json;
  EXPECT_TRUE(value_equal(&test::kAllType, &a_, &b_)) << json;
}

TEST_F(CodecTest, JsonTextFollowsTheLanguageGuide) {
  fill(a_);
  std::string json;
  encode_json(&test::kAllDesc, &a_, json);
  EXPECT_EQ(json,
            R"({"i":-42,"f":0.1,"b":true,"s":"héllo \"q\"","by":"AP8Q","t":"2026-11-23T19:30:00.25Z","d":"1h30m",)"
            R"("li":[1,-2,300],"ls":["a","","c"],"m":{"a":1,"b":2},"oi":0,"om":{"x":7,"s":""},"in":{"x":9,"s":"in"},)"
            R"("e":"BLUE","r":"test.rt/Counter/5","ll":[[4],[]],"os":"","mb":{"3":true}})");
}

TEST_F(CodecTest, NoneFieldsAreOmittedFromJson) {
  std::string json;
  encode_json(&test::kAllDesc, &a_, json);
  EXPECT_EQ(json.find("\"oi\""), std::string::npos);
  EXPECT_EQ(json.find("\"om\""), std::string::npos);
  EXPECT_NE(json.find("\"i\":0"), std::string::npos);
}

TEST_F(CodecTest, FormattingFollowsSection10) {
  fill(a_);
  std::string text;
  append_formatted(text, &test::kAllType, &a_);
  EXPECT_EQ(text,
            "All{i: -42, f: 0.1, b: true, s: \"h\xC3\xA9llo \\\"q\\\"\", by: \"AP8Q\", t: 2026-11-23T19:30:00.25Z, "
            "d: 1h30m, li: [1, -2, 300], ls: [\"a\", \"\", \"c\"], m: {\"a\": 1, \"b\": 2}, oi: 0, "
            "om: Inner{x: 7, s: \"\"}, in: Inner{x: 9, s: \"in\"}, e: Color.BLUE, r: test.rt/Counter/5, "
            "ll: [[4], []], os: \"\", mb: {3: true}}");
  std::string top;
  append_formatted(top, &abi::kString, &a_.s);
  EXPECT_EQ(top, "h\xC3\xA9llo \"q\"");  // strings as-is at the top level
}

TEST(TextTest, FloatsAreShortestRoundTrip) {
  auto f = [](double x) {
    std::string s;
    append_float(s, x);
    return s;
  };
  EXPECT_EQ(f(0.1), "0.1");
  EXPECT_EQ(f(3.0), "3.0");
  EXPECT_EQ(f(1e20), "1e+20");
  EXPECT_EQ(f(-2.5), "-2.5");
  EXPECT_EQ(f(1.0 / 3), "0.3333333333333333");
}

TEST(TextTest, DurationsFormatAndParse) {
  auto f = [](int64_t ns) {
    std::string s;
    append_duration(s, ns);
    return s;
  };
  EXPECT_EQ(f(0), "0s");
  EXPECT_EQ(f(5'400'000'000'000), "1h30m");
  EXPECT_EQ(f(90'000'000'000), "1m30s");
  EXPECT_EQ(f(1'500'000'000), "1.5s");
  EXPECT_EQ(f(250'000'000), "250ms");
  EXPECT_EQ(f(1'500), "1.5us");
  EXPECT_EQ(f(12), "12ns");
  EXPECT_EQ(f(-2'000'000'000), "-2s");
  for (int64_t ns : {int64_t{0}, int64_t{5'400'000'000'000}, int64_t{1'500'000'000}, int64_t{250'000'000},
                     int64_t{-2'000'000'000}, int64_t{86'400'000'000'123}, INT64_MIN, INT64_MAX}) {
    int64_t back = -1;
    ASSERT_TRUE(parse_duration(f(ns), &back)) << f(ns);
    EXPECT_EQ(back, ns);
  }
  int64_t v;
  EXPECT_TRUE(parse_duration("2d", &v));
  EXPECT_EQ(v, 172'800'000'000'000);
  EXPECT_FALSE(parse_duration("", &v));
  EXPECT_FALSE(parse_duration("5", &v));
  EXPECT_FALSE(parse_duration("5x", &v));
  EXPECT_FALSE(parse_duration("1.s.", &v));
  EXPECT_FALSE(parse_duration("999999999999h", &v));
  EXPECT_EQ(f(INT64_MIN), "-2562047h47m16.854775808s");  // reads back (above); one ns more does not fit
  EXPECT_FALSE(parse_duration("2562047h47m16.854775808s", &v));
  EXPECT_FALSE(parse_duration("-2562047h47m16.854775809s", &v));
}

TEST(TextTest, TimesAreRfc3339Utc) {
  auto f = [](int64_t t) {
    std::string s;
    append_time(s, t);
    return s;
  };
  EXPECT_EQ(f(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(f(-1), "1969-12-31T23:59:59.999999999Z");
  int64_t t, u;
  ASSERT_TRUE(parse_time("2026-11-23T19:30:00Z", &t));
  EXPECT_EQ(f(t), "2026-11-23T19:30:00Z");
  ASSERT_TRUE(parse_time("2026-11-23T20:30:00.5+01:00", &u));
  EXPECT_EQ(u - t, 500'000'000);
  EXPECT_FALSE(parse_time("2026-02-30T00:00:00Z", &t));
  EXPECT_FALSE(parse_time("2026-11-23 19:30", &t));
  EXPECT_FALSE(parse_time("2026-11-23T19:30:00", &t));
}

TEST(TextTest, Base64RoundTripAndRejectsGarbage) {
  for (std::string raw :
       {std::string(""), std::string("f"), std::string("fo"), std::string("foo"), std::string("\x00\xFF\x7F\x80", 4)}) {
    std::string enc, dec;
    append_base64(enc, raw);
    ASSERT_TRUE(parse_base64(enc, &dec));
    EXPECT_EQ(dec, raw);
  }
  std::string out;
  EXPECT_FALSE(parse_base64("abc", &out));
  EXPECT_FALSE(parse_base64("ab$=", &out));
  EXPECT_FALSE(parse_base64("a=bc", &out));
}

TEST_F(CodecTest, MalformedProtobufIsAnErrorNotACrash) {
  struct Case {
    std::string bytes;
    const char* expect;
  };
  std::vector<Case> cases = {
      {std::string("\x08", 1), "malformed varint"},  // truncated varint
      {std::string("\x22\x05"
                   "ab",
                   4),
       "exceeds the input"},                                      // string longer than input
      {std::string("\x09\x01", 2), "wrong wire type"},            // i as fixed64
      {std::string("\x22\x02\xC3\x28", 4), "invalid UTF-8"},      // bad UTF-8 in a string
      {std::string("\x70\x07", 2), "not a value of enum Color"},  // enum out of range
      {std::string("\x6A\x03\x08", 3), "exceeds the input"},      // nested message truncated
      {std::string("\x00", 1), "invalid"},                        // field number 0
  };
  for (const Case& c : cases) {
    Status s = decode_proto(&test::kAllDesc, c.bytes, &b_);
    EXPECT_FALSE(s) << "accepted " << testing::PrintToString(c.bytes);
    EXPECT_NE(s.error().message.find(c.expect), std::string::npos) << s.error().message;
  }
}

// A string that is not UTF-8 in what the runtime stored itself (a state value, a message in
// flight) is read with U+FFFD for each bad byte; records from outside are refused (decision 111).
TEST_F(CodecTest, StoredInvalidUtf8IsRepairedAndOutsideInputRefused) {
  const std::string bad("h\xC3", 2);  // what `"h\u00e9llo".substring(0, 2)` once gave
  sfn_str stored{};
  str_set(&stored, bad);
  std::string state;
  encode_value(&abi::kString, &stored, state);
  sfn_str back{};
  Status s = decode_value(&abi::kString, state, &back);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(str_view(back), "h\xEF\xBF\xBD");
  str_set(&a_.s, bad);
  std::string record;
  encode_proto(&test::kAllDesc, &a_, record);
  EXPECT_FALSE(decode_proto(&test::kAllDesc, record, &b_));
  ASSERT_TRUE(decode_proto(&test::kAllDesc, record, &b_, BadUtf8::repair));
  EXPECT_EQ(str_view(b_.s), "h\xEF\xBF\xBD");
  str_free(&stored);
  str_free(&back);
}

// encode_value writes scalars without a stream (the hot path of write-backs and snapshots): the
// wrapper message {1: value} byte for byte, and decode_value reads it back.
TEST_F(CodecTest, ScalarStateValuesAreTheWrapperMessage) {
  const std::pair<int64_t, std::string> ints[] = {{0, std::string("\x08\x00", 2)},
                                                  {1, "\x08\x01"},
                                                  {300, "\x08\xAC\x02"},
                                                  {-1, "\x08" + std::string(9, '\xFF') + "\x01"},
                                                  {INT64_MIN, "\x08" + std::string(9, '\x80') + "\x01"}};
  for (const auto& [v, bytes] : ints) {
    std::string out = "prefix";
    encode_value(&abi::kInt, &v, out);
    EXPECT_EQ(out, "prefix" + bytes) << v;
    int64_t back = 7;
    ASSERT_TRUE(decode_value(&abi::kInt, std::string_view(out).substr(6), &back));
    EXPECT_EQ(back, v);
  }
  for (uint8_t b : {0, 1}) {
    std::string out;
    encode_value(&abi::kBool, &b, out);
    EXPECT_EQ(out, std::string("\x08") + static_cast<char>(b));
    uint8_t back = 2;
    ASSERT_TRUE(decode_value(&abi::kBool, out, &back));
    EXPECT_EQ(back, b);
  }
}

TEST_F(CodecTest, RandomAndMutatedBytesNeverCrash) {
  fill(a_);
  std::string good;
  encode_proto(&test::kAllDesc, &a_, good);
  std::mt19937 rng(1234);
  int errors = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string bytes = good;
    if (round % 2 == 0) {
      bytes.resize(rng() % 64);
      for (char& c : bytes) c = static_cast<char>(rng());
    } else {
      for (int k = 0; k < 3; ++k) bytes[rng() % bytes.size()] = static_cast<char>(rng());
      if (rng() % 3 == 0) bytes.resize(rng() % bytes.size());
    }
    Status s = decode_proto(&test::kAllDesc, bytes, &b_);
    if (!s) ++errors;
    std::string again;
    encode_proto(&test::kAllDesc, &b_, again);  // whatever decoded is a valid value
  }
  EXPECT_GT(errors, 100);
}

TEST_F(CodecTest, MalformedJsonIsAnErrorNamingTheProblem) {
  struct Case {
    const char* json;
    const char* expect;
  };
  const Case cases[] = {
      {"{\"i\": 1", "invalid JSON"},
      {"[1]", "expected an object"},
      {"{\"i\": \"x\"}", "field `i`: expected an integer"},
      {"{\"i\": 1.5}", "field `i`: expected an integer"},
      {"{\"i\": 99999999999999999999}", "field `i`"},
      {"{\"zz\": 1}", "unknown field `zz`"},
      {"{\"by\": \"***\"}", "field `by`: expected base64"},
      {"{\"t\": \"yesterday\"}", "field `t`: expected an RFC 3339 time"},
      {"{\"d\": \"5 minutes\"}", "field `d`: expected a duration"},
      {"{\"e\": \"PINK\"}", "`PINK` is not a value of enum Color"},
      {"{\"li\": [1, \"2\", true]}", "field `li[2]`: expected an integer"},
      {"{\"mb\": {\"x\": true}}", "map key `x` is not an integer"},
      {"{\"r\": \"nothing\"}", "is not an address"},
      {"{\"in\": {\"x\": {}}}", "field `in.x`: expected an integer"},
  };
  for (const Case& c : cases) {
    Status s = decode_json(&test::kAllDesc, c.json, &b_);
    EXPECT_FALSE(s) << "accepted " << c.json;
    EXPECT_NE(s.error().message.find(c.expect), std::string::npos) << c.json << " -> " << s.error().message;
  }
}

TEST_F(CodecTest, MissingRequiredFieldIsAnError) {
  const sfn_message_desc* start = module_->message(test::kMsgStart);
  void* m = message_new(start);
  Status s = decode_json(start, "{\"key\":\"a\"}", m);
  EXPECT_FALSE(s);
  EXPECT_NE(s.error().message.find("missing field `delay`"), std::string::npos) << s.error().message;
  EXPECT_TRUE(decode_json(start, "{\"key\":\"a\",\"delay\":\"1s\"}", m));
  message_delete(start, m);
}

// A message `Nest` with one field `l`, a list nested `lists` deep around an int: its values are
// 1 + lists levels deep (common/limits.h).
class NestedLists {
 public:
  explicit NestedLists(int lists) : types_(static_cast<std::size_t>(lists)) {
    const sfn_type* inner = &abi::kInt;
    for (auto& t : types_) {
      t = sfn_type{SFN_LIST, inner, nullptr, nullptr, nullptr, nullptr};
      inner = &t;
    }
    field_ = sfn_field_desc{"l", 1, 0, inner, 0};
    desc_ = sfn_message_desc{"Nest", "test.Nest", sizeof(sfn_list), alignof(sfn_list), 1, &field_, nullptr};
    msg_ = message_new(&desc_);
  }
  ~NestedLists() { message_delete(&desc_, msg_); }
  const sfn_message_desc* desc() const { return &desc_; }
  void* msg() const { return msg_; }
  // Fills the value with one int at the bottom: [[...[7]...]].
  void fill() {
    void* slot = msg_;
    for (auto t = types_.rbegin(); t != types_.rend(); ++t)
      slot = list_emplace_back((*t).elem, static_cast<sfn_list*>(slot));
    *static_cast<int64_t*>(slot) = 7;
  }
  std::string json() const {
    return "{\"l\":" + std::string(types_.size(), '[') + "7" + std::string(types_.size(), ']') + "}";
  }

 private:
  std::vector<sfn_type> types_;  // types_[0] is the innermost list; never reallocated
  sfn_field_desc field_;
  sfn_message_desc desc_;
  void* msg_;
};

// Both decoders load a value exactly common::kMaxValueDepth deep and refuse one level more,
// naming the field (the checker refuses such types: E0208; recursive types can still have such
// values). Encoders write any depth.
TEST(CodecDepthTest, BothDecodersLoadTheMaximumDepthAndRefuseOneMore) {
  for (int lists : {common::kMaxValueDepth - 1, common::kMaxValueDepth}) {
    SCOPED_TRACE(lists);
    const bool fits = 1 + lists <= common::kMaxValueDepth;
    NestedLists built(lists), decoded(lists);
    built.fill();
    std::string proto, json;
    encode_proto(built.desc(), built.msg(), proto);
    encode_json(built.desc(), built.msg(), json);
    EXPECT_EQ(json, built.json());
    Status from_proto = decode_proto(decoded.desc(), proto, decoded.msg());
    Status from_json = decode_json(decoded.desc(), json, decoded.msg());
    EXPECT_EQ(static_cast<bool>(from_proto), fits) << from_proto.error().message;
    EXPECT_EQ(static_cast<bool>(from_json), fits) << from_json.error().message;
    if (fits) {
      std::string again;
      encode_proto(decoded.desc(), decoded.msg(), again);
      EXPECT_EQ(again, proto);
      continue;
    }
    EXPECT_EQ(from_proto.error().message, "undecodable Nest: field `l`: nesting too deep: more than 64 levels");
    std::string path = "l";
    for (int i = 1; i < lists; ++i) path += "[0]";  // the innermost list opens level 65
    EXPECT_EQ(from_json.error().message, "field `" + path + "`: nesting too deep: more than 64 levels");
  }
}

TEST(AddressTest, KeyGroupsAreStableAndSpread) {
  EXPECT_EQ(address_hash("example.greeter/Greeter/Ann"), address_hash("example.greeter/Greeter/Ann"));
  // Pinned: placement of state on disk depends on this value never changing.
  EXPECT_EQ(key_group_of("example.greeter/Greeter/Ann", 128), key_group_of("example.greeter/Greeter/Ann", 128));
  std::vector<int> counts(128, 0);
  for (int i = 0; i < 12800; ++i) ++counts[key_group_of("p/T/" + std::to_string(i), 128)];
  for (int c : counts) {
    EXPECT_GT(c, 50);
    EXPECT_LT(c, 160);
  }
}

// Module::create names the first problem of an invalid descriptor as an `incompatible` error.
TEST_F(CodecTest, InvalidModuleDescriptorsAreRejectedWithTheirProblem) {
  auto rejected = [](const sfn_module* desc) {
    auto m = core::Module::create(desc, nullptr);
    EXPECT_FALSE(m);
    if (m) return std::string();
    EXPECT_EQ(m.error().code, ErrorCode::incompatible);
    return m.error().message;
  };
  EXPECT_EQ(rejected(nullptr), "the module entry returned no descriptor");
  sfn_module other = module_->desc();
  other.abi_version = SFN_ABI_VERSION + 1;
  EXPECT_EQ(rejected(&other), "module ABI version " + std::to_string(SFN_ABI_VERSION + 1) +
                                  " is not supported (runtime has " + std::to_string(SFN_ABI_VERSION) + ")");
  other = module_->desc();
  other.package = nullptr;
  EXPECT_EQ(rejected(&other), "module without a package name");
  other = module_->desc();
  std::vector<sfn_function_desc> functions(other.functions, other.functions + other.function_count);
  functions.push_back(functions[0]);
  other.functions = functions.data();
  ++other.function_count;
  EXPECT_EQ(rejected(&other), "function type " + std::string(functions[0].type_name) + ": declared twice");
  functions.pop_back();
  functions[0].key_kind = SFN_BOOL;
  other.function_count = static_cast<uint32_t>(functions.size());
  EXPECT_EQ(rejected(&other),
            "function type " + std::string(functions[0].type_name) + ": key type must be string or int");
  auto ok = core::Module::create(&module_->desc(), nullptr);
  EXPECT_TRUE(ok) << ok.error().message;
}

TEST_F(CodecTest, AddressesAreParsedAgainstTheModule) {
  Result<Address> a = module_->parse_address("test.rt/Counter/42");
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->int_key, 42);
  EXPECT_EQ(a->type_name, "test.rt/Counter");
  Result<Address> bad_key = module_->parse_address("test.rt/Counter/x");
  ASSERT_FALSE(bad_key);
  EXPECT_EQ(bad_key.error().message, "address \"test.rt/Counter/x\": `test.rt/Counter` is keyed by int");
  Result<Address> unknown = module_->parse_address("test.rt/Nope/1");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().message, "unknown function type `test.rt/Nope` in address \"test.rt/Nope/1\"");
  Result<Address> garbage = module_->parse_address("garbage");
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().message, "\"garbage\" is not an address \"pkg/Type/key\"");
  Result<Address> slash_key = module_->parse_address("test.rt/Clock/a/b");
  ASSERT_TRUE(slash_key);
  EXPECT_EQ(slash_key->key, "a/b");
}

}  // namespace
}  // namespace sfn::runtime::core
