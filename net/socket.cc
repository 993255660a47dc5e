#include "net/socket.h"

#include <nng/protocol/bus0/bus.h>
#include <nng/protocol/pair1/pair.h>
#include <nng/protocol/pipeline0/pull.h>
#include <nng/protocol/pipeline0/push.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/protocol/survey0/respond.h>
#include <nng/protocol/survey0/survey.h>

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <thread>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "compiler/status_macros.h"
#include "net/aio_timer.h"
#include "net/nng_patches.h"
#include "vm/heap.h"
#include "wire/wire.h"

namespace eta::net {
namespace {

absl::string_view AsAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

using OpenFunction = int (*)(nng_socket*);

struct ProtocolOpener {
  const char* name;
  OpenFunction open;
};

constexpr ProtocolOpener kOpeners[] = {
    {"pair", nng_pair1_open},     {"req", nng_req0_open},
    {"rep", nng_rep0_open},       {"pub", nng_pub0_open},
    {"sub", nng_sub0_open},       {"push", nng_push0_open},
    {"pull", nng_pull0_open},     {"surveyor", nng_surveyor0_open},
    {"respondent", nng_respondent0_open}, {"bus", nng_bus0_open},
};

nng_duration Duration(int32_t ms) {
  return ms < 0 ? NNG_DURATION_INFINITE : static_cast<nng_duration>(ms);
}

// NngUrl turns the "*" host of a tcp listen address into nng's empty host.
std::string NngUrl(std::string_view url) {
  for (std::string_view scheme : {"tcp://*:", "tcp4://*:", "tcp6://*:"}) {
    if (url.substr(0, scheme.size()) == scheme) {
      return absl::StrCat(AsAbsl(scheme.substr(0, scheme.size() - 2)), ":",
                          AsAbsl(url.substr(scheme.size())));
    }
  }
  return std::string(url);
}

// OnPipeEvent counts a socket's connections; losing the last one marks the
// peer lost and wakes a receive waiting on the socket.
void OnPipeEvent(nng_pipe pipe, nng_pipe_ev event, void* arg) {
  auto* watch = static_cast<PeerWatch*>(arg);
  uint32_t id = nng_pipe_id(pipe);
  std::lock_guard<std::mutex> lock(watch->mutex);
  if (event == NNG_PIPE_EV_ADD_POST) {
    // A connection already reported removed came and went: if it was the
    // only one, the peer is lost (as its removal said), so nothing changes.
    if (watch->removed_ids.erase(id) > 0) return;
    watch->open_ids.insert(id);
    watch->pipes.store(static_cast<int>(watch->open_ids.size()));
    watch->lost.store(false);
    uint64_t count;
    ssize_t ignored = ::read(watch->event_fd, &count, sizeof count);  // reset
    (void)ignored;
  } else if (event == NNG_PIPE_EV_REM_POST) {
    if (watch->open_ids.erase(id) == 0) watch->removed_ids.insert(id);
    watch->pipes.store(static_cast<int>(watch->open_ids.size()));
    if (watch->open_ids.empty()) {
      watch->lost.store(true);
      uint64_t one = 1;
      ssize_t ignored = ::write(watch->event_fd, &one, sizeof one);
      (void)ignored;
      if (watch->watching.load()) nng_aio_cancel(watch->aio);
    }
  }
}

}  // namespace

bool ChildProcess::Reap(bool block) {
  if (reaped) return true;
  while (true) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, block ? 0 : WNOHANG);
    if (r == pid) {
      reaped = true;
      wait_status = status;
      return true;
    }
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {  // not our child any more: nothing to wait for
      reaped = true;
      wait_status = 0;
      return true;
    }
    return false;
  }
}

int ChildProcess::ExitCode() const {
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  return 1;
}

absl::Status NngError(std::string_view what, int rv) {
  return absl::UnavailableError(absl::StrCat(AsAbsl(what), ": ", nng_strerror(rv)));
}

SocketParts::SocketParts(SocketParts&& other) noexcept
    : socket(other.socket), aio(other.aio), watch(std::move(other.watch)),
      protocol(std::move(other.protocol)), endpoint(std::move(other.endpoint)),
      listen_url(std::move(other.listen_url)) {
  other.aio = nullptr;
}

SocketParts::~SocketParts() {
  if (aio == nullptr) return;  // moved from, or taken by a Socket
  nng_close(socket);
  nng_aio_free(aio);
  if (watch->event_fd >= 0) ::close(watch->event_fd);
}

