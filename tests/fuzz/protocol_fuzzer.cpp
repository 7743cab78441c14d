// Fuzz target: bytes as a client request to a live I/O server (runtime/io: the ingress endpoint
// when the first byte is even, else the control endpoint), over a real loopback socket. Every
// request must get a reply that parses as the endpoint's reply type, carrying the request id
// when the request itself parsed; the server must neither crash nor stop answering.
#include <unistd.h>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <zmq.hpp>

#include "client.pb.h"
#include "codec_fuzz_util.h"
#include "runtime/io/io_server.h"

namespace {

using namespace sfn::runtime;

// The runtime's own validator in miniature: ingress `all` takes the test module's `All`.
std::variant<std::string, io::IngressRejection> validate(std::string_view ingress, io::PayloadFormat format,
                                                         std::string_view data) {
  if (ingress != "all") return io::IngressRejection{io::IngressRejection::Code::unknown_ingress, "unknown ingress"};
  sfn::fuzz::OwnedMessage m(&sfn::test::kAllDesc);
  sfn::Status s = format == io::PayloadFormat::json ? core::decode_json(m.desc, data, m.msg)
                                                    : core::decode_proto(m.desc, data, m.msg);
  if (!s) return io::IngressRejection{io::IngressRejection::Code::undecodable, s.error().message};
  std::string stored;
  core::encode_proto(m.desc, m.msg, stored);
  return stored;
}

struct Harness {
  Harness() {
    dir = std::filesystem::temp_directory_path() / ("sfn_protocol_fuzzer_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    io::IoServerOptions o;
    o.log_dir = dir;
    o.ingress_names = {"all"};
    o.egress_names = {"out", "dead_letters"};
    o.ingress_endpoint = o.control_endpoint = "tcp://127.0.0.1:*";
    o.validator = validate;
    o.state = [](std::string_view address) -> transport::Result<std::string> { return std::string(address); };
    auto started = io::IoServer::start(std::move(o));
    if (!started) sfn::fuzz::finding("cannot start the I/O server", started.error().message);
    server = std::move(started.value());
    ingress.connect(server->ingress_endpoint());
    control.connect(server->control_endpoint());
  }
  ~Harness() { std::filesystem::remove_all(dir); }

  // Sends [empty, request] and returns the reply's last frame (a finding when none comes).
  std::string call(zmq::socket_t& socket, std::string_view request) {
    socket.send(zmq::message_t(), zmq::send_flags::sndmore);
    socket.send(zmq::buffer(request.data(), request.size()), zmq::send_flags::none);
    zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
    int ready;
    while ((ready = zmq_poll(&item, 1, 10000)) < 0 && zmq_errno() == EINTR) {
    }  // libFuzzer's own signals interrupt the wait
    if (ready <= 0) sfn::fuzz::finding("no reply", request);
    zmq::message_t part;
    std::string last;
    do {
      (void)socket.recv(part);
      last.assign(static_cast<const char*>(part.data()), part.size());
    } while (part.more());
    return last;
  }

  std::filesystem::path dir;
  std::unique_ptr<io::IoServer> server;
  zmq::context_t context{1};
  zmq::socket_t ingress{context, zmq::socket_type::dealer};
  zmq::socket_t control{context, zmq::socket_type::dealer};
};

template <typename Request, typename Reply>
void exchange(Harness& h, zmq::socket_t& socket, std::string_view bytes) {
  Request request;
  const bool parsed = request.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
  Reply reply;
  std::string raw = h.call(socket, bytes);
  if (!reply.ParseFromString(raw)) sfn::fuzz::finding("unparseable reply", raw);
  if (parsed && reply.request_id() != request.request_id()) sfn::fuzz::finding("reply to another request", raw);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Harness h;
  if (size == 0) return 0;
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  namespace proto = sfn::runtime::proto;
  if (data[0] % 2 == 0)
    exchange<proto::IngressRequest, proto::IngressReply>(h, h.ingress, bytes);
  else
    exchange<proto::ControlRequest, proto::ControlReply>(h, h.control, bytes);
  return 0;
}
