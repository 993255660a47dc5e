// IpcPipe: a pair1 connection over nng's ipc transport, spoken without nng.
//
// A spawned child's mailbox has one peer, its parent, on an ipc endpoint
// (SPEC [A1]). Opening an nng socket starts nng's threads (its poller,
// task queue, reaper and timers: six on any machine, net/nng_patches.cc),
// and every message then passes through them: a fifth of what a short
// child costs, spent before and after the child's own work. The mailbox
// needs none of that: this class speaks the same bytes as nng's ipc
// transport and pair1 protocol over the Unix socket itself, on the VM's
// own thread, and the parent's nng socket cannot tell it from nng's.
//
// On the wire (nng's ipc transport): once connected, each side sends an
// 8-byte header, 0 'S' 'P' 0, its protocol number (16 bits, big-endian;
// pair1 is 0x11) and two zero bytes, and checks the other's. Then each
// message is a byte 1, its length (64 bits, big-endian) and its bytes:
// pair1's 4-byte header (the hop count, 1 when sent, at most 255 and at
// most the receiver's limit of 8 when received; nng drops a message that
// went further) and the body.
#ifndef ETA_NET_IPC_PIPE_H_
#define ETA_NET_IPC_PIPE_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace eta::net {

class IpcPipe {
 public:
  // Connect connects to the ipc endpoint at `path` and exchanges the
  // headers, within `timeout`. The error's errno is in *error (0 for a
  // peer that is not pair1 or does not answer in time).
  static absl::StatusOr<std::unique_ptr<IpcPipe>> Connect(const std::string& path,
                                                         std::chrono::milliseconds timeout,
                                                         int* error);
  ~IpcPipe();
  IpcPipe(const IpcPipe&) = delete;
  IpcPipe& operator=(const IpcPipe&) = delete;

  // The connection's descriptor: readable when bytes arrived or the peer
  // hung up (a message may still be incomplete).
  int fd() const { return fd_; }
  // Gone: the peer hung up, or the connection failed or was closed; what
  // was received before stays to be taken.
  bool gone() const { return gone_; }
  // HungUp: the peer has closed its end (it may have sent more before).
  bool HungUp() const;

  enum class Sent { kSent, kTimedOut, kGone };
  // Send sends a message with `body`, waiting up to `timeout_ms` (-1: no
  // limit, 0: only if it can be written at once) for room to start it;
  // once begun, a message is written whole. kGone when the peer went.
  Sent Send(std::string_view body, int32_t timeout_ms);

  enum class Taken { kMessage, kNone, kGone };
  // Take reads what has arrived, without waiting, and moves the next whole
  // message's body to *body. A message longer than `max_bytes` (0: no
  // limit), or bytes that break the protocol, end the connection, as nng
  // does. kGone once the peer went and nothing whole is left.
  Taken Take(size_t max_bytes, std::string* body);

  // Close closes the connection (a hang-up for the peer).
  void Close();

 private:
  explicit IpcPipe(int fd) : fd_(fd) {}
  // ReadAvailable reads until the socket has nothing more now.
  void ReadAvailable();
  // Wait waits up to `timeout_ms` (-1: no limit) for `events` on fd_.
  bool Wait(short events, int32_t timeout_ms);

  int fd_;
  bool gone_ = false;
  std::string in_;     // received bytes not yet taken
  size_t in_start_ = 0;  // where in_'s untaken bytes begin
  std::unique_ptr<char[]> chunk_;  // what one read takes
};

}  // namespace eta::net

#endif  // ETA_NET_IPC_PIPE_H_
