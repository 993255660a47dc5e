// Socket: one nng socket as a heap object of the VM that created it (SPEC
// [N]). It is closed by nng-close, when collected, or when its VM ends.
// A socket belongs to one VM and is used from that VM's thread only; a
// blocking call blocks that thread and nothing else.
#ifndef ETA_NET_SOCKET_H_
#define ETA_NET_SOCKET_H_

#include <nng/nng.h>

#include <atomic>
#include <condition_variable>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "net/ipc_pipe.h"
#include "net/mailbox.h"
#include "vm/heap.h"
#include "vm/object.h"
#include "vm/value.h"

namespace eta::net {

// kProtocols lists the protocol names of (nng-socket 'proto).
inline constexpr const char* kProtocols[] = {
    "pair", "req", "rep", "pub", "sub", "push", "pull", "surveyor",
    "respondent", "bus"};

// Timeout values in milliseconds; kForever waits without limit.
inline constexpr int32_t kForever = -1;
inline constexpr int32_t kDefaultRecvTimeoutMs = 1000;
inline constexpr int kDefaultBufferMessages = 1024;
// kLinger is how long closing a socket waits after its last send while a
// peer is connected, so that queued messages reach it (nng itself drops
// them on close); the wait ends early when the peer hangs up, and on actor
// sockets when the peer answers the close handshake (Socket::Close).
inline constexpr std::chrono::milliseconds kLinger{100};
// kHangUpWait is how long the parent's end of a child, once the close
// handshake is done, waits for the child to hang up when the parent's
// process ends (Socket::Close; otherwise the socket stays open until a
// later spawn finds the child reaped).
inline constexpr std::chrono::milliseconds kHangUpWait{20};

// NngError makes the status of a failed nng call: "WHAT: nng's text".
absl::Status NngError(std::string_view what, int rv);

// Message is a received message: an nng message, freed with the Message,
// or the bytes an IpcPipe received. empty() means no message (a message
// of no bytes is a fin).
class Message {
 public:
  Message() = default;
  explicit Message(nng_msg* msg) : msg_(msg) {}
  explicit Message(std::string bytes) : bytes_(std::move(bytes)), has_bytes_(true) {}
  ~Message() { Reset(); }
  Message(Message&& other) noexcept
      : msg_(other.msg_), bytes_(std::move(other.bytes_)), has_bytes_(other.has_bytes_) {
    other.msg_ = nullptr;
    other.has_bytes_ = false;
  }
  Message& operator=(Message&& other) noexcept {
    if (this != &other) {
      Reset();
      msg_ = other.msg_;
      bytes_ = std::move(other.bytes_);
      has_bytes_ = other.has_bytes_;
      other.msg_ = nullptr;
      other.has_bytes_ = false;
    }
    return *this;
  }
  Message(const Message&) = delete;
  Message& operator=(const Message&) = delete;

  bool empty() const { return msg_ == nullptr && !has_bytes_; }
  std::string_view bytes() const {
    if (has_bytes_) return bytes_;
    return std::string_view(static_cast<const char*>(nng_msg_body(msg_)),
                            nng_msg_len(msg_));
  }
  void Reset() {
    if (msg_ != nullptr) nng_msg_free(msg_);
    msg_ = nullptr;
    bytes_.clear();
    has_bytes_ = false;
  }