Socket::Socket(SocketParts&& parts)
    : socket_(parts.socket), protocol_(std::move(parts.protocol)),
      is_sub_(protocol_ == "sub"), is_surveyor_(protocol_ == "surveyor"),
      is_pair_(protocol_ == "pair"), aio_(parts.aio),
      recv_max_bytes_(wire::kDefaultMaxBytes), listen_url_(std::move(parts.listen_url)),
      endpoint_(std::move(parts.endpoint)),
      watch_(std::move(parts.watch)) {
  parts.aio = nullptr;  // this socket's now
}

absl::StatusOr<Socket*> Socket::Open(vm::Heap& heap, std::string_view name) {
  const ProtocolOpener* opener = nullptr;
  for (const ProtocolOpener& o : kOpeners) {
    if (name == o.name) opener = &o;
  }
  if (opener == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "nng-socket: unknown protocol ", AsAbsl(name), " (expected one of ",
        absl::StrJoin(kProtocols, " "), ")"));
  }
  nng_socket socket;
  if (int rv = opener->open(&socket); rv != 0) {
    return NngError(absl::StrCat("nng-socket ", AsAbsl(name)), rv);
  }
  nng_aio* aio = nullptr;
  if (int rv = nng_aio_alloc(&aio, nullptr, nullptr); rv != 0) {
    nng_close(socket);
    return NngError("nng-socket", rv);
  }
  SocketParts parts;
  parts.socket = socket;
  parts.aio = aio;
  parts.watch = std::make_unique<PeerWatch>();
  parts.protocol = std::string(name);
  // Buffers where the protocol has them; the protocols without a buffer
  // in one direction refuse the option, which is fine.
  nng_socket_set_int(socket, NNG_OPT_RECVBUF, kDefaultBufferMessages);
  nng_socket_set_int(socket, NNG_OPT_SENDBUF, kDefaultBufferMessages);
  nng_socket_set_size(socket, NNG_OPT_RECVMAXSZ, wire::kDefaultMaxBytes);
  // A sub socket takes every message from nng and filters by the topic of
  // [N] itself (a prefix of the encoded bytes would not do).
  if (name == "sub") nng_socket_set(socket, NNG_OPT_SUB_SUBSCRIBE, "", 0);
  nng_aio_set_timeout(aio, NNG_DURATION_INFINITE);  // AwaitAio times it
  parts.watch->aio = aio;
  parts.watch->event_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  nng_pipe_notify(socket, NNG_PIPE_EV_ADD_POST, OnPipeEvent, parts.watch.get());
  nng_pipe_notify(socket, NNG_PIPE_EV_REM_POST, OnPipeEvent, parts.watch.get());
  Socket* s = heap.New<Socket>(std::move(parts));
  // Not taken: `parts` closes the socket.
  if (s == nullptr) return absl::ResourceExhaustedError("out of memory");
  return s;
}

absl::StatusOr<Socket*> Socket::OpenPipe(vm::Heap& heap) {
  SocketParts parts;
  parts.watch = std::make_unique<PeerWatch>();
  parts.protocol = "pair";
  int event_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  parts.watch->event_fd = event_fd;
  Socket* s = heap.New<Socket>(std::move(parts));
  if (s == nullptr) {
    if (event_fd >= 0) ::close(event_fd);
    return absl::ResourceExhaustedError("out of memory");
  }
  s->piped_ = true;
  s->nng_open_ = false;
  return s;
}

absl::StatusOr<Socket*> Socket::OpenMailbox(vm::Heap& heap, std::shared_ptr<Mailbox> mailbox,
                                             Mailbox::Side side, const std::string& url) {
  SocketParts parts;
  parts.watch = std::make_unique<PeerWatch>();
  parts.protocol = "pair";
  parts.endpoint = url;
  if (side == Mailbox::kParent) parts.listen_url = url;
  Socket* s = heap.New<Socket>(std::move(parts));
  if (s == nullptr) return absl::ResourceExhaustedError("out of memory");
  s->nng_open_ = false;
  s->mailbox_ = std::move(mailbox);
  s->side_ = side;
  s->watch_->pipes.store(1);
  return s;
}

absl::Status Socket::DialPipe(std::string_view url) {
  std::string what = absl::StrCat("nng-dial ", AsAbsl(url));
  ETA_RETURN_IF_ERROR(CheckOpen(what));
  if (!piped_ || pipe_ != nullptr || url.substr(0, 6) != "ipc://") {
    return NngError(what, NNG_ENOTSUP);
  }
  int error = 0;
  // nng's own limit for the exchange of headers.
  absl::StatusOr<std::unique_ptr<IpcPipe>> pipe =
      IpcPipe::Connect(std::string(url.substr(6)), std::chrono::seconds(10), &error);
  if (!pipe.ok()) {
    int rv = NNG_EPROTO;  // answered, but not as a pair socket
    switch (error) {
      case 0: rv = pipe.status().code() == absl::StatusCode::kDeadlineExceeded ? NNG_ETIMEDOUT
                                                                               : NNG_EPROTO;
              break;
      case ECONNREFUSED: rv = NNG_ECONNREFUSED; break;
      case ENOENT: rv = NNG_ENOENT; break;
      case EACCES: case EPERM: rv = NNG_EPERM; break;
      case ECONNRESET: case EPIPE: rv = NNG_ECONNRESET; break;
      case ENAMETOOLONG: rv = NNG_EADDRINVAL; break;
      default: rv = static_cast<int>(NNG_ESYSERR) + error; break;
    }
    return NngError(what, rv);
  }
  pipe_ = std::move(*pipe);
  endpoint_ = std::string(url);
  watch_->pipes.store(1);
  return absl::OkStatus();
}

