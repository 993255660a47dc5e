// IpcPipe against nng's own ipc listeners (pair1 and another protocol) and
// against a hand-written peer that breaks the protocol.
#include "net/ipc_pipe.h"

#include <nng/nng.h>
#include <nng/protocol/pair1/pair.h>
#include <nng/protocol/pipeline0/pull.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "net/test_dirs.h"

namespace eta::net {
namespace {

using std::chrono::milliseconds;

class IpcPipeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::EndpointDir("eta-pipe");
    ASSERT_FALSE(dir_.empty());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  // Take waits up to 5 s for the pipe's next message.
  static IpcPipe::Taken Take(IpcPipe& pipe, std::string* body, size_t max_bytes = 0) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (true) {
      IpcPipe::Taken taken = pipe.Take(max_bytes, body);
      if (taken != IpcPipe::Taken::kNone || std::chrono::steady_clock::now() > deadline) {
        return taken;
      }
      struct pollfd p = {pipe.fd(), POLLIN, 0};
      ::poll(&p, 1, 100);
    }
  }

  std::string dir_;
};

// An nng pair1 socket listening: connect, then messages both ways, empty
// ones (fins) and ones bigger than a read, then the listener's hang-up.
TEST_F(IpcPipeTest, TalksWithNngsPairSocket) {
  nng_socket listener;
  ASSERT_EQ(nng_pair1_open(&listener), 0);
  nng_socket_set_ms(listener, NNG_OPT_RECVTIMEO, 5000);
  nng_socket_set_ms(listener, NNG_OPT_SENDTIMEO, 5000);
  nng_socket_set_int(listener, NNG_OPT_SENDBUF, 16);  // room before a peer comes
  nng_socket_set_size(listener, NNG_OPT_RECVMAXSZ, 0);
  std::string url = "ipc://" + Path("pair.sock");
  ASSERT_EQ(nng_listen(listener, url.c_str(), nullptr, 0), 0);
  ASSERT_EQ(nng_send(listener, const_cast<char*>("early"), 5, 0), 0);  // before the connection

  int error = -1;
  auto pipe = IpcPipe::Connect(Path("pair.sock"), milliseconds(5000), &error);
  ASSERT_TRUE(pipe.ok()) << pipe.status();
  EXPECT_EQ(error, 0);
  IpcPipe& p = **pipe;
  std::string body;
  ASSERT_EQ(Take(p, &body), IpcPipe::Taken::kMessage);
  EXPECT_EQ(body, "early");
  EXPECT_EQ(p.Take(0, &body), IpcPipe::Taken::kNone);

  std::string big(1 << 20, 'q');
  big[12345] = 'z';
  for (const std::string& out : {std::string("hello"), std::string(), big}) {
    ASSERT_EQ(p.Send(out, 5000), IpcPipe::Sent::kSent);
    char* data = nullptr;
    size_t size = 0;
    ASSERT_EQ(nng_recv(listener, &data, &size, NNG_FLAG_ALLOC), 0);
    EXPECT_TRUE(std::string(data, size) == out) << size;
    nng_free(data, size);
    ASSERT_EQ(nng_send(listener, const_cast<char*>(out.data()), out.size(), 0), 0);
    ASSERT_EQ(Take(p, &body), IpcPipe::Taken::kMessage);
    EXPECT_TRUE(body == out) << body.size();
  }
  EXPECT_FALSE(p.HungUp());
  // Bigger than the receiver's limit: the connection ends, as nng's would.
  ASSERT_EQ(nng_send(listener, big.data(), big.size(), 0), 0);
  EXPECT_EQ(Take(p, &body, 1000), IpcPipe::Taken::kGone);
  EXPECT_TRUE(p.gone());
  EXPECT_EQ(p.Send("late", 0), IpcPipe::Sent::kGone);
  nng_close(listener);
}

TEST_F(IpcPipeTest, SeesTheListenerHangUp) {
  nng_socket listener;
  ASSERT_EQ(nng_pair1_open(&listener), 0);
  std::string url = "ipc://" + Path("gone.sock");
  ASSERT_EQ(nng_listen(listener, url.c_str(), nullptr, 0), 0);
  int error = 0;
  auto pipe = IpcPipe::Connect(Path("gone.sock"), milliseconds(5000), &error);
  ASSERT_TRUE(pipe.ok()) << pipe.status();
  nng_close(listener);
  std::string body;
  EXPECT_EQ(Take(**pipe, &body), IpcPipe::Taken::kGone);
  EXPECT_TRUE((*pipe)->HungUp());
}