 private:
  nng_msg* msg_ = nullptr;
  std::string bytes_;
  bool has_bytes_ = false;
};

// PeerWatch follows a socket's connections (nng pipe events) so that a
// receive can tell that its peer went away. Shared with nng's callbacks.
struct PeerWatch {
  std::atomic<int> pipes{0};      // connections open now
  // nng may report a connection's removal before its addition (its reaper
  // thread can overtake the accept path); the ids guard that order.
  std::mutex mutex;
  absl::flat_hash_set<uint32_t> open_ids;     // added, not yet removed
  absl::flat_hash_set<uint32_t> removed_ids;  // removed before being added
  std::atomic<bool> lost{false};  // had a connection, has none now
  std::atomic<bool> watching{false};  // the socket's receives end when lost
  int event_fd = -1;              // readable once lost (for nng-poll)
  nng_aio* aio = nullptr;         // the socket's receive, woken when lost
};

class Socket;

// ChildProcess is a process started by spawn; its status once reaped.
struct ChildProcess {
  int pid = -1;
  bool reaped = false;
  int wait_status = 0;  // from waitpid
  // The parent's socket to the child once nng-close has left its nng
  // socket open for the child to hang up first (Socket::Close); the next
  // spawn that finds the child reaped closes it.
  Socket* closing_socket = nullptr;
  // Reap waits for the child (or only looks, unless `block`); true once
  // it has ended.
  bool Reap(bool block);
  // ExitCode is [A1]'s status: the exit status, or 128+signal.
  int ExitCode() const;
};

// ThreadPeer is the actor started by spawn-thread[-with], as its parent
// sees it.
struct ThreadPeer {
  std::mutex mutex;
  bool finished = false;  // its outcome is known (failed, error)
  bool done = false;      // its VM, and so its mailbox, is gone
  bool failed = false;
  std::string error;  // the uncaught error's first report line when failed
  std::string reason;  // its message alone: the REASON of (down _ (error "..."))
  // The tasks waiting for `done` (thread-join, the parent's end).
  std::vector<std::shared_ptr<Task>> joiners;
  std::shared_ptr<Mailbox> mailbox;  // closed on the parent's side when the parent ends
};

// Role says what is at the other end of an actor socket.
enum class Role {
  kPlain,    // an ordinary socket
  kChild,    // the parent's end of a spawned process
  kThread,   // the parent's end of a thread VM
  kMailbox,  // a child's or thread's own end (current-mailbox)
};

// SocketParts is what a Socket is made of before it is in a heap (the
// Open functions); an nng socket in it is closed if no Socket takes it.
struct SocketParts {
  SocketParts() = default;
  SocketParts(SocketParts&& other) noexcept;
  SocketParts& operator=(SocketParts&&) = delete;
  ~SocketParts();

  nng_socket socket = NNG_SOCKET_INITIALIZER;
  nng_aio* aio = nullptr;  // null once moved or taken by a Socket
  std::unique_ptr<PeerWatch> watch;
  std::string protocol;
  std::string endpoint;    // Socket::endpoint
  std::string listen_url;  // Socket::listen_url
};

// DialOnce dials `url` on `socket` (blocking) with a dialer whose
// reconnect time is a day; 0 or nng's error. (nng 1.5 waits a random share
// of the reconnect time before it redials, but its share is negative, so
// no wait, about half the time: the parent's end of a child also closes
// after the child, Socket::Close.)
int DialOnce(nng_socket socket, const std::string& url);

class Socket : public vm::ForeignObject {
 public:
  // Open makes a socket of protocol `name` (one of kProtocols) with the
  // defaults of [N]. Errors name the protocols.
  static absl::StatusOr<Socket*> Open(vm::Heap& heap, std::string_view name);
  // OpenMailbox makes `side` of an in-memory mailbox, a pair socket
  // connected already whose endpoint is `url`; it cannot listen or dial.
  static absl::StatusOr<Socket*> OpenMailbox(vm::Heap& heap, std::shared_ptr<Mailbox> mailbox,
                                             Mailbox::Side side, const std::string& url);
  // OpenPipe makes a pair socket that uses no nng socket: a mailbox whose
  // one peer, the parent, listens on an ipc endpoint (DialPipe). It talks
  // through an IpcPipe on the VM's thread, and nng starts no threads for
  // it. It cannot listen or dial further.
  static absl::StatusOr<Socket*> OpenPipe(vm::Heap& heap);
  ~Socket() override;

  const char* KindName() const override { return "socket"; }
  std::string Describe() const override;
  // Release is Close for a process that ends now (VM::ReleaseForExit):
  // the handshake or the linger still runs, so what was sent arrives, but
  // the nng socket is left for the process's end to close (its connections
  // close with the process): tearing it down would only cost the ending
  // process time, every spawned child at the end of its task.
  void Release() override { Close(/*process_ends=*/true); }
  // FinishClose closes the nng socket that Close left open for a child to
  // hang up (ChildProcess::closing_socket), once the child has ended, or
  // when the socket is destroyed.
  void FinishClose();