void Socket::PipeGone() {
  if (watch_->pipes.exchange(0) == 0) return;
  MarkPeerLost();
}

std::optional<Message> Socket::TakeFromPipe() {
  if (pipe_ == nullptr) return std::nullopt;
  std::string body;
  IpcPipe::Taken taken = pipe_->Take(recv_max_bytes_, &body);
  if (taken == IpcPipe::Taken::kMessage) return Message(std::move(body));
  if (taken == IpcPipe::Taken::kGone) PipeGone();
  return std::nullopt;
}

Socket::~Socket() {
  Close();
  FinishClose();  // or left open by Release
  if (aio_ != nullptr) nng_aio_free(aio_);
}

void Socket::FinishClose() {
  if (child_ != nullptr && child_->closing_socket == this) child_->closing_socket = nullptr;
  if (nng_open_) nng_close(socket_);
  nng_open_ = false;
  pipe_.reset();
}

std::string Socket::Describe() const {
  return absl::StrCat("#<socket ", protocol_, closed_ ? " closed>" : ">");
}

void Socket::Close(bool process_ends) {
  if (closed_) return;
  closed_ = true;
  lookahead_.Reset();
  if (mailbox_ != nullptr) {
    // What this end sent stays in the mailbox for the peer.
    mailbox_->Close(side_);
    return;
  }
  // A child process that has ended (spawn-kill, spawn-wait) takes nothing
  // more: a fin sent to it would only wait in nng for a connection that is
  // going, and nng 1.5 leaks a message sent just as its pipe closes.
  bool to_child = role_ == Role::kChild && child_ != nullptr;
  bool awaits_hang_up = false;
  if (watch_->pipes.load() > 0 && !(to_child && child_->reaped)) {
    if (Handshakes()) {
      if (!peer_closing_) CloseHandshake();
      // The parent's end of a child closes after the child hangs up: a
      // child that loses its parent while it is still closing has nng
      // redial at once, and nng 1.5 keeps the socket of that failed
      // connect in its poller until its reaper thread runs, which the
      // poller then spins on (it polls as hung up), a core's worth of
      // the child's time on a busy machine. The nng socket stays open
      // until the next spawn finds the child ended, the socket is
      // collected or the process ends; nng-close itself returns now, so a
      // parent closing one child after another lets them all end side by
      // side instead of one after the other, and spawn-wait only reaps.
      awaits_hang_up = to_child;
    } else {
      Linger();
    }
  }
  if (awaits_hang_up && process_ends) {
    // The process ends now: a moment for the child to hang up, then the
    // kernel closes the socket.
    AwaitPeer(std::chrono::steady_clock::now() + kHangUpWait, /*fin_ends=*/false);
  } else if (awaits_hang_up) {
    child_->closing_socket = this;
  } else if (!process_ends) {
    FinishClose();  // nng_close waits for pipe callbacks in progress
  }
  // nng_close removes the endpoint files of its ipc listeners; a socket
  // whose nng_close waits, or is left to the process's end, removes them
  // now, so none outlives the process.
  if (nng_open_) {
    for (const std::string& path : ipc_paths_) ::unlink(path.c_str());
  }
  // Under the watch's lock: a socket left open by Release still has its
  // pipe callbacks, which then find no descriptor (-1) to signal.
  std::lock_guard<std::mutex> lock(watch_->mutex);
  if (watch_->event_fd >= 0) ::close(watch_->event_fd);
  watch_->event_fd = -1;
}

