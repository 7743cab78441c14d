// CurveZMQ keys, key files, the ZAP handler and the bind rule (security.h, decision 122).
#include "runtime/transport/security.h"

#include "sfn/security.h"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>
#include <thread>
#include <zmq.hpp>

#include "runtime/transport/loopback.h"

namespace sfn::runtime::transport {

namespace {

using RawKey = std::array<std::uint8_t, 32>;

constexpr std::string_view kSecretHeader = "# sfn CurveZMQ secret key";
constexpr std::string_view kPublicHeader = "# sfn CurveZMQ public key";
constexpr std::size_t kMaxKeyFileBytes = 4096;
constexpr std::size_t kMaxLoggedKeys = 1024;  // refused keys logged by name; later ones only counted
constexpr const char* kZapEndpoint = "inproc://zeromq.zap.01";

Error invalid(std::string message) { return Error{ErrorCode::invalid_argument, std::move(message)}; }

std::string system_error(int error) { return std::strerror(error); }

// The 32 bytes of a Z85 key; an error names `what` (a file, or "the server key").
Result<RawKey> decode_key(std::string_view z85, const std::string& what) {
  if (z85.size() != kCurveKeyTextSize)
    return invalid(what + ": the key is " + std::to_string(z85.size()) +
                   " characters long; a CurveZMQ key in Z85 text has 40");
  static constexpr std::string_view kAlphabet =
      "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
  for (std::size_t i = 0; i < z85.size(); ++i)
    if (kAlphabet.find(z85[i]) == std::string_view::npos)
      return invalid(what + ": the key is not Z85 text (`" + std::string(1, z85[i]) + "` at column " +
                     std::to_string(i + 1) + ")");
  RawKey raw;
  std::string text(z85);
  if (!zmq_z85_decode(raw.data(), text.c_str()))
    return invalid(what + ": the key is not a valid Z85 encoding of 32 bytes");
  return raw;
}

std::string encode_key(const std::uint8_t* raw) {
  char text[kCurveKeyTextSize + 1];
  zmq_z85_encode(text, raw, 32);
  return text;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// The key line of a key file's text, checked as Z85; `secret` says which kind the caller wants
// (a file whose header names the other kind is refused).
Result<std::string> key_line(const std::string& path, std::string_view text, bool secret) {
  std::vector<std::string_view> keys;
  bool other_kind = false;
  while (!text.empty()) {
    std::size_t end = std::min(text.find('\n'), text.size());
    std::string_view line = trim(text.substr(0, end));
    text.remove_prefix(std::min(end + 1, text.size()));
    if (line.starts_with(secret ? kPublicHeader : kSecretHeader)) other_kind = true;
    if (!line.empty() && line.front() != '#') keys.push_back(line);
  }
  if (other_kind)
    return invalid(path + " holds a " + (secret ? "public" : "secret") + " key; " +
                   (secret ? "give the secret key file (OUT.key of sfn keygen OUT)"
                           : "give the public key file (OUT.pub of sfn keygen OUT)"));
  if (keys.empty()) return invalid(path + " holds no key (expected one line of 40 Z85 characters)");
  if (keys.size() > 1)
    return invalid(path + " holds " + std::to_string(keys.size()) +
                   " lines that are not comments; a key file has one key line");
  if (auto raw = decode_key(keys.front(), path); !raw) return raw.error();
  return std::string(keys.front());
}

// The text of a key file and its permission bits.
struct KeyFile {
  std::string text;
  mode_t mode = 0;
};

Result<KeyFile> read_key_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    return Error{e == ENOENT ? ErrorCode::not_found : ErrorCode::io_error,
                 "cannot read key file " + path + ": " + system_error(e)};
  }
  struct stat st{};
  std::string text(kMaxKeyFileBytes + 1, '\0');
  ssize_t got = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? ::read(fd, text.data(), text.size()) : -1;
  int e = errno;
  ::close(fd);
  if (!S_ISREG(st.st_mode)) return invalid(path + " is not a key file (not a regular file)");
  if (got < 0) return Error{ErrorCode::io_error, "cannot read key file " + path + ": " + system_error(e)};
  if (static_cast<std::size_t>(got) > kMaxKeyFileBytes) return invalid(path + " is not a key file (larger than 4 KiB)");
  text.resize(static_cast<std::size_t>(got));
  return KeyFile{std::move(text), st.st_mode & 07777};
}

// Writes `text` to `path` with `mode`: a temporary file written whole and fsynced, then linked
// to its name (or renamed over an old file when `overwrite`).
Status write_key_file(const std::string& path, const std::string& text, mode_t mode, bool overwrite) {
  const std::string tmp = path + ".tmp" + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return Error{ErrorCode::io_error, "cannot create " + tmp + ": " + system_error(errno)};
  bool ok = ::fchmod(fd, mode) == 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  int e = errno;
  ok = ::close(fd) == 0 && ok;
  if (ok) ok = overwrite ? ::rename(tmp.c_str(), path.c_str()) == 0 : ::link(tmp.c_str(), path.c_str()) == 0;
  if (!ok) e = errno;
  ::unlink(tmp.c_str());
  if (!ok)
    return Error{e == EEXIST ? ErrorCode::invalid_argument : ErrorCode::io_error,
                 "cannot write " + path + ": " + system_error(e)};
  return ok_status();
}

Status set_option(void* socket, int option, const void* value, std::size_t size, const char* what,
                  const std::string& endpoint) {
  if (zmq_setsockopt(socket, option, value, size) == 0) return ok_status();
  return Error{ErrorCode::io_error,
               std::string("setting ") + what + " for " + endpoint + " failed: " + zmq_strerror(zmq_errno())};
}

}  // namespace