  const std::string& protocol() const { return protocol_; }
  nng_socket id() const { return socket_; }
  bool closed() const { return closed_; }
  bool is_sub() const { return is_sub_; }
  bool is_surveyor() const { return is_surveyor_; }

  // Listen listens on `url` ("tcp://*:port" means every address).
  absl::Status Listen(std::string_view url);
  // Dial connects to `url`. kWait waits for the connection (nng redials
  // when it is lost); kRetry returns at once and keeps redialling in the
  // background while nothing listens yet; kOnce waits and does not redial
  // (a mailbox: a parent that went is gone for good; see DialOnce above).
  enum class DialMode { kWait, kRetry, kOnce };
  absl::Status Dial(std::string_view url, DialMode mode);
  // DialPipe connects a socket made by OpenPipe to the ipc endpoint `url`
  // (ipc://PATH), once, waiting for the connection. Errors are nng's for
  // the same failures (a refused connection is NNG_ECONNREFUSED's text).
  absl::Status DialPipe(std::string_view url);
  // Close closes the socket; closing again does nothing. Messages sent
  // within kLinger are given time to reach a connected peer. Actor sockets
  // close with a handshake instead: the closer sends a fin (an empty
  // message; no value encodes to zero bytes) and closes once the peer's
  // fin arrives, the peer hangs up or kLinger passes. A peer that reads a
  // fin answers with its own. Pair delivers in order, so a fin received
  // means everything sent before it was received; a peer that sent its
  // fin sends and reads nothing more, so closing after it need not wait.
  void Close() { Close(/*process_ends=*/false); }

  // Send sends `bytes`, waiting up to `timeout_ms` (kForever: no limit; 0:
  // only if it can be queued at once). Returns false when the time passed.
  absl::StatusOr<bool> Send(std::string_view bytes, int32_t timeout_ms);
  // Receive returns the next message, or an empty Message when `timeout_ms`
  // passed (0: only one already waiting). When the socket watches its peer
  // (actor sockets, monitors), an empty Message also comes back once the
  // peer is gone and every message it sent has been received; *peer_gone
  // then says so. On actor sockets the peer's fin is answered and skipped.
  absl::StatusOr<Message> Receive(int32_t timeout_ms, bool* peer_gone = nullptr);

  // AwaitChildEnd is spawn-wait on the parent's end of a child: it waits
  // for the child to end while answering its close handshake (a child
  // that closes its mailbox waits for this end's fin), so that a parent
  // that waits without closing first does not keep the child waiting out
  // kLinger, even when the child connects only after the wait began. A
  // message that comes instead is kept for the next receive.
  void AwaitChildEnd();

  // Actor state (SPEC [A]): the role, the peer, monitoring.
  Role role() const { return role_; }
  void set_role(Role role) {
    role_ = role;
    watch_->watching.store(WatchesPeer());
  }
  std::shared_ptr<ChildProcess>& child() { return child_; }
  std::shared_ptr<ThreadPeer>& thread() { return thread_; }
  // mailbox is the in-memory connection of a socket made by OpenMailbox,
  // else nullptr; mailbox_side its side.
  Mailbox* mailbox() const { return mailbox_.get(); }
  Mailbox::Side mailbox_side() const { return side_; }
  bool monitored() const { return monitored_; }
  void set_monitored(bool on) {
    monitored_ = on;
    watch_->watching.store(WatchesPeer());
  }
  // WatchesPeer: a lost peer ends receives (actor roles and monitors).
  bool WatchesPeer() const { return role_ != Role::kPlain || monitored_; }
  // Handshakes: both ends are the actor sockets of a parent and a spawned
  // process, which close with the handshake of Close. (A thread actor's
  // mailbox keeps what was sent for the peer when it closes.)
  bool Handshakes() const {
    return role_ == Role::kChild || (role_ == Role::kMailbox && mailbox_ == nullptr);
  }
  // (A socket made by OpenPipe learns of its peer's end by looking.)
  bool peer_lost() const {
    if (mailbox_ != nullptr) return mailbox_->Closed(Mailbox::Other(side_));
    return watch_->lost.load() || (pipe_ != nullptr && pipe_->HungUp());
  }
  // MarkPeerLost: the peer is gone without ever connecting (a mailbox whose
  // parent closed before the child dialled), or has sent its fin (Receive).
  void MarkPeerLost();
  // peer_count: the connections open now (dialled or accepted).
  int peer_count() const {
    if (mailbox_ != nullptr) return peer_lost() ? 0 : 1;
    return pipe_ != nullptr && pipe_->HungUp() ? 0 : watch_->pipes.load();
  }
  int peer_event_fd() const { return watch_->event_fd; }
  // The peer's end was reported (a down message, an error): once only.
  bool reported() const { return reported_; }
  void set_reported() { reported_ = true; }
  // Listen with owner-only permissions on an ipc endpoint (spawn).
  absl::Status ListenPrivate(std::string_view url);