void Socket::Linger() {
  // nng drops messages still queued when a socket closes (it has no
  // linger): give what was sent just now time to leave, while a peer is
  // connected to take them. A req socket that has its reply knows its
  // request arrived.
  if (protocol_ == "req" && last_receive_ > last_send_) return;
  auto deadline = last_send_ + kLinger;
  // It ends early when the peer hangs up. (Closing as soon as the bytes
  // are written is not enough: nng drops a message that arrives just
  // before its connection closes.)
  while (watch_->pipes.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
}

void Socket::CloseHandshake() {
  // The peer's fin comes when it has read ours, or when it closes: then
  // what this end sent has arrived, and nothing of the peer's is still on
  // its way. (nng 1.5 can leave nng_close waiting forever for a pipe
  // whose message arrived while both ends closed, so a closer waits for
  // the fin even when it sent nothing lately.)
  SendFin();
  if (AwaitPeer(std::chrono::steady_clock::now() + kLinger, /*fin_ends=*/true)) {
    peer_closing_ = true;
  }
}

bool Socket::AwaitPeer(std::chrono::steady_clock::time_point deadline, bool fin_ends) {
  // Made before the first look: a message that comes before nng has the
  // descriptor may never make it readable.
  MakeReceiveFd();
  while (watch_->pipes.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::optional<Message> message = NextMessage(deadline, -1);
    if (!message.has_value()) continue;  // the loop looks why
    if (fin_ends && message->bytes().empty()) return true;
    // Anything else is dropped: the socket is closing.
  }
  return false;
}

std::optional<Message> Socket::NextMessage(std::chrono::steady_clock::time_point deadline,
                                           int extra_fd) {
  if (std::optional<Message> waiting = TakeWaiting()) return waiting;
  if (watch_->lost.load()) return std::nullopt;
  // Waited for without an aio where it can be: a process whose receives
  // all wait forever then never starts the timer thread.
  if (AwaitReadable(deadline, extra_fd)) return TakeWaiting();
  return ReceiveUntil(deadline);  // no descriptor to poll
}

std::optional<Message> Socket::TakeWaiting() {
  if (piped_) return TakeFromPipe();
  nng_msg* msg = nullptr;
  if (nng_recvmsg(socket_, &msg, NNG_FLAG_NONBLOCK) != 0) return std::nullopt;
  return Message(msg);
}

int Socket::MakeReceiveFd() {
  if (recv_fd_ >= 0) return 0;
  if (piped_) {
    // Without a connection (the parent had gone), the descriptor that
    // turns readable when the peer is lost, which it is.
    recv_fd_ = pipe_ != nullptr ? pipe_->fd() : watch_->event_fd;
    return 0;
  }
  int fd;
  if (int rv = nng_socket_get_int(socket_, NNG_OPT_RECVFD, &fd); rv != 0) return rv;
  recv_fd_ = fd;
  return 0;
}

bool Socket::AwaitReadable(std::chrono::steady_clock::time_point deadline, int extra_fd) {
  if (recv_fd_ < 0) return false;
  struct pollfd fds[3] = {{recv_fd_, POLLIN, 0}, {watch_->event_fd, POLLIN, 0},
                          {extra_fd, POLLIN, 0}};
  auto left = std::chrono::ceil<std::chrono::milliseconds>(
                  deadline - std::chrono::steady_clock::now()).count();
  int n = ::poll(fds, extra_fd >= 0 ? 3 : 2, static_cast<int>(std::clamp<int64_t>(left, 0, 1000)));
  return n >= 0 || errno == EINTR;
}

std::optional<Message> Socket::ReceiveUntil(std::chrono::steady_clock::time_point deadline) {
  if (piped_) return std::nullopt;  // MakeReceiveFd always gives it a descriptor
  nng_recv_aio(socket_, aio_);
  if (watch_->lost.load()) nng_aio_cancel(aio_);
  auto left = std::chrono::ceil<std::chrono::milliseconds>(
                  deadline - std::chrono::steady_clock::now()).count();
  if (AwaitAio(static_cast<int32_t>(std::max<int64_t>(left, 0))) != 0) return std::nullopt;
  Message message(nng_aio_get_msg(aio_));
  nng_aio_set_msg(aio_, nullptr);
  return message;
}

int Socket::AwaitAio(int32_t timeout_ms) {
  if (timeout_ms < 0) {
    nng_aio_wait(aio_);
    return nng_aio_result(aio_);
  }
  return AioTimer::Get().Wait(
      aio_, std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms));
}

absl::Status Socket::CheckOpen(std::string_view what) const {
  if (closed_) return NngError(what, NNG_ECLOSED);
  return absl::OkStatus();
}

absl::Status Socket::Listen(std::string_view url) { return DoListen(url, 0); }

absl::Status Socket::ListenPrivate(std::string_view url) { return DoListen(url, 0600); }