Result<CurveKeyPair> generate_curve_keys() {
  char pub[kCurveKeyTextSize + 1], sec[kCurveKeyTextSize + 1];
  if (zmq_curve_keypair(pub, sec) != 0)
    return Error{ErrorCode::io_error, std::string("making a CurveZMQ key pair failed: ") + zmq_strerror(zmq_errno())};
  return CurveKeyPair{pub, sec};
}

Status write_curve_keys(const std::string& base, const CurveKeyPair& keys, bool overwrite) {
  const std::string key_file = base + ".key", pub_file = base + ".pub";
  const std::string name = std::filesystem::path(base).filename().string();
  if (!overwrite)
    for (const auto& f : {key_file, pub_file})
      if (std::error_code ec; std::filesystem::exists(std::filesystem::symlink_status(f, ec)))
        return invalid(f +
                       " exists; pass --force to replace it (servers and clients that use the old key "
                       "must be given the new one)");
  std::string secret = std::string(kSecretHeader) + ": keep it private; its public key is in " + name + ".pub\n" +
                       keys.secret_key + "\n";
  std::string pub = std::string(kPublicHeader) + " (its secret key is in " + name + ".key)\n" + keys.public_key + "\n";
  if (auto s = write_key_file(key_file, secret, 0600, overwrite); !s) return s;
  return write_key_file(pub_file, pub, 0644, overwrite);
}

Result<CurveKeyPair> load_curve_secret_key(const std::string& path) {
  auto file = read_key_file(path);
  if (!file) return file.error();
  auto secret = key_line(path, file->text, true);
  if (!secret) return secret.error();
  if (file->mode & 077) {  // like ssh: a secret key others can read or replace is not used
    char mode[16];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(file->mode));
    return invalid("secret key file " + path + " is open to other users (mode " + mode + "); run `chmod 600 " + path +
                   "`");
  }
  char pub[kCurveKeyTextSize + 1];
  if (zmq_curve_public(pub, secret->c_str()) != 0)
    return invalid(path + ": cannot derive the public key: " + zmq_strerror(zmq_errno()));
  return CurveKeyPair{pub, secret.value()};
}

