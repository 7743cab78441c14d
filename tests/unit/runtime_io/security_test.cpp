// Tests of runtime/transport/security.h: key files (written, read back, every refusal naming the
// file), the bind rule, the ZAP handler against real CURVE sockets on loopback (an allowed key
// passes, an unknown one is refused, counted and logged once, a client without keys never gets
// in), and secured channels and I/O endpoints end to end in one process.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <mutex>
#include <zmq.hpp>

#include "runtime/io/io_server.h"
#include "runtime/transport/channel.h"
#include "runtime/transport/security.h"
#include "sfn/client.h"
#include "test_util.h"

namespace sfn::runtime::transport {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

void write_text(const std::filesystem::path& path, const std::string& text, mode_t mode = 0600) {
  std::ofstream(path) << text;
  ::chmod(path.c_str(), mode);
}

mode_t mode_of(const std::filesystem::path& path) {
  struct stat st{};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

// The error message of a failed load, or "" when it unexpectedly succeeded.
template <typename T>
std::string error_of(const Result<T>& r) {
  return r.ok() ? "" : r.error().message;
}

CurveKeyPair fresh_keys() { return generate_curve_keys().value(); }

TEST(CurveKeys, WrittenFilesLoadBackWithTheirModes) {
  TempDir dir;
  const std::string base = (dir.path() / "server").string();
  const CurveKeyPair keys = fresh_keys();
  ASSERT_TRUE(write_curve_keys(base, keys, false).ok());
  EXPECT_EQ(mode_of(base + ".key"), 0600u);
  EXPECT_EQ(mode_of(base + ".pub"), 0644u);
  auto loaded = load_curve_secret_key(base + ".key");
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded->secret_key, keys.secret_key);
  EXPECT_EQ(loaded->public_key, keys.public_key);  // derived from the secret key
  EXPECT_EQ(load_curve_public_key(base + ".pub").value(), keys.public_key);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 2);  // no temporary left
}

TEST(CurveKeys, ExistingFilesAreReplacedOnlyWhenAsked) {
  TempDir dir;
  const std::string base = (dir.path() / "k").string();
  const CurveKeyPair first = fresh_keys(), second = fresh_keys();
  ASSERT_TRUE(write_curve_keys(base, first, false).ok());
  auto refused = write_curve_keys(base, second, false);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(refused.error().message.find(base + ".key exists; pass --force"), std::string::npos);
  EXPECT_EQ(load_curve_public_key(base + ".pub").value(), first.public_key);
  std::filesystem::remove(base + ".key");  // the other file alone also stops it
  EXPECT_FALSE(write_curve_keys(base, second, false).ok());
  EXPECT_FALSE(std::filesystem::exists(base + ".key"));
  ASSERT_TRUE(write_curve_keys(base, second, true).ok());
  EXPECT_EQ(load_curve_secret_key(base + ".key").value().public_key, second.public_key);
}