absl::Status Socket::DoListen(std::string_view url, int permissions) {
  std::string what = absl::StrCat("nng-listen ", AsAbsl(url));
  ETA_RETURN_IF_ERROR(CheckOpen(what));
  if (piped_ || mailbox_ != nullptr) return PipedRefusal(what);
  nng_listener listener;
  std::string nng_url = NngUrl(url);
  if (NeedsNngResolver(nng_url)) {
    if (int rv = StartNngResolver(); rv != 0) return NngError(what, rv);
  }
  if (int rv = nng_listener_create(&listener, socket_, nng_url.c_str()); rv != 0) {
    return NngError(what, rv);
  }
  if (permissions != 0 && url.substr(0, 6) == "ipc://") {
    nng_listener_set_int(listener, NNG_OPT_IPC_PERMISSIONS, permissions);
  }
  if (int rv = nng_listener_start(listener, 0); rv != 0) {
    nng_listener_close(listener);
    return NngError(what, rv);
  }
  if (url.substr(0, 6) == "ipc://") ipc_paths_.emplace_back(url.substr(6));
  listen_url_ = std::string(url);
  endpoint_ = listen_url_;
  int port = 0;
  if (url.substr(0, 3) == "tcp" &&
      nng_listener_get_int(listener, NNG_OPT_TCP_BOUND_PORT, &port) == 0) {
    size_t colon = listen_url_.rfind(':');
    if (colon != std::string::npos) {
      listen_url_ = absl::StrCat(listen_url_.substr(0, colon + 1), port);
      endpoint_ = listen_url_;
    }
  }
  return absl::OkStatus();
}

absl::Status Socket::Dial(std::string_view url, DialMode mode) {
  std::string what = absl::StrCat("nng-dial ", AsAbsl(url));
  ETA_RETURN_IF_ERROR(CheckOpen(what));
  if (piped_ || mailbox_ != nullptr) return PipedRefusal(what);
  std::string nng_url(url);
  int rv = 0;
  if (mode == DialMode::kOnce) {
    rv = DialOnce(socket_, nng_url);
  } else {
    if (NeedsNngResolver(nng_url)) rv = StartNngResolver();
    if (rv == 0) {
      rv = nng_dial(socket_, nng_url.c_str(), nullptr,
                    mode == DialMode::kRetry ? NNG_FLAG_NONBLOCK : 0);
    }
  }
  if (rv != 0) return NngError(what, rv);
  endpoint_ = nng_url;
  return absl::OkStatus();
}

int DialOnce(nng_socket socket, const std::string& url) {
  if (NeedsNngResolver(url)) {
    if (int rv = StartNngResolver(); rv != 0) return rv;
  }
  nng_dialer dialer;
  if (int rv = nng_dialer_create(&dialer, socket, url.c_str()); rv != 0) return rv;
  // Never, as far as the process is concerned: a day.
  constexpr nng_duration kNever = 24 * 60 * 60 * 1000;
  nng_dialer_set_ms(dialer, NNG_OPT_RECONNMINT, kNever);
  nng_dialer_set_ms(dialer, NNG_OPT_RECONNMAXT, kNever);
  int rv = nng_dialer_start(dialer, 0);
  if (rv != 0) nng_dialer_close(dialer);
  return rv;
}

absl::StatusOr<bool> Socket::Send(std::string_view bytes, int32_t timeout_ms) {
  ETA_RETURN_IF_ERROR(CheckOpen("send!"));
  if (mailbox_ != nullptr) {
    // Without waiting (the builtins wait, through the scheduler).
    std::string message(bytes);
    return mailbox_->Send(side_, message, nullptr) != Mailbox::Sent::kFull;
  }
  if (piped_) {
    last_send_ = std::chrono::steady_clock::now();
    // A peer that went takes nothing more (nng would keep the message
    // queued for a peer that never comes back).
    if (pipe_ == nullptr || pipe_->gone()) return true;
    switch (pipe_->Send(bytes, timeout_ms)) {
      case IpcPipe::Sent::kSent: return true;
      case IpcPipe::Sent::kTimedOut: return false;
      case IpcPipe::Sent::kGone: PipeGone(); return true;
    }
  }
  nng_msg* msg;
  if (int rv = nng_msg_alloc(&msg, bytes.size()); rv != 0) {
    return NngError("send!", rv);
  }
  if (!bytes.empty()) std::memcpy(nng_msg_body(msg), bytes.data(), bytes.size());
  last_send_ = std::chrono::steady_clock::now();
  if (is_surveyor_) {
    survey_deadline_ = last_send_ + std::chrono::milliseconds(survey_time_ms_);
  }
  // Where the queue has room the message is sent at once, without a
  // wait's thread switches; only a full queue waits.
  int rv = nng_sendmsg(socket_, msg, NNG_FLAG_NONBLOCK);
  if (rv == 0) return true;
  if (rv != NNG_EAGAIN || timeout_ms == 0) {
    nng_msg_free(msg);
    if (rv == NNG_EAGAIN) return false;
    return NngError("send!", rv);
  }
  nng_aio_set_msg(aio_, msg);
  nng_send_aio(socket_, aio_);
  rv = AwaitAio(timeout_ms);
  if (rv == 0) return true;
  nng_msg_free(nng_aio_get_msg(aio_));  // not sent: still ours
  nng_aio_set_msg(aio_, nullptr);
  if (rv == NNG_ETIMEDOUT) return false;
  return NngError("send!", rv);
}

