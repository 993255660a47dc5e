#include "net/thread_links.h"

#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "absl/strings/str_cat.h"
#include "compiler/status_macros.h"

namespace eta::net {
namespace {

// kConnectWait bounds the wait for the listening end to see its connection
// (it does a moment after the dialling end).
constexpr auto kConnectWait = std::chrono::seconds(5);

std::atomic<uint64_t> next_link{0};

}  // namespace

ThreadLinks& ThreadLinks::Get() {
  // Never destroyed: its thread may still be making a link at exit.
  static ThreadLinks* links = new ThreadLinks;
  return *links;
}

absl::StatusOr<ThreadLink> ThreadLinks::Make() {
  std::string url = absl::StrCat("inproc://eta-thread-", next_link.fetch_add(1));
  ETA_ASSIGN_OR_RETURN(SocketParts parent, Socket::Make("pair"));
  if (int rv = nng_listen(parent.socket, url.c_str(), nullptr, 0); rv != 0) {
    return NngError(absl::StrCat("nng-listen ", url), rv);
  }
  parent.endpoint = url;
  parent.listen_url = url;
  ETA_ASSIGN_OR_RETURN(SocketParts mailbox, Socket::Make("pair"));
  if (int rv = nng_dial(mailbox.socket, url.c_str(), nullptr, 0); rv != 0) {
    return NngError(absl::StrCat("nng-dial ", url), rv);
  }
  mailbox.endpoint = url;
  auto deadline = std::chrono::steady_clock::now() + kConnectWait;
  while (parent.watch->pipes.load() == 0 || mailbox.watch->pipes.load() == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      return NngError(absl::StrCat("nng-dial ", url), NNG_ETIMEDOUT);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(20));
  }
  return ThreadLink{std::move(parent), std::move(mailbox)};
}

absl::StatusOr<ThreadLink> ThreadLinks::Take() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!started_) {
      started_ = true;
      std::thread([this] { Run(); }).detach();
    }
    if (spare_.has_value()) {
      ThreadLink link = std::move(*spare_);
      spare_.reset();
      taken_.notify_one();
      return link;
    }
  }
  return Make();
}

void ThreadLinks::Run() {
#if defined(__linux__)
  // Made with time no other thread wants: a thread being started must
  // never wait for a core behind the link made for the next.
  struct sched_param idle = {};
  pthread_setschedparam(pthread_self(), SCHED_IDLE, &idle);
#endif
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    taken_.wait(lock, [&] { return !spare_.has_value(); });
    lock.unlock();
    absl::StatusOr<ThreadLink> made = Make();
    lock.lock();
    // A link that cannot be made now will not be later: Take then makes
    // its own, and reports why it failed.
    if (!made.ok()) return;
    spare_.emplace(std::move(*made));
  }
}

}  // namespace eta::net