TEST(CurveKeys, LoadingErrorsNameTheFileAndTheProblem) {
  TempDir dir;
  const CurveKeyPair keys = fresh_keys();
  auto path = [&](const char* name) { return (dir.path() / name).string(); };
  write_text(path("short.key"), "# a comment\n" + keys.secret_key.substr(0, 39) + "\n");
  EXPECT_EQ(error_of(load_curve_secret_key(path("short.key"))),
            path("short.key") + ": the key is 39 characters long; a CurveZMQ key in Z85 text has 40");
  write_text(path("bad.key"), "abc\"" + keys.secret_key.substr(4) + "\n");
  EXPECT_EQ(error_of(load_curve_secret_key(path("bad.key"))),
            path("bad.key") + ": the key is not Z85 text (`\"` at column 4)");
  write_text(path("two.key"), keys.secret_key + "\n" + keys.secret_key + "\n");
  EXPECT_NE(error_of(load_curve_secret_key(path("two.key"))).find("holds 2 lines that are not comments"),
            std::string::npos);
  write_text(path("empty.key"), "# nothing\n\n");
  EXPECT_EQ(error_of(load_curve_secret_key(path("empty.key"))),
            path("empty.key") + " holds no key (expected one line of 40 Z85 characters)");
  write_text(path("open.key"), keys.secret_key + "\n", 0644);
  EXPECT_EQ(error_of(load_curve_secret_key(path("open.key"))),
            "secret key file " + path("open.key") + " is open to other users (mode 0644); run `chmod 600 " +
                path("open.key") + "`");
  write_text(path("group.key"), keys.secret_key + "\n", 0640);
  EXPECT_NE(error_of(load_curve_secret_key(path("group.key"))).find("(mode 0640)"), std::string::npos);
  auto missing = load_curve_secret_key(path("missing.key"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::not_found);
  EXPECT_EQ(missing.error().message, "cannot read key file " + path("missing.key") + ": No such file or directory");
  ASSERT_TRUE(write_curve_keys(path("pair"), keys, false).ok());
  EXPECT_EQ(error_of(load_curve_secret_key(path("pair.pub"))),
            path("pair.pub") + " holds a public key; give the secret key file (OUT.key of sfn keygen OUT)");
  EXPECT_EQ(error_of(load_curve_public_key(path("pair.key"))),
            path("pair.key") + " holds a secret key; give the public key file (OUT.pub of sfn keygen OUT)");
  EXPECT_NE(error_of(load_curve_secret_key(dir.path().string())).find("not a regular file"), std::string::npos);
}

TEST(CurveKeys, PeerDirectoriesHoldPublicKeys) {
  TempDir dir;
  const CurveKeyPair a = fresh_keys(), b = fresh_keys();
  const auto peers = dir.path() / "peers";
  std::filesystem::create_directories(peers);
  EXPECT_EQ(error_of(load_curve_peers(peers.string())),
            "the peer key directory " + peers.string() + " holds no *.pub file: no client could connect");
  ASSERT_TRUE(write_curve_keys((peers / "a").string(), a, false).ok());
  write_text(peers / "b.pub", b.public_key + "\n", 0644);  // a hand-made file without a comment
  write_text(peers / "notes.txt", "not a key\n", 0644);    // not *.pub: ignored
  auto keys = load_curve_peers(peers.string());
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  std::vector<std::string> expected{a.public_key, b.public_key};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(keys.value(), expected);
  write_text(peers / "c.pub", "xyz\n", 0644);
  EXPECT_EQ(error_of(load_curve_peers(peers.string())),
            (peers / "c.pub").string() + ": the key is 3 characters long; a CurveZMQ key in Z85 text has 40");
  EXPECT_NE(error_of(load_curve_peers((dir.path() / "none").string())).find("cannot read the peer key directory"),
            std::string::npos);
}

TEST(CurveKeys, ServerAndClientOptionsComeInPairs) {
  EXPECT_EQ(error_of(load_server_security("k.key", "", false)),
            "--curve-key needs --curve-peers DIR (the public keys of the allowed clients)");
  EXPECT_EQ(error_of(load_server_security("", "peers", false)),
            "--curve-peers needs --curve-key FILE (this server's secret key)");
  EXPECT_EQ(error_of(load_client_keys("", "server.pub")),
            "--server-key needs --curve-key FILE (this client's secret key)");
  EXPECT_EQ(error_of(load_client_keys("c.key", "")), "--curve-key needs --server-key FILE (the server's public key)");
  auto none = load_server_security("", "", true);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->keys);
  EXPECT_TRUE(none->insecure);
  EXPECT_FALSE(load_client_keys("", "").value());
}

TEST(BindRule, OnlyLoopbackIsLocal) {
  for (const char* local : {"tcp://127.0.0.1:7100", "tcp://127.8.9.10:*", "tcp://localhost:7100", "tcp://[::1]:7100",
                            "ipc:///tmp/x", "inproc://sfn.x"})
    EXPECT_TRUE(is_local_endpoint(local)) << local;
  for (const char* remote : {"tcp://0.0.0.0:7100", "tcp://*:7100", "tcp://eth0:7100", "tcp://192.0.2.1:7100",
                             "tcp://[::]:7100", "tcp://127.0.0.1.example:1", "tcp://[::ffff:10.0.0.1]:7100"})
    EXPECT_FALSE(is_local_endpoint(remote)) << remote;
  zmq::context_t context;
  zmq::socket_t socket(context, zmq::socket_type::router);
  auto refused = secure_server_socket(socket.handle(), "tcp://0.0.0.0:7100", {}, "ingress endpoint");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(refused.error().message.find("refusing to bind the ingress endpoint tcp://0.0.0.0:7100"),
            std::string::npos);
  EXPECT_NE(refused.error().message.find("--insecure"), std::string::npos);
  EXPECT_TRUE(secure_server_socket(socket.handle(), "tcp://127.0.0.1:7100", {}, "ingress endpoint").ok());
  SecurityOptions insecure;
  insecure.insecure = true;
  EXPECT_TRUE(secure_server_socket(socket.handle(), "tcp://0.0.0.0:7100", insecure, "x").ok());
  SecurityOptions keyed;
  keyed.keys = fresh_keys();
  EXPECT_TRUE(secure_server_socket(socket.handle(), "tcp://0.0.0.0:7100", keyed, "x").ok());
}

