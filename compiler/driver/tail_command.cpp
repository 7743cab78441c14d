// `sfn tail EGRESS`: the committed records of an egress, then (with --follow) new ones as they
// commit, each exactly once in offset order (docs/cli.md).
#include "compiler/driver/client_options.h"

#include <chrono>
#include <cstdint>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "compiler/driver/command.h"
#include "sfn/client.h"

namespace sfn::driver {
namespace {

namespace io = sfn::runtime::io;

void setup_tail(CLI::App& app, int& exit_code) {
  struct Args {
    std::string egress, endpoint = io::kDefaultEgressEndpoint, control = io::kDefaultControlEndpoint, timeout = "5s";
    std::uint64_t from = 0;
    std::uint64_t limit = 0;
    bool no_follow = false;
    bool offsets = false;
    CurveArgs curve;
  };
  static Args args;
  auto* cmd = app.add_subcommand("tail", "Print committed egress records as JSON lines, following")
                  ->footer(
                      "Reads the egress log from --from (history comes from the control "
                      "endpoint), then\nfollows new records published on the egress "
                      "endpoint. Records are printed once each,\nin offset order. Stops "
                      "with Ctrl-C, after --limit records, or with --no-follow\nonce the "
                      "history is printed.");
  cmd->add_option("egress", args.egress, "The egress name (e.g. dead_letters)")->required();
  cmd->add_option("--from", args.from, "First offset to print (default 0: everything committed)");
  cmd->add_option("--endpoint", args.endpoint, "The egress PUB endpoint")->capture_default_str();
  cmd->add_option("--control", args.control, "The control endpoint (serves the history)")->capture_default_str();
  cmd->add_option("--limit", args.limit, "Exit after printing this many records");
  cmd->add_flag("--no-follow", args.no_follow, "Print the committed history and exit");
  cmd->add_flag("--offsets", args.offsets, "Prefix each line with the record's offset and a tab");
  add_connection_options(cmd, args.timeout, args.curve);
  cmd->callback([&exit_code] {
    auto connection = resolve_connection(args.control, args.timeout, args.curve, exit_code);
    if (!connection) return;
    const auto& [control, timeout] = *connection;
    const io::ServerEndpoint egress(args.endpoint, control.curve);
    std::uint64_t printed = 0;
    auto print = [&](const io::EgressRecord& r) {
      if (args.offsets) std::cout << r.offset << '\t';
      std::cout << r.json << '\n';
      ++printed;
      return args.limit == 0 || printed < args.limit;
    };
    exit_code = 0;
    if (args.no_follow) {
      std::uint64_t next = args.from;
      for (;;) {
        auto page = io::read_egress(control, args.egress, next, 1000, timeout);
        if (!page) {
          exit_code = report(page.error());
          return;
        }
        for (const auto& r : page->records) {
          if (!print(r)) return;
          next = r.offset + 1;
        }
        std::cout.flush();
        if (page->records.empty() || next >= page->end_offset) return;
      }
    }
    auto follower = io::EgressFollower::open(egress, control, args.egress, args.from, timeout);
    if (!follower) {
      exit_code = report(follower.error());
      return;
    }
    for (;;) {
      auto records = follower.value()->next(std::chrono::seconds(1));
      if (!records) {
        exit_code = report(records.error());
        return;
      }
      for (const auto& r : records.value())
        if (!print(r)) {
          std::cout.flush();
          return;
        }
      std::cout.flush();
    }
  });
}

CommandRegistrar registrar(61, setup_tail);

}  // namespace
}  // namespace sfn::driver