  // The message a poll received ahead (sub sockets, whose filter needs the
  // message itself); Receive's callers take it first.
  Message& lookahead() { return lookahead_; }

  // ReceiveFd returns a descriptor that polls readable when a message can
  // be received (not for a mailbox).
  absl::StatusOr<int> ReceiveFd(std::string_view who = "nng-poll");
  // SendFd returns a descriptor that polls readable when a message can be
  // sent (nng sockets only).
  absl::StatusOr<int> SendFd();
  // The end of a surveyor's current survey, if one was sent.
  const std::optional<std::chrono::steady_clock::time_point>& survey_deadline() const {
    return survey_deadline_;
  }
  // piped: made by OpenPipe (its waits block the thread).
  bool piped() const { return piped_; }

  // Topic filters (sub sockets): a message is delivered when its topic
  // starts with one of them.
  void Subscribe(std::string topic);
  void Unsubscribe(const std::string& topic);
  bool Accepts(std::string_view topic) const;

  // Options of [N] (names as in nng-set-option), plus the read-only `url`
  // (the last address listened on, with the port chosen for port 0).
  int32_t recv_timeout_ms() const { return recv_timeout_ms_; }
  int32_t send_timeout_ms() const { return send_timeout_ms_; }
  size_t recv_max_bytes() const { return recv_max_bytes_; }
  const std::string& listen_url() const { return listen_url_; }
  // endpoint is the last URL listened on or dialled ("" if none).
  const std::string& endpoint() const { return endpoint_; }
  void set_recv_timeout_ms(int32_t ms) { recv_timeout_ms_ = ms; }
  void set_send_timeout_ms(int32_t ms) { send_timeout_ms_ = ms; }
  absl::Status SetRecvMaxBytes(size_t bytes);
  // Integer options passed to nng ("recv-buffer", "send-buffer").
  absl::Status SetIntOption(const char* nng_name, int value);
  absl::StatusOr<int> GetIntOption(const char* nng_name);
  // Millisecond options passed to nng ("survey-time", "reconnect-time").
  absl::Status SetMsOption(const char* nng_name, int32_t ms);
  absl::StatusOr<int32_t> GetMsOption(const char* nng_name);

  // Use Open; public for Heap::New.
  explicit Socket(SocketParts&& parts);  // takes them: Adopt

