#include <dirent.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "net/nng_patches.h"
#include "nng/nng.h"
#include "nng/protocol/pair1/pair.h"

namespace {

// ThreadNames counts this process's threads by name.
std::map<std::string, int> ThreadNames() {
  std::map<std::string, int> names;
  DIR* dir = opendir("/proc/self/task");
  if (dir == nullptr) return names;
  while (struct dirent* entry = readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    std::ifstream comm(std::string("/proc/self/task/") + entry->d_name + "/comm");
    std::string name;
    std::getline(comm, name);
    ++names[name];
  }
  closedir(dir);
  return names;
}

// NngThreadNames waits until nng's threads have named themselves (they
// take their names once they run): until the count of threads named
// "nng:..." has not changed for 50 ms, within 5 s.
std::map<std::string, int> NngThreadNames() {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  auto settled = std::chrono::steady_clock::now() + std::chrono::milliseconds(50);
  int last = -1;
  while (true) {
    std::map<std::string, int> names = ThreadNames();
    int named = 0;
    for (const auto& [name, count] : names) {
      if (name.rfind("nng:", 0) == 0) named += count;
    }
    auto now = std::chrono::steady_clock::now();
    if (named != last) {
      last = named;
      settled = now + std::chrono::milliseconds(50);
    }
    if ((named > 0 && now > settled) || now > deadline) return names;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

// ExpectMessageCrosses: a message crosses a pair over `url`, both ways.
void ExpectMessageCrosses(const std::string& url) {
  nng_socket a, b;
  ASSERT_EQ(nng_pair1_open(&a), 0);
  ASSERT_EQ(nng_pair1_open(&b), 0);
  nng_listener listener;
  ASSERT_EQ(nng_listen(a, url.c_str(), &listener, 0), 0) << url;
  std::string dial = url;
  int port = 0;  // "tcp://host:0" listens on a free port: dial that one
  if (url.rfind("tcp://", 0) == 0 &&
      nng_listener_get_int(listener, NNG_OPT_TCP_BOUND_PORT, &port) == 0) {
    dial = url.substr(0, url.rfind(':') + 1) + std::to_string(port);
  }
  ASSERT_EQ(nng_dial(b, dial.c_str(), nullptr, 0), 0);
  ASSERT_EQ(nng_setopt_ms(a, NNG_OPT_RECVTIMEO, 5000), 0);
  ASSERT_EQ(nng_setopt_ms(b, NNG_OPT_RECVTIMEO, 5000), 0);
  char text[] = "hello";
  ASSERT_EQ(nng_send(b, text, sizeof text, 0), 0);
  char got[16] = {};
  size_t size = sizeof got;
  ASSERT_EQ(nng_recv(a, got, &size, 0), 0);
  EXPECT_STREQ(got, "hello");
  char back[] = "back";
  ASSERT_EQ(nng_send(a, back, sizeof back, 0), 0);
  size = sizeof got;
  ASSERT_EQ(nng_recv(b, got, &size, 0), 0);
  EXPECT_STREQ(got, "back");
  nng_close(b);
  nng_close(a);
}

// nng starts its threads with the first socket: two task-queue threads and
// one expiry thread, whatever the number of cores, and no resolver threads
// until something asks for them. (This test runs first in its process.)
TEST(NngPatchesTest, PoolsAreSizedForOneCore) {
  nng_socket s;
  ASSERT_EQ(nng_pair1_open(&s), 0);
  std::map<std::string, int> names = NngThreadNames();
  EXPECT_EQ(names["nng:task"], 2);
  EXPECT_EQ(names["nng:aio:expire"], 1);
  EXPECT_EQ(names["nng:poll:epoll"], 1);
  EXPECT_EQ(names["nng:resolver"], 0);
  nng_close(s);
}

TEST(NngPatchesTest, OnlyEndpointsThatNameAHostNeedTheResolver) {
  EXPECT_FALSE(eta::net::NeedsNngResolver("ipc:///tmp/x.sock"));
  EXPECT_FALSE(eta::net::NeedsNngResolver("inproc://x"));
  EXPECT_FALSE(eta::net::NeedsNngResolver("abstract://x"));
  EXPECT_TRUE(eta::net::NeedsNngResolver("tcp://127.0.0.1:5555"));
  EXPECT_TRUE(eta::net::NeedsNngResolver("ws://localhost:80/x"));
  EXPECT_TRUE(eta::net::NeedsNngResolver("tls+tcp://host:1"));
}

// StartNngResolver starts nng's four resolver threads once, and TCP
// endpoints work after it.
TEST(NngPatchesTest, TheResolverStartsWhenAskedFor) {
  ASSERT_EQ(eta::net::StartNngResolver(), 0);
  ASSERT_EQ(eta::net::StartNngResolver(), 0);
  EXPECT_EQ(NngThreadNames()["nng:resolver"], 4);
  ExpectMessageCrosses("tcp://127.0.0.1:0");
}

// The sockets still work over inproc and over ipc (whose descriptors go
// through nng's poller).
TEST(NngPatchesTest, MessagesStillFlow) {
  ExpectMessageCrosses("inproc://nng-patches-test");
  char dir[] = "/tmp/nng-patches-test-XXXXXX";  // short: a socket path has 107 bytes
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string path = std::string(dir) + "/pair.sock";
  ExpectMessageCrosses("ipc://" + path);
  ::unlink(path.c_str());
  ::rmdir(dir);
}

// A stream socket that is not connected polls as hung up. Added with no
// events, as nng adds every descriptor before it arms it, it reports that
// once, not at every wait. An armed registration works as before.
TEST(NngPatchesTest, AnUnarmedDescriptorReportsAHangUpOnce) {
  int ep = epoll_create1(EPOLL_CLOEXEC);
  ASSERT_GE(ep, 0);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  struct epoll_event ev = {};
  ev.events = 0;
  ASSERT_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev), 0);
  struct epoll_event got[4];
  ASSERT_EQ(epoll_wait(ep, got, 4, 0), 1);
  EXPECT_NE(got[0].events & EPOLLHUP, 0u);
  EXPECT_EQ(epoll_wait(ep, got, 4, 0), 0);  // without the patch: 1, forever
  // Arming it (as nng does) enables it again.
  ev.events = EPOLLOUT | EPOLLERR | EPOLLONESHOT;
  ASSERT_EQ(epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev), 0);
  EXPECT_EQ(epoll_wait(ep, got, 4, 0), 1);
  EXPECT_EQ(epoll_wait(ep, got, 4, 0), 0);
  // A registration that asks for events is left as it is (level-triggered).
  int other = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(other, 0);
  ev.events = EPOLLOUT;
  ASSERT_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, other, &ev), 0);
  EXPECT_EQ(epoll_wait(ep, got, 4, 0), 1);
  EXPECT_EQ(epoll_wait(ep, got, 4, 0), 1);
  ::close(other);
  ::close(fd);
  ::close(ep);
}

}  // namespace
