#include "net/spare.h"

#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace eta::net {
namespace {

// After a take, the next is made in the background and handed out whole;
// takes faster than that make their own. Every value is made once.
TEST(SpareTest, EveryTakeGetsAFreshValue) {
  std::atomic<int> made{0};
  Spare<int> spare([&]() -> absl::StatusOr<int> { return made.fetch_add(1); });
  std::set<int> seen;
  for (int i = 0; i < 50; ++i) {
    absl::StatusOr<int> v = spare.Take();
    ASSERT_TRUE(v.ok());
    EXPECT_TRUE(seen.insert(*v).second) << *v;
    if (i % 10 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

TEST(SpareTest, TheSpareIsMadeInAdvance) {
  std::atomic<int> made{0};
  Spare<int> spare([&]() -> absl::StatusOr<int> { return made.fetch_add(1); });
  absl::StatusOr<int> first = spare.Take();  // made on the spot; starts the maker
  ASSERT_TRUE(first.ok());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (made.load() < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(made.load(), 2);
  // The spare, made before this take (0 and 1 may be either way round:
  // the first take and the maker's first make race).
  absl::StatusOr<int> second = spare.Take();
  ASSERT_TRUE(second.ok());
  EXPECT_LT(*second, 2);
  EXPECT_NE(*second, *first);
}

// A failure is reported by Take, and the maker stops making.
TEST(SpareTest, AFailureIsReportedByTake) {
  Spare<int> spare([]() -> absl::StatusOr<int> { return absl::InternalError("no"); });
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<int> v = spare.Take();
    EXPECT_EQ(v.status().message(), "no");
  }
}

}  // namespace
}  // namespace eta::net