 private:
  absl::Status CheckOpen(std::string_view what) const;
  // ReceiveOne is Receive without the handshake: fins come back as
  // messages of no bytes.
  absl::StatusOr<Message> ReceiveOne(int32_t timeout_ms, bool* peer_gone);
  // Linger and CloseHandshake are Close's waits for plain and actor
  // sockets.
  void Linger();
  void CloseHandshake();
  // Close(process_ends) is Close, or Release's close with process_ends.
  void Close(bool process_ends);
  // SendFin sends this end's fin unless it has (without waiting); false
  // when it could not be queued.
  bool SendFin();
  // AwaitAio waits for the operation started on aio_ to finish, or has
  // AioTimer cancel it once `timeout_ms` passed (kForever: no limit), and
  // returns its result (NNG_ETIMEDOUT when the time passed).
  int AwaitAio(int32_t timeout_ms);
  // MakeReceiveFd has nng make recv_fd_ (once); 0 or nng's error.
  int MakeReceiveFd();
  // AwaitPeer waits, dropping what arrives, until the peer hangs up or
  // `deadline` passes, or, with `fin_ends`, the peer's fin arrives (true).
  bool AwaitPeer(std::chrono::steady_clock::time_point deadline, bool fin_ends);
  // NextMessage is the message waiting, or the next one to come before
  // `deadline`; nothing when the time passes, the peer is lost or
  // `extra_fd` (unless -1) turns readable first.
  std::optional<Message> NextMessage(std::chrono::steady_clock::time_point deadline,
                                     int extra_fd);
  // TakeWaiting takes the message waiting, if one is (no wait).
  std::optional<Message> TakeWaiting();
  // AwaitReadable waits without an aio, by polling the socket's receive
  // descriptor, until a message may be waiting, the peer is lost,
  // `extra_fd` (unless -1) is readable, or `deadline` (at most 1 s away)
  // passes. False when the socket has no descriptor to poll (made by
  // MakeReceiveFd before the socket was last looked at).
  bool AwaitReadable(std::chrono::steady_clock::time_point deadline, int extra_fd);
  // ReceiveUntil receives the next message, or nothing once `deadline`
  // passed or the peer hung up.
  std::optional<Message> ReceiveUntil(std::chrono::steady_clock::time_point deadline);
  absl::Status DoListen(std::string_view url, int permissions);
  // PipeGone records that the pipe's peer went (as nng's pipe event does).
  void PipeGone();
  // TakeFromPipe takes the pipe's next whole message, if one has arrived.
  std::optional<Message> TakeFromPipe();
  // ReceiveFromPipe is ReceiveOne's wait for a socket made by OpenPipe.
  absl::StatusOr<Message> ReceiveFromPipe(int32_t timeout_ms, bool watching, bool* peer_gone);
  // PipedRefusal is the error of what such a socket cannot do.
  absl::Status PipedRefusal(const std::string& what) const;
  // PipedBuffer is where such a socket keeps nng's buffer option
  // `nng_name`, or nullptr for another option.
  int* PipedBuffer(const char* nng_name);

  nng_socket socket_;
  std::string protocol_;
  bool is_sub_;       // protocol_ == "sub", looked up once (hot path)
  bool is_surveyor_;  // protocol_ == "surveyor"
  bool is_pair_;      // protocol_ == "pair"
  nng_aio* aio_;  // one at a time: the socket's VM is single-threaded
  bool closed_ = false;
  bool nng_open_ = true;  // false once nng_close ran (Release skips it)
  int32_t recv_timeout_ms_ = kDefaultRecvTimeoutMs;
  int32_t send_timeout_ms_ = kForever;
  size_t recv_max_bytes_;
  std::string listen_url_;
  std::string endpoint_;
  std::vector<std::string> topics_;
  Message lookahead_;
  int recv_fd_ = -1;
  std::unique_ptr<PeerWatch> watch_;
  Role role_ = Role::kPlain;
  std::shared_ptr<ChildProcess> child_;
  std::shared_ptr<ThreadPeer> thread_;
  std::shared_ptr<Mailbox> mailbox_;
  Mailbox::Side side_ = Mailbox::kParent;
  int send_fd_ = -1;
  bool monitored_ = false;
  bool reported_ = false;
  bool fin_sent_ = false;      // the handshake: this end's fin is sent
  bool peer_closing_ = false;  // the peer's fin was received
  std::vector<std::string> ipc_paths_;  // the endpoint files of its ipc listens
  // A socket made by OpenPipe: pipe_ once connected; the options that nng
  // would keep.
  bool piped_ = false;
  std::unique_ptr<IpcPipe> pipe_;
  int pipe_recv_buffer_ = kDefaultBufferMessages;
  int pipe_send_buffer_ = kDefaultBufferMessages;
  int32_t pipe_reconnect_ms_ = 100;  // nng's default
  std::chrono::steady_clock::time_point last_send_;
  std::chrono::steady_clock::time_point last_receive_;
  // A surveyor's current survey ends at survey_deadline_ (nng's own timer
  // does not end a receive that waits longer).
  int32_t survey_time_ms_ = 1000;
  std::optional<std::chrono::steady_clock::time_point> survey_deadline_;
};

// AsSocket returns the socket `v` holds, or nullptr.
Socket* AsSocket(vm::Value v);

}  // namespace eta::net

#endif  // ETA_NET_SOCKET_H_
