// The socket builtins of SPEC [N]: nng-socket nng-listen nng-dial nng-close
// nng-socket? send! recv! nng-poll nng-subscribe nng-unsubscribe
// nng-set-option nng-get-option. Every failure raises an `nng-error`.
#include <nng/nng.h>
#include <nng/protocol/survey0/survey.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "compiler/status_macros.h"
#include "net/actors.h"
#include "net/net.h"
#include "net/socket.h"
#include "net/waiting.h"
#include "vm/object.h"
#include "vm/utf8.h"
#include "vm/vm.h"
#include "wire/wire.h"

namespace eta::net {
namespace {

using vm::Arguments;
using vm::Value;
using vm::VM;

Value RaiseNng(VM& vm, std::string message) {
  return vm.RaiseError("nng-error", std::move(message));
}

Value RaiseStatus(VM& vm, const absl::Status& status) {
  if (absl::IsResourceExhausted(status) && status.message() == "out of memory") {
    return vm.RaiseOutOfMemory();
  }
  return RaiseNng(vm, std::string(status.message()));
}

// SocketArgument returns args[position-1] as a socket, or raises.
Socket* SocketArgument(VM& vm, const char* who, Arguments args, int position) {
  Socket* s = AsSocket(args[position - 1]);
  if (s == nullptr) vm.RaiseTypeError(who, position, "a socket", args[position - 1]);
  return s;
}

// NameArgument reads a symbol or string argument as UTF-8; false (after
// raising) if it is neither.
bool NameArgument(VM& vm, const char* who, Arguments args, int position,
                  std::string* out) {
  Value v = args[position - 1];
  if (vm::IsSymbol(v)) {
    *out = vm::As<vm::Symbol>(v)->name;
    return true;
  }
  if (vm::IsString(v)) {
    *out = vm::EncodeUtf8(vm::As<vm::String>(v)->chars);
    return true;
  }
  vm.RaiseTypeError(who, position, "a symbol or string", v);
  return false;
}

bool IsSymbolNamed(Value v, std::string_view name) {
  return vm::IsSymbol(v) && vm::As<vm::Symbol>(v)->name == name;
}

// ---- Topics ----

// TopicOf is a message's topic ([N]): the name of the car of a pair when it
// is a symbol or string, a symbol's or string's own text, else "".
std::string TopicOf(Value v) {
  if (vm::IsPair(v)) v = vm::Car(v);
  if (vm::IsSymbol(v)) return vm::As<vm::Symbol>(v)->name;
  if (vm::IsString(v)) return vm::EncodeUtf8(vm::As<vm::String>(v)->chars);
  return "";
}

// Decoded is a received message decoded, or why it could not be.
absl::StatusOr<Value> DecodeMessage(VM& vm, Socket* s, const Message& message) {
  wire::DecodeOptions options;
  options.max_bytes = s->recv_max_bytes() == 0 ? SIZE_MAX : s->recv_max_bytes();
  absl::StatusOr<Value> v = wire::Decode(message.bytes(), vm.heap(), vm.symbols(), options);
  if (!v.ok() && !(absl::IsResourceExhausted(v.status()) &&
                   v.status().message() == "out of memory decoding message")) {
    return absl::InvalidArgumentError(absl::StrCat("recv!: ", v.status().message()));
  }
  if (!v.ok()) return absl::ResourceExhaustedError("out of memory");
  return v;
}

// kPeerCheckMs is how often a receive on a child's or thread's socket
// looks whether the peer ended before it ever connected.
constexpr int32_t kPeerCheckMs = 50;

// EndedUnconnected tells whether a spawned child or thread has ended with
// no connection left to it: one it never made (it died first), since a
// connection that was made reports its end itself, after delivering what
// came through it.
bool EndedUnconnected(Socket* s) {
  if (s->role() != Role::kChild && s->role() != Role::kThread) return false;
  if (s->peer_count() > 0) return false;
  if (s->child() != nullptr) return s->child()->Reap(false);
  if (s->thread() != nullptr) {
    std::lock_guard<std::mutex> lock(s->thread()->mutex);
    return s->thread()->done;
  }
  return false;
}

// WatchForMessage has what can make a message arrive on `s` wake the
// waiting task: the mailbox itself, or the socket's receive descriptor and,
// for one that watches its peer, the descriptor of the peer's end. False
// when a mailbox has a message (or its peer's end) already: look again.
bool WatchForMessage(Waiting& wait, Socket* s, int receive_fd) {
  if (Mailbox* mailbox = s->mailbox()) {
    return !mailbox->Readable(s->mailbox_side(), &wait.task());
  }
  wait.OnReadable(receive_fd);
  if (s->WatchesPeer() && !s->reported() && s->peer_event_fd() >= 0) {
    wait.OnReadable(s->peer_event_fd());
  }
  // A child or thread that ends before it connects is seen by looking.
  if (s->role() == Role::kChild || s->role() == Role::kThread) {
    wait.LookAgainBy(Clock::now() + std::chrono::milliseconds(kPeerCheckMs));
  }
  return true;
}

// ReceiveValue receives and decodes the next message a socket delivers
// (on a sub socket, the next whose topic is subscribed), waiting up to
// `timeout_ms` (through the scheduler, net/waiting.h). Returns #f when the
// time passed; once the peer of an actor socket is gone, what PeerGone
// says.
Value ReceiveValue(VM& vm, Socket* s, int32_t timeout_ms) {
  Waiting wait(vm, timeout_ms);
  while (true) {
    wait.NewLook();
    int receive_fd = -1;
    if (s->mailbox() == nullptr) {
      // Made before the first look (Socket::AwaitPeer says why).
      absl::StatusOr<int> fd = s->ReceiveFd("recv!");
      if (!fd.ok()) return RaiseStatus(vm, fd.status());
      receive_fd = *fd;
    }
    bool peer_gone = false;
    absl::StatusOr<Message> message = s->Receive(0, &peer_gone);
    if (!message.ok()) return RaiseStatus(vm, message.status());
    if (message->empty()) {
      if (peer_gone) return PeerGone(vm, s);
      if (EndedUnconnected(s)) {
        // Ended: deliver what it sent, then report.
        message = s->Receive(0, &peer_gone);
        if (!message.ok()) return RaiseStatus(vm, message.status());
        if (message->empty()) return PeerGone(vm, s);
      } else {
        if (wait.TimedOut()) return Value::False();
        if (s->is_surveyor()) {
          // Nothing more comes once the survey's time is up.
          const auto& ends = s->survey_deadline();
          if (!ends.has_value() || Clock::now() >= *ends) return Value::False();
          wait.LookAgainBy(*ends);
        }
        if (!WatchForMessage(wait, s, receive_fd)) continue;
        if (Value parked = wait.Park(); parked.IsSuspend()) return parked;
        continue;
      }
    }
    absl::StatusOr<Value> v = DecodeMessage(vm, s, *message);
    if (!v.ok()) return RaiseStatus(vm, v.status());
    if (!s->is_sub() || s->Accepts(TopicOf(*v))) return *v;
  }
}

// SendBytes sends `bytes`, waiting up to `timeout_ms` for room: #t, or #f
// when the time passed.
Value SendBytes(VM& vm, Socket* s, std::string& bytes, int32_t timeout_ms) {
  if (s->piped()) {
    // A child's mailbox to its parent waits on its thread.
    absl::StatusOr<bool> sent = s->Send(bytes, timeout_ms);
    if (!sent.ok()) return RaiseStatus(vm, sent.status());
    return Value::Bool(*sent);
  }
  Waiting wait(vm, timeout_ms);
  while (true) {
    wait.NewLook();
    if (s->closed()) return RaiseStatus(vm, NngError("send!", NNG_ECLOSED));
    if (Mailbox* mailbox = s->mailbox()) {
      if (mailbox->Send(s->mailbox_side(), bytes, &wait.task()) != Mailbox::Sent::kFull) {
        return Value::True();
      }
    } else {
      absl::StatusOr<int> fd = s->SendFd();
      if (!fd.ok()) return RaiseStatus(vm, fd.status());
      absl::StatusOr<bool> sent = s->Send(bytes, 0);
      if (!sent.ok()) return RaiseStatus(vm, sent.status());
      if (*sent) return Value::True();
      if (s->protocol() == "respondent" && timeout_ms != 0) {
        // nng 1.5's respondent says "try again" to a send that cannot wait
        // even when it has no survey to answer: only a send that waits
        // tells (Incorrect state). It waits on the thread.
        Blocking blocking;
        sent = s->Send(bytes, wait.Remaining());
        if (!sent.ok()) return RaiseStatus(vm, sent.status());
        return Value::Bool(*sent);
      }
      wait.OnReadable(*fd);
    }
    if (wait.TimedOut()) return Value::False();
    if (Value parked = wait.Park(); parked.IsSuspend()) return parked;
  }
}

// ---- The builtins ----

Value NngSocket(VM& vm, Arguments args) {
  std::string name;
  if (!vm::IsSymbol(args[0])) {
    return vm.RaiseTypeError("nng-socket", 1, "a protocol symbol", args[0]);
  }
  name = vm::As<vm::Symbol>(args[0])->name;
  absl::StatusOr<Socket*> s = Socket::Open(vm.heap(), name);
  if (!s.ok()) return RaiseStatus(vm, s.status());
  return Value::FromObject(*s);
}

Value NngSocketP(VM& vm, Arguments args) {
  return Value::Bool(AsSocket(args[0]) != nullptr);
}

// (%nng-closed? s): #t for a socket that was closed (std.supervisor).
Value NngClosedP(VM& vm, Arguments args) {
  Socket* s = SocketArgument(vm, "%nng-closed?", args, 1);
  if (s == nullptr) return Value::RaiseMarker();
  return Value::Bool(s->closed());
}

Value NngListen(VM& vm, Arguments args) {
  Socket* s = SocketArgument(vm, "nng-listen", args, 1);
  std::string url;
  if (s == nullptr || !vm.OsStringArgument("nng-listen", 2, args[1], &url)) {
    return Value::RaiseMarker();
  }
  if (absl::Status status = s->Listen(url); !status.ok()) {
    return RaiseStatus(vm, status);
  }
  return args[0];
}

Value NngDial(VM& vm, Arguments args) {
  Socket* s = SocketArgument(vm, "nng-dial", args, 1);
  std::string url;
  if (s == nullptr || !vm.OsStringArgument("nng-dial", 2, args[1], &url)) {
    return Value::RaiseMarker();
  }
  bool retry = false;
  if (args.count > 2) {
    if (!IsSymbolNamed(args[2], "retry")) {
      return vm.RaiseTypeError("nng-dial", 3, "the symbol retry", args[2]);
    }
    retry = true;
  }
  Socket::DialMode mode = retry ? Socket::DialMode::kRetry : Socket::DialMode::kWait;
  if (absl::Status status = s->Dial(url, mode); !status.ok()) {
    return RaiseStatus(vm, status);
  }
  return args[0];
}

Value NngClose(VM& vm, Arguments args) {
  Socket* s = SocketArgument(vm, "nng-close", args, 1);
  if (s == nullptr) return Value::RaiseMarker();
  s->Close();
  return Value::True();
}

// (send! s v [flag ...]) with flags wait, noblock, text.
Value Send(VM& vm, Arguments args) {
  Socket* s = SocketArgument(vm, "send!", args, 1);
  if (s == nullptr) return Value::RaiseMarker();
  int32_t timeout_ms = s->send_timeout_ms();
  wire::EncodeOptions options;
  for (int i = 2; i < args.count; ++i) {
    if (IsSymbolNamed(args[i], "wait")) {
      timeout_ms = kForever;
    } else if (IsSymbolNamed(args[i], "noblock")) {
      timeout_ms = 0;
    } else if (IsSymbolNamed(args[i], "text")) {
      options.form = wire::Form::kText;
    } else {
      return vm.RaiseTypeError("send!", i + 1, "one of the flags wait, noblock, text",
                               args[i]);
    }
  }
  // What a socket may send: the default message limit, or more when its
  // own receive limit was raised (recv-max-size limits receiving only).
  options.max_bytes = s->recv_max_bytes() == 0
                          ? SIZE_MAX
                          : std::max(wire::kDefaultMaxBytes, s->recv_max_bytes());
  std::string bytes;
  if (absl::Status status = wire::Encode(args[1], &bytes, options); !status.ok()) {
    return RaiseNng(vm, absl::StrCat("send!: cannot send ", status.message()));
  }
  return SendBytes(vm, s, bytes, timeout_ms);
}

// (recv! s [wait | noblock]).
Value Recv(VM& vm, Arguments args) {
  Socket* s = SocketArgument(vm, "recv!", args, 1);
  if (s == nullptr) return Value::RaiseMarker();
  int32_t timeout_ms = s->recv_timeout_ms();
  if (args.count > 1) {
    if (IsSymbolNamed(args[1], "wait")) {
      timeout_ms = kForever;
    } else if (IsSymbolNamed(args[1], "noblock")) {
      timeout_ms = 0;
    } else {
      return vm.RaiseTypeError("recv!", 2, "the flag wait or noblock", args[1]);
    }
  }
  return ReceiveValue(vm, s, timeout_ms);
}

// PeerLeft tells whether the peer of an actor or monitored socket is gone
// and no recv! has said so yet: a recv! would return at once (with the
// down message, #f or the crash's nng-error).
bool PeerLeft(Socket* s) {
  if (!s->WatchesPeer() || s->reported()) return false;
  return s->peer_lost() || EndedUnconnected(s);
}

// Readable tells whether a receive on `s` would deliver a message now. On a
// sub socket a message that its topics filter out is dropped here, and one
// they accept is kept for the next recv!. An actor socket's next message is
// read ahead too, since it may be the peer's fin, which recv! skips.
absl::StatusOr<bool> Readable(VM& vm, Socket* s, bool fd_ready) {
  if (!s->lookahead().empty()) return true;
  if (PeerLeft(s)) return true;
  if (!fd_ready) return false;
  if (s->Handshakes()) {
    ETA_ASSIGN_OR_RETURN(Message message, s->Receive(0));
    if (message.empty()) return PeerLeft(s);
    s->lookahead() = std::move(message);
    return true;
  }
  if (!s->is_sub()) return true;
  while (true) {
    ETA_ASSIGN_OR_RETURN(Message message, s->Receive(0));
    if (message.empty()) return false;
    absl::StatusOr<Value> v = DecodeMessage(vm, s, message);
    // An undecodable message is delivered, so that recv! reports it.
    if (!v.ok() || s->Accepts(TopicOf(*v))) {
      s->lookahead() = std::move(message);
      return true;
    }
  }
}

// (nng-poll items timeout-ms): items are sockets or (socket . recv) pairs.
Value Poll(VM& vm, Arguments args) {
  std::vector<Value> values;
  std::vector<Socket*> sockets;
  Value items = args[0];
  for (; vm::IsPair(items); items = vm::Cdr(items)) {
    Value item = vm::Car(items);
    Value socket = item;
    if (vm::IsPair(item)) {
      if (!IsSymbolNamed(vm::Cdr(item), "recv")) {
        return vm.RaiseTypeError("nng-poll", 1,
                                 "a list of sockets or (socket . recv) pairs", args[0]);
      }
      socket = vm::Car(item);
    }
    Socket* s = AsSocket(socket);
    if (s == nullptr) {
      return vm.RaiseTypeError("nng-poll", 1,
                               "a list of sockets or (socket . recv) pairs", args[0]);
    }
    values.push_back(socket);
    sockets.push_back(s);
  }
  if (!items.IsNil()) {
    return vm.RaiseTypeError("nng-poll", 1, "a list", args[0]);
  }
  if (!args[1].IsFixnum() || args[1].AsFixnum() < -1 ||
      args[1].AsFixnum() > INT32_MAX) {
    return vm.RaiseTypeError("nng-poll", 2, "a timeout in milliseconds (-1: forever)",
                             args[1]);
  }
  int32_t timeout_ms = static_cast<int32_t>(args[1].AsFixnum());
  Waiting wait(vm, timeout_ms);
  std::vector<pollfd> fds;
  while (true) {
    wait.NewLook();
    // Each nng socket's receive descriptor, looked at without waiting.
    fds.clear();
    for (Socket* s : sockets) {
      if (s->mailbox() != nullptr) continue;
      absl::StatusOr<int> fd = s->ReceiveFd();
      if (!fd.ok()) return RaiseStatus(vm, fd.status());
      fds.push_back({*fd, POLLIN, 0});
    }
    if (!fds.empty() && ::poll(fds.data(), fds.size(), 0) < 0 && errno != EINTR) {
      return RaiseNng(vm, absl::StrCat("nng-poll: ", std::strerror(errno)));
    }
    std::vector<Value> ready;
    bool look_again = false;
    size_t next_fd = 0;
    for (size_t i = 0; i < sockets.size(); ++i) {
      Socket* s = sockets[i];
      int fd = -1;
      bool fd_ready;
      if (Mailbox* mailbox = s->mailbox()) {
        fd_ready = mailbox->Readable(s->mailbox_side(), nullptr);
      } else {
        fd = fds[next_fd].fd;
        fd_ready = (fds[next_fd++].revents & POLLIN) != 0;
      }
      absl::StatusOr<bool> readable = Readable(vm, s, fd_ready);
      if (!readable.ok()) return RaiseStatus(vm, readable.status());
      if (*readable) {
        ready.push_back(values[i]);
      } else if (!WatchForMessage(wait, s, fd)) {
        look_again = true;
      }
    }
    if (!ready.empty()) return vm.MakeList(ready);  // the values are args' own
    if (look_again) continue;
    if (wait.TimedOut()) return Value::Nil();
    if (Value parked = wait.Park(); parked.IsSuspend()) return parked;
  }
}

Value Subscription(VM& vm, Arguments args, bool subscribe) {
  const char* who = subscribe ? "nng-subscribe" : "nng-unsubscribe";
  Socket* s = SocketArgument(vm, who, args, 1);
  std::string topic;
  if (s == nullptr || !NameArgument(vm, who, args, 2, &topic)) {
    return Value::RaiseMarker();
  }
  if (s->closed()) return RaiseStatus(vm, NngError(who, NNG_ECLOSED));
  if (!s->is_sub()) {
    return RaiseNng(vm, absl::StrCat(who, ": ", nng_strerror(NNG_ENOTSUP),
                                     " (a ", s->protocol(),
                                     " socket; topics are for sub sockets)"));
  }
  if (subscribe) {
    s->Subscribe(topic);
  } else {
    s->Unsubscribe(topic);
  }
  return Value::True();
}

Value NngSubscribe(VM& vm, Arguments args) { return Subscription(vm, args, true); }
Value NngUnsubscribe(VM& vm, Arguments args) { return Subscription(vm, args, false); }

// The options of [N], with nng's name for those nng keeps.
struct OptionSpec {
  const char* name;
  enum Kind { kRecvTimeout, kSendTimeout, kRecvMaxSize, kInt, kMs, kUrl, kPeers } kind;
  const char* nng_name;
};

constexpr OptionSpec kOptions[] = {
    {"recv-timeout", OptionSpec::kRecvTimeout, nullptr},
    {"send-timeout", OptionSpec::kSendTimeout, nullptr},
    {"recv-max-size", OptionSpec::kRecvMaxSize, nullptr},
    {"recv-buffer", OptionSpec::kInt, NNG_OPT_RECVBUF},
    {"send-buffer", OptionSpec::kInt, NNG_OPT_SENDBUF},
    {"survey-time", OptionSpec::kMs, NNG_OPT_SURVEYOR_SURVEYTIME},
    {"reconnect-time", OptionSpec::kMs, NNG_OPT_RECONNMINT},
    {"url", OptionSpec::kUrl, nullptr},
    {"peers", OptionSpec::kPeers, nullptr},
};

// OptionArgument finds the option named by args[1], or raises.
const OptionSpec* OptionArgument(VM& vm, const char* who, Arguments args,
                                 Socket** socket) {
  *socket = SocketArgument(vm, who, args, 1);
  std::string name;
  if (*socket == nullptr || !NameArgument(vm, who, args, 2, &name)) return nullptr;
  for (const OptionSpec& option : kOptions) {
    if (name == option.name) {
      if ((*socket)->closed()) {
        RaiseStatus(vm, NngError(absl::StrCat(who, " ", name), NNG_ECLOSED));
        return nullptr;
      }
      return &option;
    }
  }
  std::vector<std::string> known;
  for (const OptionSpec& option : kOptions) known.push_back(option.name);
  RaiseNng(vm, absl::StrCat(who, ": unknown option ", name, " (known: ",
                            absl::StrJoin(known, " "), ")"));
  return nullptr;
}

Value NngSetOption(VM& vm, Arguments args) {
  Socket* s;
  const OptionSpec* option = OptionArgument(vm, "nng-set-option", args, &s);
  if (option == nullptr) return Value::RaiseMarker();
  Value v = args[2];
  if (option->kind == OptionSpec::kUrl || option->kind == OptionSpec::kPeers) {
    return RaiseNng(vm, absl::StrCat("nng-set-option: ", option->name, " is read-only"));
  }
  int64_t min = option->kind == OptionSpec::kRecvMaxSize || option->kind == OptionSpec::kInt
                    ? 0 : -1;
  if (!v.IsFixnum() || v.AsFixnum() < min || v.AsFixnum() > INT32_MAX) {
    return vm.RaiseTypeError(
        "nng-set-option", 3,
        min == 0 ? "a non-negative exact integer" : "milliseconds (-1: forever)", v);
  }
  int32_t value = static_cast<int32_t>(v.AsFixnum());
  absl::Status status;
  switch (option->kind) {
    case OptionSpec::kRecvTimeout: s->set_recv_timeout_ms(value); break;
    case OptionSpec::kSendTimeout: s->set_send_timeout_ms(value); break;
    case OptionSpec::kRecvMaxSize: status = s->SetRecvMaxBytes(value); break;
    case OptionSpec::kInt: status = s->SetIntOption(option->nng_name, value); break;
    case OptionSpec::kMs: status = s->SetMsOption(option->nng_name, value); break;
    case OptionSpec::kUrl:
    case OptionSpec::kPeers: break;
  }
  if (!status.ok()) return RaiseStatus(vm, status);
  return args[0];
}

Value NngGetOption(VM& vm, Arguments args) {
  Socket* s;
  const OptionSpec* option = OptionArgument(vm, "nng-get-option", args, &s);
  if (option == nullptr) return Value::RaiseMarker();
  switch (option->kind) {
    case OptionSpec::kRecvTimeout: return Value::Fixnum(s->recv_timeout_ms());
    case OptionSpec::kSendTimeout: return Value::Fixnum(s->send_timeout_ms());
    case OptionSpec::kRecvMaxSize:
      return Value::Fixnum(static_cast<int64_t>(s->recv_max_bytes()));
    case OptionSpec::kInt: {
      absl::StatusOr<int> value = s->GetIntOption(option->nng_name);
      if (!value.ok()) return RaiseStatus(vm, value.status());
      return Value::Fixnum(*value);
    }
    case OptionSpec::kMs: {
      absl::StatusOr<int32_t> value = s->GetMsOption(option->nng_name);
      if (!value.ok()) return RaiseStatus(vm, value.status());
      return Value::Fixnum(*value);
    }
    case OptionSpec::kUrl:
      if (s->listen_url().empty()) return Value::False();
      return vm.MakeStringFromUtf8(s->listen_url());
    case OptionSpec::kPeers: return Value::Fixnum(s->peer_count());
  }
  return Value::False();
}

const vm::PrimitiveSpec kNetPrimitives[] = {
    {"nng-socket", 1, 1, NngSocket},
    {"nng-socket?", 1, 1, NngSocketP},
    {"nng-listen", 2, 2, NngListen},
    {"nng-dial", 2, 3, NngDial},
    {"nng-close", 1, 1, NngClose},
    {"send!", 2, 5, Send},
    {"recv!", 1, 2, Recv},
    {"nng-poll", 2, 2, Poll},
    {"nng-subscribe", 2, 2, NngSubscribe},
    {"nng-unsubscribe", 2, 2, NngUnsubscribe},
    {"nng-set-option", 3, 3, NngSetOption},
    {"nng-get-option", 2, 2, NngGetOption},
    {"%nng-closed?", 1, 1, NngClosedP},
};

}  // namespace

absl::Span<const vm::PrimitiveSpec> NetPrimitives() { return kNetPrimitives; }

}  // namespace eta::net