TEST_F(IpcPipeTest, ConnectFailures) {
  int error = 0;
  EXPECT_FALSE(IpcPipe::Connect(Path("missing.sock"), milliseconds(1000), &error).ok());
  EXPECT_EQ(error, ENOENT);

  // A socket file that nothing listens on any more.
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::string stale = Path("stale.sock");
  std::strcpy(address.sun_path, stale.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ::close(fd);
  EXPECT_FALSE(IpcPipe::Connect(stale, milliseconds(1000), &error).ok());
  EXPECT_EQ(error, ECONNREFUSED);

  // An nng socket of another protocol answers with its own header.
  nng_socket pull;
  ASSERT_EQ(nng_pull0_open(&pull), 0);
  std::string url = "ipc://" + Path("pull.sock");
  ASSERT_EQ(nng_listen(pull, url.c_str(), nullptr, 0), 0);
  auto wrong = IpcPipe::Connect(Path("pull.sock"), milliseconds(5000), &error);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(error, 0);
  EXPECT_NE(wrong.status().message().find("not a pair socket"), std::string::npos);
  nng_close(pull);

  std::string long_path(200, 'a');
  EXPECT_FALSE(IpcPipe::Connect("/tmp/" + long_path, milliseconds(1000), &error).ok());
  EXPECT_EQ(error, ENAMETOOLONG);
}

// A hand-written peer: a listening Unix socket whose accepted connection
// the test writes bytes to directly.
class RawListener {
 public:
  explicit RawListener(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strcpy(address.sun_path, path.c_str());
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(::listen(fd_, 4), 0);
  }
  ~RawListener() {
    if (conn_ >= 0) ::close(conn_);
    ::close(fd_);
  }
  // Accept takes the connection and sends `header` (and reads the other's).
  void Accept(const std::string& header) {
    conn_ = ::accept(fd_, nullptr, nullptr);
    ASSERT_GE(conn_, 0);
    Write(header);
    char theirs[8];
    size_t got = 0;
    while (got < sizeof theirs) {
      ssize_t n = ::read(conn_, theirs + got, sizeof theirs - got);
      ASSERT_GT(n, 0);
      got += static_cast<size_t>(n);
    }
    EXPECT_EQ(std::string(theirs, 8), std::string("\0SP\0\0\x11\0\0", 8));
  }
  void Write(const std::string& bytes) {
    ASSERT_EQ(::write(conn_, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  }
  // Frame is a message as nng's ipc transport and pair1 send it.
  static std::string Frame(const std::string& body, uint32_t hops = 1, char type = 1) {
    std::string out(1, type);
    uint64_t length = 4 + body.size();
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((length >> (8 * i)) & 0xff));
    for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>((hops >> (8 * i)) & 0xff));
    return out + body;
  }

 private:
  int fd_ = -1;
  int conn_ = -1;
};

const std::string kPairHeader("\0SP\0\0\x11\0\0", 8);

// ConnectPair connects an IpcPipe to `peer` (listening at `path`), which
// answers as a pair1 socket; nullptr after a failed assertion.
std::unique_ptr<IpcPipe> ConnectPair(RawListener& peer, const std::string& path) {
  std::unique_ptr<IpcPipe> pipe;
  std::thread connect([&] {
    int error = 0;
    auto p = IpcPipe::Connect(path, milliseconds(5000), &error);
    EXPECT_TRUE(p.ok()) << p.status();
    if (p.ok()) pipe = std::move(*p);
  });
  peer.Accept(kPairHeader);
  connect.join();
  return pipe;
}

// Messages split across reads, and one that came too many hops (dropped,
// as nng drops it); then bytes that are not a message end the connection.
TEST_F(IpcPipeTest, ReadsFramesInPiecesAndDropsBadOnes) {
  RawListener peer(Path("raw.sock"));
  std::unique_ptr<IpcPipe> pipe = ConnectPair(peer, Path("raw.sock"));
  ASSERT_NE(pipe, nullptr);
  std::string first = RawListener::Frame("one");
  peer.Write(first.substr(0, 5));
  std::string body;
  EXPECT_EQ(pipe->Take(0, &body), IpcPipe::Taken::kNone);
  peer.Write(first.substr(5) + RawListener::Frame("far", 9) + RawListener::Frame("two"));
  ASSERT_EQ(Take(*pipe, &body), IpcPipe::Taken::kMessage);
  EXPECT_EQ(body, "one");
  ASSERT_EQ(Take(*pipe, &body), IpcPipe::Taken::kMessage);
  EXPECT_EQ(body, "two");
  peer.Write(RawListener::Frame("bad", 1, 2));
  EXPECT_EQ(Take(*pipe, &body), IpcPipe::Taken::kGone);
}

TEST_F(IpcPipeTest, GivesUpOnAPeerThatNeverAnswers) {
  RawListener peer(Path("mute.sock"));  // listens, never accepts
  int error = -1;
  auto start = std::chrono::steady_clock::now();
  auto pipe = IpcPipe::Connect(Path("mute.sock"), milliseconds(100), &error);
  ASSERT_FALSE(pipe.ok());
  EXPECT_EQ(pipe.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(error, 0);
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(90));
}

TEST_F(IpcPipeTest, RejectsAHeaderThatIsNotSP) {
  RawListener peer(Path("junk.sock"));
  int error = 0;
  absl::StatusOr<std::unique_ptr<IpcPipe>> result = absl::UnknownError("not run");
  std::thread connect([&] { result = IpcPipe::Connect(Path("junk.sock"), milliseconds(5000), &error); });
  peer.Accept(std::string("HTTP/1.1", 8));
  connect.join();
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(error, 0);
}

// A peer that reads nothing: once the socket's buffer is full, a send
// times out (small messages, which the kernel takes whole or not at all).
TEST_F(IpcPipeTest, SendTimesOutWhenTheBufferIsFull) {
  RawListener peer(Path("full.sock"));
  std::unique_ptr<IpcPipe> pipe = ConnectPair(peer, Path("full.sock"));
  ASSERT_NE(pipe, nullptr);
  int sent = 0;
  while (pipe->Send("c", 0) == IpcPipe::Sent::kSent && sent < 100000) ++sent;
  EXPECT_LT(sent, 100000);  // the socket's buffer filled up
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(pipe->Send("more", 50), IpcPipe::Sent::kTimedOut);
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(40));
}

}  // namespace
}  // namespace eta::net
