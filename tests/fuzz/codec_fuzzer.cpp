// Fuzz targets proto_codec_fuzzer and json_codec_fuzzer (this file built twice, SFN_FUZZ_JSON 0
// or 1): bytes as the Protobuf encoding or the JSON text of a message of the runtime test module
// (first byte: which message). Decoding must refuse cleanly or give a message that round-trips.
#include "codec_fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  sfn::fuzz::OwnedMessage m(sfn::fuzz::pick_message(data[0]));
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  sfn::Status s = SFN_FUZZ_JSON ? sfn::runtime::core::decode_json(m.desc, bytes, m.msg)
                                : sfn::runtime::core::decode_proto(m.desc, bytes, m.msg);
  if (s) sfn::fuzz::check_round_trips(m);
  return 0;
}
