// Tests of the socket layer from C++: raw nng peers (C API) sending
// malformed frames to an Eta socket, VMs on two threads, and closing on
// collection and when a VM ends.
#include <nng/nng.h>
#include <nng/protocol/pair1/pair.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "net/socket.h"
#include "net/test_dirs.h"
#include "tools/test_support.h"
#include "vm/printer.h"
#include "vm/vm.h"
#include "wire/test_heap.h"

namespace eta::net {
namespace {

using tools::testing::NewVM;
using tools::testing::OutputCapture;
using tools::testing::RunSource;

// PrivateDir is a fresh directory for ipc endpoints.
std::string PrivateDir() {
  std::string dir = testing::EndpointDir("eta-net");
  EXPECT_FALSE(dir.empty());
  return dir.empty() ? "/tmp" : dir;
}

// RawPeer is a plain C nng pair socket.
class RawPeer {
 public:
  RawPeer() {
    EXPECT_EQ(nng_pair1_open(&socket_), 0);
    nng_socket_set_ms(socket_, NNG_OPT_SENDTIMEO, 5000);
    nng_socket_set_ms(socket_, NNG_OPT_RECVTIMEO, 5000);
  }
  ~RawPeer() { nng_close(socket_); }
  int Dial(const std::string& url, bool retry) {
    return nng_dial(socket_, url.c_str(), nullptr, retry ? NNG_FLAG_NONBLOCK : 0);
  }
  int Send(const std::string& bytes) {
    return nng_send(socket_, const_cast<char*>(bytes.data()), bytes.size(), 0);
  }
  std::string Receive() {
    char* data = nullptr;
    size_t size = 0;
    if (nng_recv(socket_, &data, &size, NNG_FLAG_ALLOC) != 0) return "<none>";
    std::string out(data, size);
    nng_free(data, size);
    return out;
  }

