#include "net/ipc_pipe.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace eta::net {
namespace {

constexpr uint16_t kPair1 = 0x11;
constexpr uint32_t kMaxHops = 8;  // nng's default limit (NNG_OPT_MAXTTL)
constexpr size_t kFrameHead = 1 + 8;   // type, length
constexpr size_t kPairHead = 4;        // hop count
constexpr size_t kReadChunk = 64 * 1024;

void PutBigEndian(uint64_t value, int bytes, unsigned char* out) {
  for (int i = bytes - 1; i >= 0; --i) {
    out[i] = static_cast<unsigned char>(value & 0xff);
    value >>= 8;
  }
}

uint64_t GetBigEndian(const unsigned char* in, int bytes) {
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value = (value << 8) | in[i];
  return value;
}

int64_t MillisLeft(std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline -
                                                           std::chrono::steady_clock::now());
  return std::max<int64_t>(left.count(), 0);
}

}  // namespace

absl::StatusOr<std::unique_ptr<IpcPipe>> IpcPipe::Connect(const std::string& path,
                                                           std::chrono::milliseconds timeout,
                                                           int* error) {
  *error = 0;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path) {
    *error = ENAMETOOLONG;
    return absl::InvalidArgumentError(absl::StrCat("ipc path too long: ", path));
  }
  std::memcpy(address.sun_path, path.data(), path.size());
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = errno;
    return absl::UnavailableError(std::strerror(errno));
  }
  std::unique_ptr<IpcPipe> pipe(new IpcPipe(fd));
  int rv;
  do {
    rv = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address);
  } while (rv != 0 && errno == EINTR);
  if (rv != 0) {
    *error = errno;
    return absl::UnavailableError(std::strerror(errno));
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  // Both ends send their header first, then read the other's.
  unsigned char mine[8] = {0, 'S', 'P', 0, 0, 0, 0, 0};
  PutBigEndian(kPair1, 2, mine + 4);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  size_t sent = 0;
  while (sent < sizeof mine) {
    ssize_t n = ::send(fd, mine + sent, sizeof mine - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
    } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
      *error = errno;
      return absl::UnavailableError(std::strerror(errno));
    } else if (!pipe->Wait(POLLOUT, static_cast<int32_t>(MillisLeft(deadline)))) {
      return absl::DeadlineExceededError("the peer did not answer");
    }
  }
  unsigned char theirs[8];
  size_t got = 0;
  while (got < sizeof theirs) {
    ssize_t n = ::recv(fd, theirs + got, sizeof theirs - got, 0);
    if (n > 0) {
      got += static_cast<size_t>(n);
    } else if (n == 0) {
      *error = ECONNRESET;
      return absl::UnavailableError("the peer hung up");
    } else if (errno != EAGAIN && errno != EINTR) {
      *error = errno;
      return absl::UnavailableError(std::strerror(errno));
    } else if (!pipe->Wait(POLLIN, static_cast<int32_t>(MillisLeft(deadline)))) {
      return absl::DeadlineExceededError("the peer did not answer");
    }
  }
  if (theirs[0] != 0 || theirs[1] != 'S' || theirs[2] != 'P' || theirs[3] != 0 ||
      theirs[6] != 0 || theirs[7] != 0 || GetBigEndian(theirs + 4, 2) != kPair1) {
    return absl::FailedPreconditionError("the peer is not a pair socket");
  }
  return pipe;
}

IpcPipe::~IpcPipe() { Close(); }

void IpcPipe::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  gone_ = true;
}

bool IpcPipe::HungUp() const {
  if (gone_ || fd_ < 0) return true;
  struct pollfd p = {fd_, POLLRDHUP, 0};
  return ::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

bool IpcPipe::Wait(short events, int32_t timeout_ms) {
  if (fd_ < 0) return false;
  struct pollfd p = {fd_, events, 0};
  int n;
  do {
    n = ::poll(&p, 1, timeout_ms);
  } while (n < 0 && errno == EINTR);
  return n > 0;
}

IpcPipe::Sent IpcPipe::Send(std::string_view body, int32_t timeout_ms) {
  if (gone_) return Sent::kGone;
  unsigned char head[kFrameHead + kPairHead];
  head[0] = 1;
  PutBigEndian(kPairHead + body.size(), 8, head + 1);
  PutBigEndian(1, 4, head + kFrameHead);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  size_t total = sizeof head + body.size();
  size_t done = 0;
  while (done < total) {
    struct iovec parts[2];
    int count = 0;
    if (done < sizeof head) {
      parts[count++] = {head + done, sizeof head - done};
      if (!body.empty()) parts[count++] = {const_cast<char*>(body.data()), body.size()};
    } else {
      size_t offset = done - sizeof head;
      parts[count++] = {const_cast<char*>(body.data()) + offset, body.size() - offset};
    }
    struct msghdr message{};
    message.msg_iov = parts;
    message.msg_iovlen = count;
    ssize_t n = ::sendmsg(fd_, &message, MSG_NOSIGNAL);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN) {
      gone_ = true;
      return Sent::kGone;
    }
    // No room: before the message began, the timeout applies; once part
    // of it is written, the rest must follow whatever the wait.
    int32_t wait = -1;
    if (done == 0 && timeout_ms >= 0) {
      wait = static_cast<int32_t>(MillisLeft(deadline));
      if (wait == 0) return Sent::kTimedOut;
    }
    Wait(POLLOUT, wait);
  }
  return Sent::kSent;
}

void IpcPipe::ReadAvailable() {
  if (fd_ < 0 || gone_) return;
  if (in_start_ > 0) {  // what was taken goes
    in_.erase(0, in_start_);
    in_start_ = 0;
  }
  // Read into a buffer of its own, so that a look that finds nothing
  // (every recv! that waits) costs the call only.
  if (chunk_ == nullptr) chunk_ = std::make_unique<char[]>(kReadChunk);
  while (true) {
    ssize_t n = ::recv(fd_, chunk_.get(), kReadChunk, 0);
    if (n > 0) {
      in_.append(chunk_.get(), static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n == 0 || errno != EAGAIN) gone_ = true;
    return;
  }
}

IpcPipe::Taken IpcPipe::Take(size_t max_bytes, std::string* body) {
  while (true) {
    size_t available = in_.size() - in_start_;
    const auto* bytes = reinterpret_cast<const unsigned char*>(in_.data() + in_start_);
    if (available >= kFrameHead) {
      uint64_t length = GetBigEndian(bytes + 1, 8);
      if (bytes[0] != 1 || length < kPairHead || (max_bytes > 0 && length > max_bytes)) {
        Close();  // what nng does with such bytes: drop the connection
        in_.clear();
        in_start_ = 0;
        return Taken::kGone;
      }
      if (available - kFrameHead >= length) {
        uint64_t hops = GetBigEndian(bytes + kFrameHead, 4);
        in_start_ += kFrameHead + length;
        if (hops > 0xff) {
          Close();
          in_.clear();
          in_start_ = 0;
          return Taken::kGone;
        }
        if (hops > kMaxHops) continue;  // went too far: dropped, as nng does
        body->assign(reinterpret_cast<const char*>(bytes) + kFrameHead + kPairHead,
                     length - kPairHead);
        return Taken::kMessage;
      }
    }
    if (gone_) return Taken::kGone;
    size_t before = in_.size() - in_start_;
    ReadAvailable();
    if (in_.size() - in_start_ == before && !gone_) return Taken::kNone;
  }
}

}  // namespace eta::net