// A REP CURVE server on loopback with a ZAP handler allowing `allowed`, in its own context.
struct CurveServer {
  zmq::context_t context;
  CurveKeyPair keys = fresh_keys();
  std::mutex mu;
  std::vector<std::string> log;
  std::unique_ptr<ZapHandler> zap;
  zmq::socket_t socket{context, zmq::socket_type::rep};
  std::string endpoint;

  explicit CurveServer(const std::vector<std::string>& allowed) {
    zap = ZapHandler::start(context.handle(), allowed, "peers/", [this](const std::string& line) {
            std::lock_guard lock(mu);
            log.push_back(line);
          }).value();
    SecurityOptions options;
    options.keys = keys;
    EXPECT_TRUE(secure_server_socket(socket.handle(), "tcp://127.0.0.1:*", options, "test server").ok());
    socket.set(zmq::sockopt::linger, 0);
    socket.bind("tcp://127.0.0.1:*");
    endpoint = socket.get(zmq::sockopt::last_endpoint);
  }
  ~CurveServer() { zap.reset(); }  // before the sockets' context closes

  // Echoes one request if one arrives within `wait`.
  bool echo_one(std::chrono::milliseconds wait) {
    zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, wait);
    if (!(item.revents & ZMQ_POLLIN)) return false;
    zmq::message_t m;
    (void)socket.recv(m);
    socket.send(m, zmq::send_flags::none);
    return true;
  }
  std::vector<std::string> log_lines() {
    std::lock_guard lock(mu);
    return log;
  }
};

// A REQ client of `server` with `keys` (none: a plain client); returns the reply to "hi", or ""
// when none came before `given_up` held or `wait` passed, the server serving all the while.
std::string ask(
    CurveServer& server, const std::optional<CurveKeyPair>& keys, std::chrono::milliseconds wait,
    const std::function<bool()>& given_up = [] { return false; }) {
  zmq::context_t context;
  zmq::socket_t client(context, zmq::socket_type::req);
  client.set(zmq::sockopt::linger, 0);
  std::optional<CurveClientKeys> curve;
  if (keys) curve = CurveClientKeys{*keys, server.keys.public_key};
  EXPECT_TRUE(secure_client_socket(client.handle(), server.endpoint, curve).ok());
  client.connect(server.endpoint);
  client.send(zmq::str_buffer("hi"), zmq::send_flags::none);
  const auto until = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < until && !given_up()) {
    server.echo_one(20ms);
    zmq::message_t reply;
    if (client.recv(reply, zmq::recv_flags::dontwait)) return reply.to_string();
  }
  return "";
}

TEST(ZapHandler, AcceptsAllowedKeysOnlyAndLogsEachRefusedKeyOnce) {
  const CurveKeyPair friend_keys = fresh_keys(), stranger = fresh_keys();
  CurveServer server({friend_keys.public_key});
  EXPECT_EQ(ask(server, friend_keys, 10s), "hi");
  EXPECT_EQ(server.zap->accepted(), 1u);
  EXPECT_EQ(server.zap->refused(), 0u);
  // The stranger is refused each time it connects (twice here); one log line names its key.
  EXPECT_EQ(ask(server, stranger, 10s, [&] { return server.zap->refused() >= 1; }), "");
  EXPECT_EQ(ask(server, stranger, 10s, [&] { return server.zap->refused() >= 2; }), "");
  EXPECT_EQ(server.zap->refused(), 2u);
  auto lines = server.log_lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "refused a CURVE client from 127.0.0.1: its public key " + stranger.public_key +
                          " is not among the allowed peers (peers/)");
  EXPECT_EQ(ask(server, friend_keys, 10s), "hi");  // still serving the allowed key
  // A plain client never reaches the handler: ZeroMQ drops the mismatched mechanism (given
  // 500 ms, many reconnects, to show that nothing gets through).
  const std::uint64_t refused = server.zap->refused();
  EXPECT_EQ(ask(server, std::nullopt, 500ms), "");
  EXPECT_EQ(server.zap->refused(), refused);
  EXPECT_EQ(server.log_lines().size(), 1u);
}

