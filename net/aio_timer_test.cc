#include "net/aio_timer.h"

#include <chrono>
#include <thread>
#include <vector>

#include <nng/nng.h>

#include "gtest/gtest.h"

namespace eta::net {
namespace {

using Clock = AioTimer::Clock;
using std::chrono::milliseconds;

// An aio without a callback, as sockets have.
struct Aio {
  Aio() { EXPECT_EQ(nng_aio_alloc(&aio, nullptr, nullptr), 0); }
  ~Aio() { nng_aio_free(aio); }
  nng_aio* aio = nullptr;
};

TEST(AioTimerTest, CancelsAnOperationAtItsDeadline) {
  Aio a;
  nng_sleep_aio(10000, a.aio);
  Clock::time_point start = Clock::now();
  EXPECT_EQ(AioTimer::Get().Wait(a.aio, start + milliseconds(30)), NNG_ETIMEDOUT);
  auto took = Clock::now() - start;
  EXPECT_GE(took, milliseconds(30));
  EXPECT_LT(took, milliseconds(2000));
}

TEST(AioTimerTest, AnOperationThatFinishesFirstKeepsItsResult) {
  Aio a;
  nng_sleep_aio(10, a.aio);
  EXPECT_EQ(AioTimer::Get().Wait(a.aio, Clock::now() + milliseconds(5000)), 0);
}

TEST(AioTimerTest, APastDeadlineEndsTheWaitAtOnce) {
  Aio a;
  nng_sleep_aio(10000, a.aio);
  Clock::time_point start = Clock::now();
  EXPECT_EQ(AioTimer::Get().Wait(a.aio, start), NNG_ETIMEDOUT);
  EXPECT_LT(Clock::now() - start, milliseconds(2000));
}

// A short deadline set after a long one still ends on time: the thread,
// asleep until the long one, is woken for it.
TEST(AioTimerTest, AnEarlierDeadlineWakesTheTimer) {
  Aio slow;
  nng_sleep_aio(10000, slow.aio);
  std::thread waiter([&] {
    EXPECT_EQ(AioTimer::Get().Wait(slow.aio, Clock::now() + milliseconds(400)), NNG_ETIMEDOUT);
  });
  std::this_thread::sleep_for(milliseconds(20));
  Aio quick;
  nng_sleep_aio(10000, quick.aio);
  Clock::time_point start = Clock::now();
  EXPECT_EQ(AioTimer::Get().Wait(quick.aio, start + milliseconds(20)), NNG_ETIMEDOUT);
  EXPECT_LT(Clock::now() - start, milliseconds(300));
  waiter.join();
}

// A deadline that outlives the waits that set the timer's wake-up time is
// still kept, and many threads waiting at once each end at their own.
TEST(AioTimerTest, ManyWaitersEachEndAtTheirDeadline) {
  std::vector<std::thread> threads;
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([i] {
      Aio a;
      bool finishes = i % 2 == 0;
      nng_sleep_aio(finishes ? 5 : 10000, a.aio);
      int rv = AioTimer::Get().Wait(a.aio, Clock::now() + milliseconds(20 + 10 * i));
      EXPECT_EQ(rv, finishes ? 0 : NNG_ETIMEDOUT) << i;
    });
  }
  for (std::thread& t : threads) t.join();
}

}  // namespace
}  // namespace eta::net