bool Socket::SendFin() {
  if (fin_sent_) return true;
  if (piped_) {
    if (pipe_ == nullptr) return false;
    IpcPipe::Sent sent = pipe_->Send("", 0);
    if (sent == IpcPipe::Sent::kGone) PipeGone();
    fin_sent_ = sent == IpcPipe::Sent::kSent;
    return fin_sent_;
  }
  nng_msg* msg;
  if (nng_msg_alloc(&msg, 0) != 0) return false;
  if (nng_sendmsg(socket_, msg, NNG_FLAG_NONBLOCK) != 0) {
    nng_msg_free(msg);
    return false;
  }
  fin_sent_ = true;
  return true;
}

absl::StatusOr<Message> Socket::Receive(int32_t timeout_ms, bool* peer_gone) {
  if (!Handshakes()) return ReceiveOne(timeout_ms, peer_gone);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    ETA_ASSIGN_OR_RETURN(Message message, ReceiveOne(timeout_ms, peer_gone));
    if (message.empty() || !message.bytes().empty()) return message;
    // The peer's fin: it is closing and waits to hear that what it sent
    // was received, which this answer says.
    peer_closing_ = true;
    SendFin();
    // A parent's fin also says it sends nothing more, and its end stays
    // open until this child has ended (Socket::Close): the mailbox has
    // lost its peer now, not when the connection goes.
    if (role_ == Role::kMailbox) MarkPeerLost();
    if (timeout_ms > 0) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now()).count();
      timeout_ms = static_cast<int32_t>(std::max<int64_t>(left, 0));
    }
  }
}

absl::StatusOr<Message> Socket::ReceiveOne(int32_t timeout_ms, bool* peer_gone) {
  ETA_RETURN_IF_ERROR(CheckOpen("recv!"));
  if (peer_gone != nullptr) *peer_gone = false;
  if (!lookahead_.empty()) return std::move(lookahead_);
  if (is_surveyor_) {
    // Past the survey's deadline there is nothing more to wait for.
    if (!survey_deadline_) timeout_ms = 0;
    else {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          *survey_deadline_ - std::chrono::steady_clock::now()).count();
      if (left <= 0) {
        timeout_ms = 0;
      } else if (timeout_ms < 0 || timeout_ms > left) {
        // nng's own survey timer ends the receive at the deadline. A
        // timeout of the receive itself at the same instant races with it
        // inside nng 1.5 (an aio freed later is still on its expiry list,
        // and nng panics), so ours comes a little after.
        timeout_ms = static_cast<int32_t>(left) + 100;
      }
    }
  }
  bool watching = WatchesPeer();
  if (mailbox_ != nullptr) {
    // Without waiting (the builtins wait, through the scheduler).
    std::string bytes;
    switch (mailbox_->Receive(side_, &bytes, nullptr)) {
      case Mailbox::Taken::kMessage: return Message(std::move(bytes));
      case Mailbox::Taken::kGone:
        if (peer_gone != nullptr) *peer_gone = watching;
        return Message();
      case Mailbox::Taken::kEmpty: return Message();
    }
  }
  if (piped_) return ReceiveFromPipe(timeout_ms, watching, peer_gone);
  bool lost = watching && watch_->lost.load();
  int rv = NNG_EAGAIN;
  nng_msg* msg = nullptr;
  // A pair socket first takes what is already here, without a wait's
  // thread switches (other protocols keep state in a receive).
  if (timeout_ms == 0 || lost || is_pair_) rv = nng_recvmsg(socket_, &msg, NNG_FLAG_NONBLOCK);
  if (rv == NNG_EAGAIN && timeout_ms != 0 && !lost) {
    nng_recv_aio(socket_, aio_);
    // The peer may have gone just before the receive started.
    if (watching && watch_->lost.load()) nng_aio_cancel(aio_);
    rv = AwaitAio(timeout_ms);
    if (rv == 0) msg = nng_aio_get_msg(aio_);
    if (rv == NNG_ECANCELED && !watching) rv = NNG_ETIMEDOUT;
    // Woken because the peer went: deliver what it sent before it went.
    if (rv == NNG_ECANCELED && watching) {
      rv = nng_recvmsg(socket_, &msg, NNG_FLAG_NONBLOCK);
    }
  }
  if (rv == 0) {
    last_receive_ = std::chrono::steady_clock::now();
    return Message(msg);
  }
  if (watching && watch_->lost.load() &&
      (rv == NNG_EAGAIN || rv == NNG_ETIMEDOUT || rv == NNG_ECANCELED)) {
    if (peer_gone != nullptr) *peer_gone = true;
    return Message();
  }
  if (rv == NNG_ETIMEDOUT || rv == NNG_EAGAIN) return Message();
  // A surveyor whose survey has expired has nothing more to receive.
  if (rv == NNG_ESTATE && is_surveyor_) return Message();
  return NngError("recv!", rv);
}