Result<std::string> load_curve_public_key(const std::string& path) {
  auto file = read_key_file(path);
  if (!file) return file.error();
  return key_line(path, file->text, false);
}

Result<std::vector<std::string>> load_curve_peers(const std::string& dir) {
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".pub") files.push_back(it->path());
  if (ec) return Error{ErrorCode::io_error, "cannot read the peer key directory " + dir + ": " + ec.message()};
  if (files.empty()) return invalid("the peer key directory " + dir + " holds no *.pub file: no client could connect");
  std::sort(files.begin(), files.end());
  std::vector<std::string> keys;
  for (const auto& f : files) {
    auto key = load_curve_public_key(f.string());
    if (!key) return key.error();
    keys.push_back(std::move(key.value()));
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

Result<SecurityOptions> load_server_security(const std::string& key_file, const std::string& peers_dir, bool insecure) {
  SecurityOptions options;
  options.insecure = insecure;
  if (key_file.empty() != peers_dir.empty())
    return invalid(key_file.empty() ? "--curve-peers needs --curve-key FILE (this server's secret key)"
                                    : "--curve-key needs --curve-peers DIR (the public keys of the allowed clients)");
  if (key_file.empty()) return options;
  auto keys = load_curve_secret_key(key_file);
  if (!keys) return keys.error();
  auto peers = load_curve_peers(peers_dir);
  if (!peers) return peers.error();
  options.keys = std::move(keys.value());
  options.peers = std::move(peers.value());
  options.peers_source = peers_dir;
  return options;
}

Result<std::optional<CurveClientKeys>> load_client_keys(const std::string& key_file,
                                                        const std::string& server_key_file) {
  if (key_file.empty() != server_key_file.empty())
    return invalid(key_file.empty() ? "--server-key needs --curve-key FILE (this client's secret key)"
                                    : "--curve-key needs --server-key FILE (the server's public key)");
  if (key_file.empty()) return std::optional<CurveClientKeys>();
  auto keys = load_curve_secret_key(key_file);
  if (!keys) return keys.error();
  auto server = load_curve_public_key(server_key_file);
  if (!server) return server.error();
  return std::optional<CurveClientKeys>(CurveClientKeys{std::move(keys.value()), std::move(server.value())});
}

bool is_local_endpoint(std::string_view endpoint) {
  if (endpoint.starts_with("inproc://") || endpoint.starts_with("ipc://")) return true;
  if (!endpoint.starts_with("tcp://")) return false;
  std::string_view host = endpoint.substr(6);
  return is_loopback_host(host.substr(0, host.rfind(':')));
}

bool is_network_endpoint(std::string_view endpoint) {
  for (std::string_view scheme :
       {"tcp://", "udp://", "pgm://", "epgm://", "norm://", "ws://", "wss://", "tipc://", "vmci://"})
    if (endpoint.starts_with(scheme)) return true;
  return false;
}

bool uses_curve(std::string_view endpoint) { return endpoint.starts_with("tcp://") || endpoint.starts_with("ipc://"); }

Status check_bind(const std::string& endpoint, const SecurityOptions& options, std::string_view role) {
  const bool curve = options.keys && uses_curve(endpoint);
  if (!curve && !options.insecure && is_network_endpoint(endpoint) && !is_local_endpoint(endpoint))
    return invalid("refusing to bind the " + std::string(role) + " " + endpoint +
                   ": it is not a loopback address and is not secured by CurveZMQ keys; configure keys "
                   "(--curve-key FILE --curve-peers DIR, made with sfn keygen), bind a 127.0.0.1 address, or "
                   "pass --insecure to accept unauthenticated, unencrypted connections");
  return ok_status();
}

Status secure_server_socket(void* socket, const std::string& endpoint, const SecurityOptions& options,
                            std::string_view role) {
  if (auto s = check_bind(endpoint, options, role); !s) return s;
  if (!options.keys || !uses_curve(endpoint)) return ok_status();
  auto secret = decode_key(options.keys->secret_key, "the secret key of the " + std::string(role));
  if (!secret) return secret.error();
  const int one = 1;
  if (auto s = set_option(socket, ZMQ_CURVE_SERVER, &one, sizeof one, "ZMQ_CURVE_SERVER", endpoint); !s) return s;
  return set_option(socket, ZMQ_CURVE_SECRETKEY, secret->data(), secret->size(), "the CURVE secret key", endpoint);
}

Status secure_client_socket(void* socket, const std::string& endpoint, const std::optional<CurveClientKeys>& keys) {
  if (!keys || !uses_curve(endpoint)) return ok_status();
  auto server = decode_key(keys->server_key, "the server key for " + endpoint);
  if (!server) return server.error();
  auto pub = decode_key(keys->keys.public_key, "the public key for " + endpoint);
  if (!pub) return pub.error();
  auto secret = decode_key(keys->keys.secret_key, "the secret key for " + endpoint);
  if (!secret) return secret.error();
  if (auto s = set_option(socket, ZMQ_CURVE_SERVERKEY, server->data(), 32, "the CURVE server key", endpoint); !s)
    return s;
  if (auto s = set_option(socket, ZMQ_CURVE_PUBLICKEY, pub->data(), 32, "the CURVE public key", endpoint); !s) return s;
  return set_option(socket, ZMQ_CURVE_SECRETKEY, secret->data(), 32, "the CURVE secret key", endpoint);
}

// ---------------------------------------------------------------------------------------------
// ZapHandler

struct ZapHandler::Impl {
  void* socket = nullptr;  // REP bound at kZapEndpoint; used by `thread` only once it runs
  int stop_fd = -1;
  std::set<std::string, std::less<>> allowed;  // raw 32-byte keys
  std::string source;
  Log log;
  std::atomic<std::uint64_t> accepted{0}, refused{0};
  std::set<std::string> logged;  // refused keys already logged (at most kMaxLoggedKeys)
  std::thread thread;

  ~Impl() {
    if (socket) zmq_close(socket);
    if (stop_fd >= 0) ::close(stop_fd);
  }

  // Logs the first refusal of each key (a client retrying would repeat it every reconnect).
  void log_refusal(const std::string& key, std::string_view address, std::string_view mechanism) {
    if (mechanism != "CURVE" || key.size() != 32) {
      if (logged.insert(std::string(mechanism)).second)
        log("refused a " + std::string(mechanism) + " client from " + std::string(address) +
            ": only CURVE clients with a 32-byte public key are accepted");
      return;
    }
    if (logged.size() >= kMaxLoggedKeys || !logged.insert(key).second) return;
    log("refused a CURVE client from " + std::string(address) + ": its public key " +
        encode_key(reinterpret_cast<const std::uint8_t*>(key.data())) + " is not among the allowed peers (" + source +
        ")");
  }

  // The reply to one request (RFC 27): version, request id, status code and text, user id,
  // metadata.
  std::vector<std::string> answer(const std::vector<zmq::message_t>& request) {
    if (request.size() < 6 || request[0].to_string_view() != "1.0") {
      ++refused;
      return {"1.0", request.size() > 1 ? request[1].to_string() : "", "500", "malformed ZAP request", "", ""};
    }
    std::string_view mechanism = request[5].to_string_view();
    std::string key = request.size() == 7 && request[6].size() == 32 ? request[6].to_string() : "";
    if (mechanism == "CURVE" && allowed.count(key)) {
      ++accepted;
      return {"1.0", request[1].to_string(), "200", "OK", encode_key(reinterpret_cast<const std::uint8_t*>(key.data())),
              ""};
    }
    ++refused;
    log_refusal(key, request[3].to_string_view(), mechanism);
    return {"1.0", request[1].to_string(), "400", "client key not allowed", "", ""};
  }

  Status serve_one(zmq::socket_ref zap) {
    std::vector<zmq::message_t> request;
    try {
      for (bool more = true; more;) {
        zmq::message_t part;
        if (!zap.recv(part, request.empty() ? zmq::recv_flags::dontwait : zmq::recv_flags::none)) return ok_status();
        more = part.more();
        request.push_back(std::move(part));
      }
      auto reply = answer(request);
      for (std::size_t i = 0; i < reply.size(); ++i)
        zap.send(zmq::buffer(reply[i]), i + 1 < reply.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
    } catch (const zmq::error_t& e) {
      return Error{ErrorCode::io_error, std::string("the ZAP handler failed: ") + e.what()};
    }
    return ok_status();
  }

  void run() {
    zmq::socket_ref zap(zmq::from_handle, socket);
    for (;;) {
      zmq::pollitem_t items[2] = {{socket, 0, ZMQ_POLLIN, 0}, {nullptr, stop_fd, ZMQ_POLLIN, 0}};
      try {
        zmq::poll(items, 2, std::chrono::milliseconds(-1));
      } catch (const zmq::error_t& e) {
        if (e.num() == EINTR) continue;
        log(std::string("the ZAP handler stopped: ") + e.what());
        return;
      }
      if (items[1].revents & ZMQ_POLLIN) return;
      if (items[0].revents & ZMQ_POLLIN)
        if (auto s = serve_one(zap); !s) log(s.error().message);
    }
  }
};

ZapHandler::ZapHandler(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ZapHandler::~ZapHandler() {
  std::uint64_t one = 1;
  while (::write(impl_->stop_fd, &one, sizeof one) < 0 && errno == EINTR) {
  }
  if (impl_->thread.joinable()) impl_->thread.join();
}

Result<std::unique_ptr<ZapHandler>> ZapHandler::start(void* zmq_context, const std::vector<std::string>& allowed,
                                                      std::string allowed_source, Log log) {
  auto impl = std::make_unique<Impl>();
  for (const auto& key : allowed) {
    auto raw = decode_key(key, "an allowed peer key of " + allowed_source);
    if (!raw) return raw.error();
    impl->allowed.emplace(reinterpret_cast<const char*>(raw->data()), raw->size());
  }
  impl->source = std::move(allowed_source);
  impl->log = log ? std::move(log) : [](const std::string& line) { std::fprintf(stderr, "sfn: %s\n", line.c_str()); };
  impl->stop_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (impl->stop_fd < 0) return Error{ErrorCode::io_error, "eventfd for the ZAP handler: " + system_error(errno)};
  impl->socket = zmq_socket(zmq_context, ZMQ_REP);
  const int zero = 0;
  if (!impl->socket || zmq_setsockopt(impl->socket, ZMQ_LINGER, &zero, sizeof zero) != 0 ||
      zmq_bind(impl->socket, kZapEndpoint) != 0)
    return Error{ErrorCode::io_error,
                 std::string("starting the ZAP handler at ") + kZapEndpoint + " failed: " + zmq_strerror(zmq_errno())};
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->run(); });
  return std::unique_ptr<ZapHandler>(new ZapHandler(std::move(impl)));
}

std::uint64_t ZapHandler::accepted() const { return impl_->accepted.load(); }
std::uint64_t ZapHandler::refused() const { return impl_->refused.load(); }

}  // namespace sfn::runtime::transport

namespace sfn::runtime {

Result<std::string> write_new_curve_key_pair(const std::string& base, bool overwrite) {
  auto keys = transport::generate_curve_keys();
  if (!keys) return keys.error();
  if (auto s = transport::write_curve_keys(base, keys.value(), overwrite); !s) return s.error();
  return keys->public_key;
}

}  // namespace sfn::runtime