 private:
  nng_socket socket_;
};

std::string RunEta(vm::VM& vm, const std::string& source) {
  OutputCapture capture(vm);
  absl::Status status = RunSource(vm, source);
  EXPECT_TRUE(status.ok()) << status << "\n" << vm.DescribeUncaught();
  return capture.text();
}

TEST(NetTest, MalformedFramesFromARawPeerRaiseAndLeaveTheSocketUsable) {
  std::string dir = PrivateDir();
  for (std::string url : {std::string("inproc://raw-frames"),
                          absl::StrCat("ipc://", dir, "/raw.sock")}) {
    SCOPED_TRACE(url);
    std::unique_ptr<vm::VM> vm = NewVM();
    std::thread peer([url] {
      RawPeer raw;
      ASSERT_EQ(raw.Dial(url, /*retry=*/true), 0);
      const std::vector<std::string> frames = {
          std::string("\xea\x07", 2),                  // unknown tag
          std::string("\xea\x05\x09\x00\x00\x00" "ab", 8),  // length past the end
          std::string("\xea\x05\x02\x00\x00\x00\xc0\x80", 8),  // bad UTF-8
          std::string("\xea\x02\x01", 3),              // truncated integer
          std::string("\xea", 1),                      // marker only
          std::string("(1 2", 4),                      // unfinished text
          std::string(""),                             // empty
          std::string("(still alive)"),                // fine, as text
          std::string("\xea\x08\x02\x07\x00\x00\x00\x00\x00\x00\x00\x00", 12),
      };
      for (const std::string& frame : frames) ASSERT_EQ(raw.Send(frame), 0);
      EXPECT_EQ(raw.Receive(), "\"ok\"");
    });
    std::string out = RunEta(*vm, absl::StrCat(R"(
      (define s (nng-socket 'pair))
      (nng-listen s ")", url, R"(")
      (nng-set-option s 'recv-timeout 5000)
      (define (show x)
        (if (error-object? x)
            (begin (display (error-object-message x)) (newline))
            (println x)))
      (let loop ((i 0))
        (when (< i 9)
          (show (catch 'nng-error (recv! s)))
          (loop (+ i 1))))
      (send! s "ok" 'text)
      (recv! s 'noblock)
    )"));
    peer.join();
    EXPECT_EQ(out,
              "recv!: malformed message at byte 1: unknown tag 7\n"
              "recv!: malformed message at byte 1: string length 9 runs past the "
              "end (2 bytes left)\n"
              "recv!: malformed message at byte 1: invalid UTF-8 in string\n"
              "recv!: malformed message at byte 1: truncated integer\n"
              "recv!: malformed message at byte 1: truncated: a value was expected\n"
              "recv!: malformed text message: message:1:1: read-error: "
              "unclosed list: input ended before ')'\n"
              "recv!: malformed message: empty\n"
              "(still alive)\n"
              "(7)\n");
  }
  std::filesystem::remove_all(dir);
}

TEST(NetTest, OversizedMessagesAreRefused) {
  std::string dir = PrivateDir();
  std::string url = absl::StrCat("ipc://", dir, "/big.sock");
  std::unique_ptr<vm::VM> vm = NewVM();
  std::thread peer([url] {
    RawPeer raw;
    ASSERT_EQ(raw.Dial(url, /*retry=*/true), 0);
    raw.Send(std::string(1000, 'x'));
  });
  std::string out = RunEta(*vm, absl::StrCat(R"(
    (define s (nng-socket 'pair))
    (nng-set-option s 'recv-max-size 100)
    (nng-listen s ")", url, R"(")
    (nng-set-option s 'recv-timeout 300)
    (println (recv! s))
  )"));
  peer.join();
  EXPECT_EQ(out, "#f\n");
  std::filesystem::remove_all(dir);
}

TEST(NetTest, ABlockedVMDoesNotBlockAnotherThread) {
  // VM a waits in recv! while VM b, on another thread, sleeps and sends.
  std::unique_ptr<vm::VM> a = NewVM();
  std::unique_ptr<vm::VM> b = NewVM();
  std::string a_out;
  std::thread receiver([&] {
    a_out = RunEta(*a, R"(
      (define s (nng-socket 'pair))
      (nng-listen s "inproc://two-threads")
      (println (recv! s 'wait))
      (println (recv! s 'wait)))");
  });
  std::string b_out = RunEta(*b, R"(
    (define s (nng-socket 'pair))
    (nng-dial s "inproc://two-threads" 'retry)
    (define (spin n) (if (> n 0) (spin (- n 1)) 'done))
    (println (spin 100000))
    (send! s '(first 1))
    (println (spin 100000))
    (send! s '(second 2)))");
  receiver.join();
  EXPECT_EQ(a_out, "(first 1)\n(second 2)\n");
  EXPECT_EQ(b_out, "done\ndone\n");
}

TEST(NetTest, SocketsCloseWhenCollectedAndWhenTheHeapEnds) {
  std::string dir = PrivateDir();
  std::string url = absl::StrCat("ipc://", dir, "/gc.sock");
  {
    wire::TestHeap t;
    absl::StatusOr<Socket*> s = Socket::Open(t.heap, "pair");
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE((*s)->Listen(url).ok());
    RawPeer before;
    EXPECT_EQ(before.Dial(url, false), 0);
    t.heap.Collect();  // nothing roots the socket
    RawPeer after;
    EXPECT_EQ(after.Dial(url, false), NNG_ECONNREFUSED);
  }
  {
    std::unique_ptr<vm::VM> vm = NewVM();
    RunEta(*vm, absl::StrCat(R"(
      (define s (nng-socket 'pair))
      (nng-listen s ")", url, R"("))"));
    RawPeer during;
    EXPECT_EQ(during.Dial(url, false), 0);
    vm.reset();
    RawPeer after;
    EXPECT_EQ(after.Dial(url, false), NNG_ECONNREFUSED);
  }
  std::filesystem::remove_all(dir);
}

// ActorSocketsTest connects a parent's end of a spawned process (kChild)
// with the child's mailbox (kMailbox), each in a heap of its own: an nng
// socket over inproc, or (with the parameter true) a socket without nng
// over ipc, as a spawned child's mailbox is (Socket::OpenPipe).
class ActorSocketsTest : public ::testing::TestWithParam<bool> {
 protected:
  ~ActorSocketsTest() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // Connect opens both ends over a fresh endpoint (named after `name`) and
  // waits until each sees the other.
  ::testing::AssertionResult Connect(const std::string& name) {
    bool piped = GetParam();
    std::string url = "inproc://eta-net-test-" + name;
    if (piped) {
      dir_ = PrivateDir();
      url = "ipc://" + dir_ + "/" + name + ".sock";
    }
    absl::StatusOr<Socket*> p = Socket::Open(parent_heap_.heap, "pair");
    absl::StatusOr<Socket*> c =
        piped ? Socket::OpenPipe(child_heap_.heap) : Socket::Open(child_heap_.heap, "pair");
    if (!p.ok() || !c.ok()) return ::testing::AssertionFailure() << "cannot open";
    parent_ = *p;
    child_ = *c;
    parent_->set_role(Role::kChild);
    child_->set_role(Role::kMailbox);
    if (!parent_->Listen(url).ok() ||
        !(piped ? child_->DialPipe(url) : child_->Dial(url, Socket::DialMode::kWait)).ok()) {
      return ::testing::AssertionFailure() << "cannot connect over " << url;
    }
    for (int i = 0; i < 500 && (parent_->peer_count() == 0 || child_->peer_count() == 0);
         ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (parent_->peer_count() != 1 || child_->peer_count() != 1) {
      return ::testing::AssertionFailure() << "not connected within 500 ms";
    }
    return ::testing::AssertionSuccess();
  }

  std::string dir_;
  wire::TestHeap parent_heap_;
  wire::TestHeap child_heap_;
  Socket* parent_ = nullptr;
  Socket* child_ = nullptr;
};

INSTANTIATE_TEST_SUITE_P(NngAndPipe, ActorSocketsTest, ::testing::Bool());

// Close's handshake on actor sockets: a parent and a child that each sent
// just now and close do not wait kLinger on each other, and every message
// sent before a close still arrives.
TEST_P(ActorSocketsTest, CloseWithAHandshakeInsteadOfLingering) {
  using Clock = std::chrono::steady_clock;
  ASSERT_TRUE(Connect("handshake"));
  Socket* parent = parent_;
  Socket* child = child_;

  Clock::duration child_close{};
  std::thread worker([&] {
    absl::StatusOr<Message> task = child->Receive(5000);
    ASSERT_TRUE(task.ok());
    EXPECT_EQ(task->bytes(), "task");
    ASSERT_TRUE(child->Send("reply", 5000).ok());
    ASSERT_TRUE(child->Send("more", 5000).ok());
    auto start = Clock::now();
    child->Close();  // sent just now, the parent still connected
    child_close = Clock::now() - start;
  });
  ASSERT_TRUE(parent->Send("task", 5000).ok());
  absl::StatusOr<Message> reply = parent->Receive(5000);
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->bytes(), "reply");
  auto start = Clock::now();
  parent->Close();  // sent the task just now, the child still connected
  Clock::duration parent_close = Clock::now() - start;
  worker.join();
  // Without the handshake each waits out kLinger (100 ms) for the other.
  EXPECT_LT(parent_close, kLinger / 2);
  EXPECT_LT(child_close, kLinger / 2);
}

// A peer that reads the closer's fin answers it, so the closer does not
// wait; the messages before the fin are all received, and the fin is not.
TEST_P(ActorSocketsTest, AFinIsAnsweredAndNotDelivered) {
  using Clock = std::chrono::steady_clock;
  ASSERT_TRUE(Connect("fin"));
  Socket* parent = parent_;
  Socket* child = child_;
  std::vector<std::string> received;
  bool gone = false;
  std::thread reader([&] {
    while (true) {
      absl::StatusOr<Message> m = parent->Receive(5000, &gone);
      ASSERT_TRUE(m.ok());
      if (m->empty()) break;
      received.emplace_back(m->bytes());
    }
  });
  for (const char* text : {"one", "two", "three"}) {
    ASSERT_TRUE(child->Send(text, 5000).ok());
  }
  auto start = Clock::now();
  child->Close();
  Clock::duration child_close = Clock::now() - start;
  reader.join();
  EXPECT_EQ(received, (std::vector<std::string>{"one", "two", "three"}));
  EXPECT_TRUE(gone);
  EXPECT_LT(child_close, kLinger / 2);
  parent->Close();
}

// A parent that hangs up without a handshake is seen gone by the mailbox
// once the messages it sent before are received; big
// messages and fins pass whole in both directions.
TEST_P(ActorSocketsTest, MessagesThenTheParentsEnd) {
  ASSERT_TRUE(Connect("end"));
  std::string big(3 << 20, 'x');
  for (size_t i = 0; i < big.size(); i += 4099) big[i] = static_cast<char>('a' + i % 26);
  ASSERT_TRUE(parent_->Send(big, 5000).ok());
  ASSERT_TRUE(parent_->Send("last", 5000).ok());
  absl::StatusOr<Message> first = child_->Receive(5000);
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->bytes() == big);
  ASSERT_TRUE(child_->Send(big, 5000).ok());
  absl::StatusOr<Message> echo = parent_->Receive(5000);
  ASSERT_TRUE(echo.ok());
  EXPECT_TRUE(echo->bytes() == big);
  // A plain close: no fin, only the hang-up.
  parent_->set_role(Role::kPlain);
  parent_->Close();
  bool gone = false;
  absl::StatusOr<Message> last = child_->Receive(5000, &gone);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->bytes(), "last");
  EXPECT_FALSE(gone);
  absl::StatusOr<Message> after = child_->Receive(5000, &gone);
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->empty());
  EXPECT_TRUE(gone);
  EXPECT_TRUE(child_->peer_lost());
  EXPECT_EQ(child_->peer_count(), 0);
  child_->Close();
}

// The mailbox without nng keeps the options nng would, refuses what it
// cannot do, and fails to dial as nng does.
TEST(NetTest, PipedMailboxOptionsAndErrors) {
  wire::TestHeap t;
  std::string dir = PrivateDir();
  absl::StatusOr<Socket*> s = Socket::OpenPipe(t.heap);
  ASSERT_TRUE(s.ok());
  Socket* box = *s;
  EXPECT_EQ(box->Describe(), "#<socket pair>");
  EXPECT_TRUE(box->SetIntOption(NNG_OPT_RECVBUF, 7).ok());
  EXPECT_EQ(*box->GetIntOption(NNG_OPT_RECVBUF), 7);
  EXPECT_EQ(*box->GetIntOption(NNG_OPT_SENDBUF), kDefaultBufferMessages);
  EXPECT_FALSE(box->SetIntOption(NNG_OPT_SENDBUF, 9000).ok());  // nng's limit: 8192
  EXPECT_TRUE(box->SetMsOption(NNG_OPT_RECONNMINT, 250).ok());
  EXPECT_EQ(*box->GetMsOption(NNG_OPT_RECONNMINT), 250);
  EXPECT_FALSE(box->GetMsOption("surveyor:survey-time").ok());
  absl::Status refused = box->DialPipe("ipc://" + dir + "/nobody.sock");
  EXPECT_NE(refused.message().find(nng_strerror(NNG_ENOENT)), std::string::npos) << refused;
  absl::Status listen = box->Listen("ipc://" + dir + "/mine.sock");
  EXPECT_NE(listen.message().find("a mailbox connects to its parent only"), std::string::npos)
      << listen;
  // Nothing to receive, no peer: the receive times out.
  absl::StatusOr<Message> none = box->Receive(10);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  box->Close();
  EXPECT_FALSE(box->Send("x", 0).ok());
  std::filesystem::remove_all(dir);
}

TEST(NetTest, SocketObjectBasics) {
  wire::TestHeap t;
  absl::StatusOr<Socket*> bad = Socket::Open(t.heap, "nope");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("pair req rep pub sub push pull "
                                        "surveyor respondent bus"),
            std::string::npos);
  absl::StatusOr<Socket*> s = Socket::Open(t.heap, "sub");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ((*s)->Describe(), "#<socket sub>");
  EXPECT_FALSE((*s)->Accepts("anything"));
  (*s)->Subscribe("prices.");
  EXPECT_TRUE((*s)->Accepts("prices.eur"));
  EXPECT_FALSE((*s)->Accepts("weather"));
  (*s)->Subscribe("");
  EXPECT_TRUE((*s)->Accepts("weather"));
  (*s)->Unsubscribe("");
  EXPECT_FALSE((*s)->Accepts("weather"));
  (*s)->Close();
  (*s)->Close();
  EXPECT_EQ((*s)->Describe(), "#<socket sub closed>");
  absl::StatusOr<Message> m = (*s)->Receive(0);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().message(), "recv!: Object closed");
}

}  // namespace
}  // namespace eta::net
