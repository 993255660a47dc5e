#include "net/mailbox.h"

#include <algorithm>
#include <utility>

namespace eta::net {

void Mailbox::Wake(std::shared_ptr<Task> task) {
  if (task != nullptr) Scheduler::Get().Wake(*task);
}

size_t Mailbox::Capacity(Side toward) const {
  int messages = receive_buffer_[toward] + send_buffer_[Other(toward)];
  return static_cast<size_t>(std::max(messages, 1));
}

Mailbox::Sent Mailbox::Send(Side from, std::string& bytes, Task* waiter) {
  Side to = Other(from);
  std::shared_ptr<Task> reader;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closed_[to]) return Sent::kGone;
    Queue& queue = toward_[to];
    if (queue.messages.size() >= Capacity(to)) {
      if (waiter != nullptr) queue.writer = waiter->shared_from_this();
      return Sent::kFull;
    }
    queue.messages.push_back(std::move(bytes));
    reader = std::move(queue.reader);
  }
  Wake(std::move(reader));
  return Sent::kSent;
}

Mailbox::Taken Mailbox::Receive(Side at, std::string* bytes, Task* waiter) {
  std::shared_ptr<Task> writer;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    Queue& queue = toward_[at];
    if (queue.messages.empty()) {
      if (closed_[Other(at)]) return Taken::kGone;
      if (waiter != nullptr) queue.reader = waiter->shared_from_this();
      return Taken::kEmpty;
    }
    *bytes = queue.messages.pop_front();
    writer = std::move(queue.writer);
  }
  Wake(std::move(writer));
  return Taken::kMessage;
}

bool Mailbox::Readable(Side at, Task* waiter) {
  std::lock_guard<std::mutex> lock(mutex_);
  Queue& queue = toward_[at];
  if (!queue.messages.empty() || closed_[Other(at)]) return true;
  if (waiter != nullptr) queue.reader = waiter->shared_from_this();
  return false;
}

void Mailbox::Close(Side side) {
  std::shared_ptr<Task> reader, writer;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closed_[side]) return;
    closed_[side] = true;
    // The other side's send to this one waits no more (kGone), and its
    // receive ends once it has taken what this side sent (kGone).
    writer = std::move(toward_[side].writer);
    toward_[side].messages.clear();
    toward_[side].reader.reset();
    reader = std::move(toward_[Other(side)].reader);
  }
  Wake(std::move(reader));
  Wake(std::move(writer));
}

bool Mailbox::Closed(Side side) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return closed_[side];
}

int Mailbox::buffer(Side side, bool receive) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return receive ? receive_buffer_[side] : send_buffer_[side];
}

void Mailbox::set_buffer(Side side, bool receive, int messages) {
  std::lock_guard<std::mutex> lock(mutex_);
  (receive ? receive_buffer_ : send_buffer_)[side] = messages;
}

}  // namespace eta::net