void Socket::AwaitChildEnd() {
  // The child's end wakes the wait through a pidfd (Linux 5.3 on); without
  // one, or without the receive descriptor, the wait looks every 5 ms.
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, child_->pid, 0));
  constexpr auto kLook = std::chrono::milliseconds(5);
  MakeReceiveFd();  // before the first look (CloseHandshake says why)
  while (!child_->Reap(false)) {
    // A child not connected yet may still connect, and close with the
    // handshake: it is looked for too.
    if (closed_ || !Handshakes() || peer_closing_ || !lookahead_.empty() ||
        watch_->lost.load()) {
      break;  // nothing (more) to answer: only the end to wait for
    }
    bool polls_end = pidfd >= 0 && recv_fd_ >= 0;
    std::optional<Message> message = NextMessage(
        std::chrono::steady_clock::now() + (polls_end ? std::chrono::milliseconds(1000) : kLook),
        pidfd);
    if (!message.has_value()) continue;
    if (message->bytes().empty()) {
      peer_closing_ = true;
      SendFin();
    } else {
      lookahead_ = std::move(*message);
    }
  }
  if (pidfd >= 0) ::close(pidfd);
  child_->Reap(true);
}

absl::StatusOr<int> Socket::ReceiveFd(std::string_view who) {
  ETA_RETURN_IF_ERROR(CheckOpen(who));
  if (int rv = mailbox_ != nullptr ? NNG_ENOTSUP : MakeReceiveFd(); rv != 0) {
    return NngError(absl::StrCat(AsAbsl(who), ": ", protocol_, " socket"), rv);
  }
  return recv_fd_;
}

absl::StatusOr<int> Socket::SendFd() {
  ETA_RETURN_IF_ERROR(CheckOpen("send!"));
  if (send_fd_ < 0) {
    int fd;
    int rv = piped_ || mailbox_ != nullptr ? NNG_ENOTSUP
                                           : nng_socket_get_int(socket_, NNG_OPT_SENDFD, &fd);
    if (rv != 0) return NngError(absl::StrCat("send!: ", protocol_, " socket"), rv);
    send_fd_ = fd;
  }
  return send_fd_;
}

void Socket::Subscribe(std::string topic) {
  if (std::find(topics_.begin(), topics_.end(), topic) == topics_.end()) {
    topics_.push_back(std::move(topic));
  }
}

void Socket::Unsubscribe(const std::string& topic) {
  topics_.erase(std::remove(topics_.begin(), topics_.end(), topic), topics_.end());
}

void Socket::MarkPeerLost() {
  std::lock_guard<std::mutex> lock(watch_->mutex);
  watch_->lost.store(true);
  uint64_t one = 1;
  ssize_t ignored = ::write(watch_->event_fd, &one, sizeof one);
  (void)ignored;
}

bool Socket::Accepts(std::string_view topic) const {
  for (const std::string& t : topics_) {
    if (topic.substr(0, t.size()) == t) return true;
  }
  return false;
}

absl::Status Socket::SetRecvMaxBytes(size_t bytes) {
  if (piped_ || mailbox_ != nullptr) {
    recv_max_bytes_ = bytes;
    return absl::OkStatus();
  }
  if (int rv = nng_socket_set_size(socket_, NNG_OPT_RECVMAXSZ, bytes); rv != 0) {
    return NngError("nng-set-option recv-max-size", rv);
  }
  recv_max_bytes_ = bytes;
  return absl::OkStatus();
}

absl::Status Socket::SetIntOption(const char* nng_name, int value) {
  if (piped_ || mailbox_ != nullptr) {
    int* option = PipedBuffer(nng_name);
    // nng's range for its buffers.
    int rv = option == nullptr ? NNG_ENOTSUP : value > 8192 ? NNG_EINVAL : 0;
    if (rv != 0) return NngError(absl::StrCat("nng-set-option ", nng_name), rv);
    *option = value;
    if (mailbox_ != nullptr) {
      mailbox_->set_buffer(side_, std::string_view(nng_name) == NNG_OPT_RECVBUF, value);
    }
    return absl::OkStatus();
  }
  if (int rv = nng_socket_set_int(socket_, nng_name, value); rv != 0) {
    return NngError(absl::StrCat("nng-set-option ", nng_name), rv);
  }
  return absl::OkStatus();
}