// A context with keys: a Receiver on tcp is a CURVE server, Senders are CURVE clients; a Sender
// whose key is not allowed delivers nothing and is counted.
TEST(ZapHandler, SecuresChannelsOverTcp) {
  const CurveKeyPair server_keys = fresh_keys(), client_keys = fresh_keys(), stranger = fresh_keys();
  TransportContext server_ctx, client_ctx, stranger_ctx;
  ASSERT_TRUE(server_ctx.secure({server_keys, {client_keys.public_key}, "test peers", false}).ok());
  ASSERT_TRUE(client_ctx.secure({client_keys, {}, "", false}).ok());
  ASSERT_TRUE(stranger_ctx.secure({stranger, {}, "", false}).ok());
  auto receiver = Receiver::bind(server_ctx, "tcp://127.0.0.1:*").value();
  ChannelOptions to_server;
  auto unkeyed = Sender::connect(client_ctx, 1, receiver->endpoint(), to_server);
  ASSERT_FALSE(unkeyed.ok());
  EXPECT_NE(unkeyed.error().message.find("needs the receiver's CurveZMQ public key"), std::string::npos);
  to_server.server_key = server_keys.public_key;
  auto sender = Sender::connect(client_ctx, 1, receiver->endpoint(), to_server).value();
  auto intruder = Sender::connect(stranger_ctx, 2, receiver->endpoint(), to_server).value();
  ASSERT_TRUE(intruder->append("intruder").ok());
  ASSERT_TRUE(intruder->flush().ok());
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(sender->append(std::to_string(i)).ok());
  ASSERT_TRUE(sender->flush_blocking(5s).ok());
  std::vector<std::string> got;
  const auto until = std::chrono::steady_clock::now() + 10s;
  while ((got.size() < 100 || server_ctx.refused_clients() == 0) && std::chrono::steady_clock::now() < until)
    ASSERT_TRUE(receiver->receive(50ms, [&](const RecordView& r) { got.emplace_back(r.payload); }).ok());
  ASSERT_EQ(got.size(), 100u);
  EXPECT_EQ(got.front(), "0");
  EXPECT_EQ(got.back(), "99");
  EXPECT_GE(server_ctx.refused_clients(), 1u);
}

// The I/O endpoints with keys: the right client gets answers, an unknown key and a client
// without keys get errors saying why, and a wrong server key gets a timeout naming the cause.
TEST(ZapHandler, SecuresTheIoEndpoints) {
  TempDir dir;
  const CurveKeyPair server_keys = fresh_keys(), client_keys = fresh_keys(), stranger = fresh_keys();
  io::IoServerOptions o;
  o.log_dir = dir.path();
  o.ingress_names = {"orders"};
  o.egress_names = {"out"};
  o.ingress_endpoint = "tcp://127.0.0.1:*";
  o.control_endpoint = "tcp://127.0.0.1:*";
  o.validator = [](std::string_view, io::PayloadFormat, std::string_view data) {
    return std::variant<std::string, io::IngressRejection>(std::string(data));
  };
  o.security = {server_keys, {client_keys.public_key}, "test peers", false};
  auto server = io::IoServer::start(o).value();
  const io::ServerEndpoint good(server->ingress_endpoint(), CurveClientKeys{client_keys, server_keys.public_key});
  auto ack = io::send_ingress(good, "orders", io::PayloadFormat::json, "{}", "", 10s);
  ASSERT_TRUE(ack.ok()) << ack.error().message;
  auto status = io::query_status({server->control_endpoint(), good.curve}, 10s);
  ASSERT_TRUE(status.ok()) << status.error().message;
  EXPECT_TRUE(status->curve);
  EXPECT_EQ(status->refused_clients, 0u);

  const io::ServerEndpoint unknown(server->ingress_endpoint(), CurveClientKeys{stranger, server_keys.public_key});
  auto refused = io::send_ingress(unknown, "orders", io::PayloadFormat::json, "{}", "", 10s);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::io_error);
  EXPECT_NE(refused.error().message.find("refused this client's CurveZMQ key " + stranger.public_key),
            std::string::npos)
      << refused.error().message;
  EXPECT_GE(server->refused_clients(), 1u);

  auto plain = io::query_status(server->control_endpoint(), 10s);
  ASSERT_FALSE(plain.ok());
  EXPECT_NE(plain.error().message.find("requires CurveZMQ keys"), std::string::npos) << plain.error().message;

  const io::ServerEndpoint wrong(server->control_endpoint(), CurveClientKeys{client_keys, stranger.public_key});
  auto timeout = io::query_status(wrong, 300ms);
  ASSERT_FALSE(timeout.ok());
  EXPECT_EQ(timeout.error().code, ErrorCode::timeout);
  EXPECT_NE(timeout.error().message.find("is --server-key its public key?"), std::string::npos);
  EXPECT_EQ(server->ingress_log("orders")->end_offset(), 1u);  // only the good client's record
}

}  // namespace
}  // namespace sfn::runtime::transport
