#include "net/thread_links.h"

#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "net/socket.h"
#include "wire/test_heap.h"

namespace eta::net {
namespace {

// Both ends of a link are connected when it is handed out: a message goes
// each way at once (only down with `both_ways` false), with no wait for a
// connection.
void ExpectConnected(ThreadLink link, bool both_ways) {
  EXPECT_EQ(link.parent.watch->pipes.load(), 1);
  EXPECT_EQ(link.mailbox.watch->pipes.load(), 1);
  EXPECT_EQ(link.parent.endpoint, link.mailbox.endpoint);
  EXPECT_EQ(link.parent.listen_url, link.parent.endpoint);
  wire::TestHeap t;
  // Each kept as soon as it is made: the next allocation may collect.
  absl::StatusOr<Socket*> parent = Socket::Adopt(t.heap, std::move(link.parent));
  ASSERT_TRUE(parent.ok());
  t.Keep(vm::Value::FromObject(*parent));
  absl::StatusOr<Socket*> mailbox = Socket::Adopt(t.heap, std::move(link.mailbox));
  ASSERT_TRUE(mailbox.ok());
  t.Keep(vm::Value::FromObject(*mailbox));
  ASSERT_TRUE(*(*parent)->Send("down", 0));
  absl::StatusOr<Message> down = (*mailbox)->Receive(2000);
  ASSERT_TRUE(down.ok() && !down->empty());
  EXPECT_EQ(down->bytes(), "down");
  if (both_ways) {
    ASSERT_TRUE(*(*mailbox)->Send("up", 0));
    absl::StatusOr<Message> up = (*parent)->Receive(2000);
    ASSERT_TRUE(up.ok() && !up->empty());
    EXPECT_EQ(up->bytes(), "up");
  }
  // The end that sent nothing closes first, so neither lingers long.
  (*mailbox)->Close();
  (*parent)->Close();
}

TEST(ThreadLinksTest, AMadeLinkIsConnected) {
  absl::StatusOr<ThreadLink> link = ThreadLinks::Make();
  ASSERT_TRUE(link.ok()) << link.status();
  ExpectConnected(std::move(*link), /*both_ways=*/true);
}

// Taken one after the other, faster than spares are made: every link is
// connected and has its own endpoint, whether it was the spare or not.
TEST(ThreadLinksTest, LinksTakenBackToBackAreEachConnected) {
  std::vector<ThreadLink> links;
  std::set<std::string> endpoints;
  for (int i = 0; i < 20; ++i) {
    absl::StatusOr<ThreadLink> link = ThreadLinks::Take();
    ASSERT_TRUE(link.ok()) << link.status();
    endpoints.insert(link->parent.endpoint);
    links.push_back(std::move(*link));
  }
  EXPECT_EQ(endpoints.size(), 20u);
  for (ThreadLink& link : links) ExpectConnected(std::move(link), /*both_ways=*/false);
}

// A link dropped unadopted closes its sockets (LeakSanitizer would see
// them otherwise), and closing one end is seen at the other.
TEST(ThreadLinksTest, ALostEndIsSeenAtTheOther) {
  absl::StatusOr<ThreadLink> link = ThreadLinks::Make();
  ASSERT_TRUE(link.ok()) << link.status();
  wire::TestHeap t;
  absl::StatusOr<Socket*> parent = Socket::Adopt(t.heap, std::move(link->parent));
  ASSERT_TRUE(parent.ok());
  t.Keep(vm::Value::FromObject(*parent));
  (*parent)->set_role(Role::kThread);
  { SocketParts gone = std::move(link->mailbox); }
  bool peer_gone = false;
  absl::StatusOr<Message> m = (*parent)->Receive(5000, &peer_gone);
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->empty());
  EXPECT_TRUE(peer_gone);
  (*parent)->Close();
}

}  // namespace
}  // namespace eta::net
