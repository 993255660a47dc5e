#include <dirent.h>

#include <chrono>
#include <fstream>
#include <map>
#include <string>
#include <thread>

#include "gtest/gtest.h"
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

// nng starts its threads with the first socket: two task-queue threads and
// one expiry thread, whatever the number of cores.
TEST(NngThreadsTest, PoolsAreSizedForOneCore) {
  nng_socket s;
  ASSERT_EQ(nng_pair1_open(&s), 0);
  std::map<std::string, int> names = NngThreadNames();
  EXPECT_EQ(names["nng:task"], 2);
  EXPECT_EQ(names["nng:aio:expire"], 1);
  EXPECT_EQ(names["nng:poll:epoll"], 1);
  nng_close(s);
}

// The sockets still work: a message crosses a pair over inproc.
TEST(NngThreadsTest, MessagesStillFlow) {
  nng_socket a, b;
  ASSERT_EQ(nng_pair1_open(&a), 0);
  ASSERT_EQ(nng_pair1_open(&b), 0);
  ASSERT_EQ(nng_listen(a, "inproc://nng-threads-test", nullptr, 0), 0);
  ASSERT_EQ(nng_dial(b, "inproc://nng-threads-test", nullptr, 0), 0);
  ASSERT_EQ(nng_setopt_ms(a, NNG_OPT_RECVTIMEO, 5000), 0);
  char text[] = "hello";
  ASSERT_EQ(nng_send(b, text, sizeof text, 0), 0);
  char got[16] = {};
  size_t size = sizeof got;
  ASSERT_EQ(nng_recv(a, got, &size, 0), 0);
  EXPECT_STREQ(got, "hello");
  nng_close(b);
  nng_close(a);
}

}  // namespace
