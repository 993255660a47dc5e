// Tests of the heap and its precise mark-sweep collector, used directly
// (no VM): rooting, freeing, long lists, stress mode and the size limit.
#include "vm/heap.h"

#include <cstddef>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "vm/object.h"
#include "vm/value.h"

namespace eta::vm {
namespace {

size_t PairSize() {
  Pair probe(Value::Nil(), Value::Nil());
  return ObjectSize(&probe);
}

Value NewPair(Heap& heap, Value car, Value cdr) {
  Pair* p = heap.New<Pair>(car, cdr);
  EXPECT_NE(p, nullptr);
  return p ? Value::FromObject(p) : Value::Nil();
}

size_t ListLength(Value list) {
  size_t n = 0;
  while (IsPair(list)) {
    ++n;
    list = Cdr(list);
  }
  return n;
}

TEST(HeapTest, AllocatesObjectsOfTheRightType) {
  Heap heap(HeapOptions{});
  Pair* p = heap.New<Pair>(Value::Fixnum(1), Value::Nil());
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->type(), ObjectType::kPair);
  EXPECT_EQ(p->car.AsFixnum(), 1);
  EXPECT_TRUE(p->cdr.IsNil());
  Symbol* s = heap.New<Symbol>("abc");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->type(), ObjectType::kSymbol);
  EXPECT_EQ(s->name, "abc");
}

TEST(HeapTest, RootedValuesSurviveCollection) {
  Heap heap(HeapOptions{});
  Rooted a(heap, NewPair(heap, Value::Fixnum(1), Value::Nil()));
  Rooted b(heap, NewPair(heap, Value::Fixnum(2), a));
  size_t before = heap.collections();
  heap.Collect();
  EXPECT_EQ(heap.collections(), before + 1);
  // Both pairs are live: b directly, a through b and through its own root.
  EXPECT_EQ(heap.live_bytes(), 2 * PairSize());
  ASSERT_TRUE(IsPair(b));
  EXPECT_EQ(Car(b).AsFixnum(), 2);
  EXPECT_TRUE(Cdr(b).Eq(a));
  EXPECT_EQ(Car(Cdr(b)).AsFixnum(), 1);
}

TEST(HeapTest, ReachableThroughRootedObjectSurvives) {
  Heap heap(HeapOptions{});
  Rooted outer(heap, Value::Nil());
  {
    // The inner pair is only referenced from `outer` once this scope ends.
    Rooted inner(heap, NewPair(heap, Value::Fixnum(7), Value::Nil()));
    outer = NewPair(heap, inner, Value::Nil());
  }
  heap.Collect();
  EXPECT_EQ(heap.live_bytes(), 2 * PairSize());
  EXPECT_EQ(Car(Car(outer)).AsFixnum(), 7);
}

TEST(HeapTest, UnreachableObjectsAreFreed) {
  Heap heap(HeapOptions{});
  Rooted kept(heap, NewPair(heap, Value::Fixnum(0), Value::Nil()));
  for (int i = 0; i < 1000; ++i) NewPair(heap, Value::Fixnum(i), Value::Nil());
  heap.Collect();
  EXPECT_EQ(heap.live_bytes(), PairSize());
  kept = Value::Nil();
  heap.Collect();
  EXPECT_EQ(heap.live_bytes(), 0u);
}

TEST(HeapTest, RootTracerKeepsItsValuesAlive) {
  Heap heap(HeapOptions{});
  std::vector<Value> roots;
  heap.SetRootTracer([&](Tracer& tracer) {
    for (Value v : roots) tracer.Mark(v);
  });
  roots.push_back(NewPair(heap, Value::Fixnum(1), Value::Nil()));
  roots.push_back(NewPair(heap, Value::Fixnum(2), Value::Nil()));
  NewPair(heap, Value::Fixnum(3), Value::Nil());  // garbage
  heap.Collect();
  EXPECT_EQ(heap.live_bytes(), 2 * PairSize());
  roots.pop_back();
  heap.Collect();
  EXPECT_EQ(heap.live_bytes(), PairSize());
  EXPECT_EQ(Car(roots[0]).AsFixnum(), 1);
}

TEST(HeapTest, CyclesAreCollected) {
  Heap heap(HeapOptions{});
  {
    Rooted a(heap, NewPair(heap, Value::Fixnum(1), Value::Nil()));
    Rooted b(heap, NewPair(heap, Value::Fixnum(2), a));
    As<Pair>(a)->cdr = b;  // a <-> b
    heap.Collect();
    EXPECT_EQ(heap.live_bytes(), 2 * PairSize());
  }
  heap.Collect();
  EXPECT_EQ(heap.live_bytes(), 0u);
}

