#include "net/thread_links.h"

#include <atomic>
#include <chrono>
#include <thread>

#include "absl/strings/str_cat.h"
#include "compiler/status_macros.h"
#include "net/spare.h"

namespace eta::net {
namespace {

// kConnectWait bounds the wait for the listening end to see its connection
// (it does a moment after the dialling end).
constexpr auto kConnectWait = std::chrono::seconds(5);

std::atomic<uint64_t> next_link{0};

}  // namespace

absl::StatusOr<ThreadLink> ThreadLinks::Make() {
  std::string url = absl::StrCat("inproc://eta-thread-", next_link.fetch_add(1));
  ETA_ASSIGN_OR_RETURN(SocketParts parent, Socket::Make("pair"));
  if (int rv = nng_listen(parent.socket, url.c_str(), nullptr, 0); rv != 0) {
    return NngError(absl::StrCat("nng-listen ", url), rv);
  }
  parent.endpoint = url;
  parent.listen_url = url;
  ETA_ASSIGN_OR_RETURN(SocketParts mailbox, Socket::Make("pair"));
  if (int rv = DialOnce(mailbox.socket, url); rv != 0) {
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
  // Never destroyed: its thread may still be making a link at exit.
  static Spare<ThreadLink>* spare = new Spare<ThreadLink>(&ThreadLinks::Make);
  return spare->Take();
}

}  // namespace eta::net