absl::StatusOr<int> Socket::GetIntOption(const char* nng_name) {
  if (piped_ || mailbox_ != nullptr) {
    int* option = PipedBuffer(nng_name);
    if (option == nullptr) return NngError(absl::StrCat("nng-get-option ", nng_name), NNG_ENOTSUP);
    return *option;
  }
  int value;
  if (int rv = nng_socket_get_int(socket_, nng_name, &value); rv != 0) {
    return NngError(absl::StrCat("nng-get-option ", nng_name), rv);
  }
  return value;
}

absl::Status Socket::SetMsOption(const char* nng_name, int32_t ms) {
  if (piped_ || mailbox_ != nullptr) {
    if (std::string_view(nng_name) != NNG_OPT_RECONNMINT) {
      return NngError(absl::StrCat("nng-set-option ", nng_name), NNG_ENOTSUP);
    }
    pipe_reconnect_ms_ = ms;
    return absl::OkStatus();
  }
  if (int rv = nng_socket_set_ms(socket_, nng_name, Duration(ms)); rv != 0) {
    return NngError(absl::StrCat("nng-set-option ", nng_name), rv);
  }
  if (std::string_view(nng_name) == NNG_OPT_SURVEYOR_SURVEYTIME) survey_time_ms_ = ms;
  return absl::OkStatus();
}

absl::StatusOr<int32_t> Socket::GetMsOption(const char* nng_name) {
  if (piped_ || mailbox_ != nullptr) {
    if (std::string_view(nng_name) != NNG_OPT_RECONNMINT) {
      return NngError(absl::StrCat("nng-get-option ", nng_name), NNG_ENOTSUP);
    }
    return pipe_reconnect_ms_;
  }
  nng_duration value;
  if (int rv = nng_socket_get_ms(socket_, nng_name, &value); rv != 0) {
    return NngError(absl::StrCat("nng-get-option ", nng_name), rv);
  }
  return value < 0 ? kForever : value;
}

absl::StatusOr<Message> Socket::ReceiveFromPipe(int32_t timeout_ms, bool watching,
                                                bool* peer_gone) {
  auto deadline = timeout_ms < 0
                      ? std::chrono::steady_clock::time_point::max()
                      : std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  MakeReceiveFd();
  while (true) {
    if (std::optional<Message> message = TakeFromPipe()) {
      last_receive_ = std::chrono::steady_clock::now();
      return std::move(*message);
    }
    bool lost = watch_->lost.load();
    if (lost && watching) {
      if (peer_gone != nullptr) *peer_gone = true;
      return Message();
    }
    if (timeout_ms == 0 || std::chrono::steady_clock::now() >= deadline) return Message();
    if (lost) {
      // Nothing can come, and this socket does not watch for that: the
      // receive times out, as nng's would.
      auto left = std::chrono::ceil<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now()).count();
      ::poll(nullptr, 0, static_cast<int>(std::clamp<int64_t>(left, 0, 1000)));
      continue;
    }
    AwaitReadable(deadline, -1);
  }
}

absl::Status Socket::PipedRefusal(const std::string& what) const {
  return absl::UnavailableError(absl::StrCat(
      what, ": ", nng_strerror(NNG_ENOTSUP),
      role_ == Role::kThread ? " (a thread's socket connects to its thread only)"
                             : " (a mailbox connects to its parent only)"));
}

int* Socket::PipedBuffer(const char* nng_name) {
  std::string_view name(nng_name);
  if (name == NNG_OPT_RECVBUF) return &pipe_recv_buffer_;
  if (name == NNG_OPT_SENDBUF) return &pipe_send_buffer_;
  return nullptr;
}

Socket* AsSocket(vm::Value v) {
  if (!vm::IsType(v, vm::ObjectType::kForeign)) return nullptr;
  return dynamic_cast<Socket*>(static_cast<vm::ForeignObject*>(v.AsObject()));
}

}  // namespace eta::net

#if defined(__SANITIZE_ADDRESS__)
// LeakSanitizer: a fin sent just as its connection closes (the peer gave
// up waiting for it, kLinger) stays in nng 1.5's pipe, which never frees
// it (the leak noted at Socket::Handshakes). Only fins are excused.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:eta::net::Socket::SendFin\n";
}
#endif

#if defined(__SANITIZE_THREAD__)
// ThreadSanitizer settings, built into every binary with sockets (under
// --config=tsan only). nng is linked from Debian's archive, built without
// TSan: the ordering its own synchronisation gives is invisible, so its
// accesses look like races. A process that ends is not kept waiting a
// second (TSan's default), which spawned children would all pay.
extern "C" const char* __tsan_default_suppressions() {
  return "race:nni_\n"
         "race:nng_\n";
}

extern "C" const char* __tsan_default_options() { return "atexit_sleep_ms=0"; }
#endif