TEST(HeapTest, MillionElementListSurvivesCollectionWithoutRecursion) {
  constexpr size_t kLength = 1'000'000;
  Heap heap(HeapOptions{});
  if (heap.stress()) GTEST_SKIP() << "a collection per allocation is too slow here";
  Rooted list(heap, Value::Nil());
  for (size_t i = 0; i < kLength; ++i) {
    list = NewPair(heap, Value::Fixnum(static_cast<int64_t>(i)), list);
  }
  heap.Collect();
  heap.Collect();
  EXPECT_EQ(heap.live_bytes(), kLength * PairSize());
  EXPECT_EQ(ListLength(list), kLength);
  EXPECT_EQ(Car(list).AsFixnum(), static_cast<int64_t>(kLength - 1));
  // A long car chain (a "left-deep" tree) too.
  Rooted tree(heap, Value::Nil());
  for (size_t i = 0; i < kLength; ++i) tree = NewPair(heap, tree, Value::Nil());
  heap.Collect();
  EXPECT_EQ(heap.live_bytes(), 2 * kLength * PairSize());
  list = Value::Nil();
  tree = Value::Nil();
  heap.Collect();
  EXPECT_EQ(heap.live_bytes(), 0u);
}

TEST(HeapTest, StressModeCollectsAtEveryAllocation) {
  HeapOptions options;
  options.stress = true;
  Heap heap(options);
  EXPECT_TRUE(heap.stress());
  Rooted list(heap, Value::Nil());
  size_t before = heap.collections();
  for (int i = 0; i < 100; ++i) list = NewPair(heap, Value::Fixnum(i), list);
  EXPECT_EQ(heap.collections(), before + 100);
  EXPECT_EQ(ListLength(list), 100u);
  // Every element is intact: the rooted list was never swept.
  Value v = list;
  for (int i = 99; i >= 0; --i, v = Cdr(v)) ASSERT_EQ(Car(v).AsFixnum(), i);
  // Garbage is gone by the next allocation: the collection made for the
  // second pair below frees the first (live_bytes counts what that
  // collection kept, not the pair allocated after it).
  NewPair(heap, Value::Fixnum(-1), Value::Nil());
  NewPair(heap, Value::Fixnum(-2), Value::Nil());
  EXPECT_EQ(heap.live_bytes(), 100 * PairSize());
}

TEST(HeapTest, StressModeCanBeSwitched) {
  Heap heap(HeapOptions{});
  heap.set_stress(true);
  size_t before = heap.collections();
  NewPair(heap, Value::Nil(), Value::Nil());
  EXPECT_EQ(heap.collections(), before + 1);
}

TEST(HeapTest, NewReturnsNullPastTheLimit) {
  HeapOptions options;
  options.max_bytes = 50 * PairSize();
  Heap heap(options);
  Rooted list(heap, Value::Nil());
  int allocated = 0;
  Pair* p = nullptr;
  while ((p = heap.New<Pair>(Value::Fixnum(allocated), list.get())) != nullptr) {
    list = Value::FromObject(p);
    ++allocated;
    ASSERT_LT(allocated, 1000) << "the limit is never enforced";
  }
  EXPECT_TRUE(heap.over_limit());
  EXPECT_GT(allocated, 10);
  EXPECT_LE(static_cast<size_t>(allocated), 50u);
  // Everything allocated before the failure is intact.
  EXPECT_EQ(ListLength(list), static_cast<size_t>(allocated));
  // Dropping the list makes room again.
  list = Value::Nil();
  Pair* again = heap.New<Pair>(Value::Nil(), Value::Nil());
  EXPECT_NE(again, nullptr);
  EXPECT_FALSE(heap.over_limit());
}

TEST(HeapTest, ObjectsOfEveryKindAreDestroyedWithTheHeap) {
  // Run under ASan: the heap's destructor frees what is still linked.
  Heap heap(HeapOptions{});
  Rooted s(heap, Value::FromObject(heap.New<String>(std::u32string(U"hello"))));
  Rooted v(heap, Value::FromObject(heap.New<Vector>(std::vector<Value>(100, s.get()))));
  heap.New<Bytevector>(std::vector<uint8_t>(1000, 7));
  heap.Collect();
  EXPECT_GT(heap.live_bytes(), 100 * sizeof(Value));
}

// Counted is a foreign resource that counts its finalizations.
struct Counted : ForeignObject {
  explicit Counted(int* finalized) : finalized(finalized) {}
  ~Counted() override { ++*finalized; }
  const char* KindName() const override { return "counted"; }
  std::string Describe() const override { return "#<counted>"; }
  int* finalized;
  char padding[40] = {};
};

// A ForeignObject's memory starts at its vtable pointer, before the Object
// part: collection and heap destruction must free the right address (the
// address sanitizer build checks this).
TEST(HeapTest, ForeignObjectsAreFinalizedAndFreed) {
  int finalized = 0;
  {
    Heap heap(HeapOptions{});
    for (int i = 0; i < 100; ++i) ASSERT_NE(heap.New<Counted>(&finalized), nullptr);
    heap.Collect();
    EXPECT_EQ(finalized, 100);
    for (int i = 0; i < 10; ++i) ASSERT_NE(heap.New<Counted>(&finalized), nullptr);
  }
  EXPECT_EQ(finalized, 110);
}

}  // namespace
}  // namespace eta::vm
