// The workers of embedded mode: one thread each in this process (worker_set.h).
#include <future>
#include <thread>

#include "runtime/core/value.h"
#include "runtime/embedded/worker_set.h"
#include "runtime/worker/worker.h"

namespace sfn::runtime {
namespace {

class LocalWorkers final : public WorkerSet {
 public:
  bool restores_locally() const override { return true; }

  Status open(worker::Hub& hub, const Recovered& rec, const std::filesystem::path& dir) override {
    hub_ = &hub;
    for (unsigned w = 0; w < hub.workers; ++w) {
      ws_.push_back(std::make_unique<worker::Worker>(hub, w));
      Status s = ws_.back()->open(worker_dir(dir, w).string());
      if (!s) return s;
      hub.wakers.push_back(ws_.back()->waker());
    }
    for (unsigned w = 0; w < hub.workers; ++w) {
      if (Status s = ws_[w]->connect(); !s) return s;
      ws_[w]->restore(rec.messages[w], rec.epoch + 1);
    }
    return ok_status();
  }

  void start() override {
    for (auto& w : ws_) threads_.emplace_back([&w] { w->run(); });
  }

  void join() override {
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

  Status state_of(std::string_view address, std::string* json) override {
    if (Result<core::Address> parsed = hub_->module->parse_address(address); !parsed)
      return Error(ErrorCode::failed, parsed.error().message);
    unsigned owner = hub_->owner(core::key_group_of(address, hub_->key_groups));
    if (owner >= ws_.size()) return Error(ErrorCode::failed, "the workers are starting");
    auto promise = std::make_shared<std::promise<std::pair<Status, std::string>>>();
    auto future = promise->get_future();
    std::string addr(address);
    ws_[owner]->post([promise, addr](worker::Worker& w) {
      std::string j;
      Status s = w.state_json(addr, &j);
      promise->set_value({s, j});
    });
    if (future.wait_for(std::chrono::seconds(5)) != std::future_status::ready)
      return Error(ErrorCode::failed, "the worker did not answer in time");
    auto [s, j] = future.get();
    *json = j;
    return s;
  }

  std::vector<io::WorkerStatus> status() const override {
    std::vector<io::WorkerStatus> out;
    for (const auto& w : ws_) {
      const state::CacheStats c = w->cache_stats();
      out.push_back(
          io::WorkerStatus{w->index(), w->owned_key_groups(), w->queue_depth(), w->invocations(), "", -1, 0, 0,
                           io::CacheStatus{c.bytes, c.instances, w->cache_limit(), c.hits, c.misses, c.evictions}});
    }
    return out;
  }

  std::vector<std::string> fatal_errors() const override {
    std::vector<std::string> out;
    for (const auto& w : ws_)
      if (std::string e = w->fatal_error(); !e.empty()) out.push_back(e);
    return out;
  }

  worker::SendCounts crowded_sends() const override {
    worker::SendCounts sends;
    for (const auto& w : ws_) sends.merge(w->crowded_sends());
    return sends;
  }

  uint64_t invocations() const override {
    uint64_t n = 0;
    for (const auto& w : ws_) n += w->invocations();
    return n;
  }

 private:
  worker::Hub* hub_ = nullptr;
  std::vector<std::unique_ptr<worker::Worker>> ws_;
  std::vector<std::thread> threads_;
};

}  // namespace

std::unique_ptr<WorkerSet> make_local_workers() { return std::make_unique<LocalWorkers>(); }

}  // namespace sfn::runtime
