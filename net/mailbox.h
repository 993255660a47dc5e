// Mailbox: the in-memory connection between a parent and one of its thread
// actors (SPEC [A4]). A message is its wire encoding, handed over under the
// mailbox's lock: no nng socket, aio or thread is involved. Each side is a
// `pair` socket to its program (Socket::OpenMailbox).
#ifndef ETA_NET_MAILBOX_H_
#define ETA_NET_MAILBOX_H_

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "net/scheduler.h"

namespace eta::net {

class Mailbox {
 public:
  enum Side { kParent = 0, kActor = 1 };
  static Side Other(Side side) { return side == kParent ? kActor : kParent; }

  enum class Sent { kSent, kFull, kGone };
  // Send queues `bytes` for the other side (moving them out, unless
  // kFull). kFull when its queue is full:
  // `waiter` (unless null) is woken when there is room or the other side
  // closes. kGone when the other side has closed: the message is dropped,
  // as nng drops what is sent to a peer that went.
  Sent Send(Side from, std::string& bytes, Task* waiter);
  enum class Taken { kMessage, kEmpty, kGone };
  // Receive takes the next message for `at`. kEmpty: none yet, and `waiter`
  // (unless null) is woken when one comes or the other side closes. kGone
  // once the other side has closed and everything it sent was taken.
  Taken Receive(Side at, std::string* bytes, Task* waiter);
  // Readable tells whether Receive would not say kEmpty; when not, `waiter`
  // is woken as by Receive.
  bool Readable(Side at, Task* waiter);
  // Close closes `side`: what waits for it is dropped, the other side's
  // waiters are woken. What `side` sent stays for the other to take.
  void Close(Side side);
  bool Closed(Side side) const;

  // The buffer options of each side's socket (nng's recv-buffer and
  // send-buffer, in messages): the queue toward a side holds its receive
  // buffer plus the other's send buffer, at least one message.
  int buffer(Side side, bool receive) const;
  void set_buffer(Side side, bool receive, int messages);

 private:
  // Messages is a FIFO that takes no memory until its first message (a
  // std::deque takes about 600 bytes at birth, and a waiting actor has two).
  class Messages {
   public:
    bool empty() const { return head_ == items_.size(); }
    size_t size() const { return items_.size() - head_; }
    void push_back(std::string bytes) { items_.push_back(std::move(bytes)); }
    std::string pop_front() {
      std::string bytes = std::move(items_[head_++]);
      if (head_ == items_.size()) {
        clear();
      } else if (head_ >= 64 && 2 * head_ >= items_.size()) {
        items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
        head_ = 0;
      }
      return bytes;
    }
    void clear() {
      items_.clear();
      head_ = 0;
    }

   private:
    std::vector<std::string> items_;
    size_t head_ = 0;  // items_[head_] is the front
  };
  struct Queue {
    Messages messages;
    std::shared_ptr<Task> reader;  // waits for a message
    std::shared_ptr<Task> writer;  // waits for room
  };
  size_t Capacity(Side toward) const;
  static void Wake(std::shared_ptr<Task> task);

  mutable std::mutex mutex_;
  Queue toward_[2];  // toward_[s]: the messages for side s
  bool closed_[2] = {false, false};
  int receive_buffer_[2] = {1024, 1024};
  int send_buffer_[2] = {1024, 1024};
};

}  // namespace eta::net

#endif  // ETA_NET_MAILBOX_H_
