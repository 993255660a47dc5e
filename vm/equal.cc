#include "vm/equal.h"

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "vm/object.h"

namespace eta::vm {
namespace {

// After this many container comparisons, Equal starts remembering which
// pairs of containers it has already compared, so that cycles terminate.
// Acyclic comparisons below the threshold pay nothing for it.
constexpr size_t kCycleCheckThreshold = 10000;

// kHashBudget bounds how many nested elements EqualHash looks at.
constexpr int kHashBudget = 64;

class EqualChecker {
 public:
  bool Run(Value a, Value b) {
    work_.push_back({a, b});
    while (!work_.empty()) {
      auto [x, y] = work_.back();
      work_.pop_back();
      if (!Compare(x, y)) return false;
    }
    return true;
  }

 private:
  // AlreadyCompared records that `a` and `b` are being compared and says
  // whether they were before (then they may be assumed equal).
  bool AlreadyCompared(Object* a, Object* b) {
    if (++containers_ < kCycleCheckThreshold) return false;
    return !seen_.insert({a, b}).second;
  }

  // Compare checks `a` and `b` shallowly, walking list spines in a loop and
  // queueing cars and vector elements.
  bool Compare(Value a, Value b) {
    while (true) {
      if (a.Eq(b)) return true;
      if (!a.IsObject() || !b.IsObject()) return false;
      Object* x = a.AsObject();
      Object* y = b.AsObject();
      if (x->type() != y->type()) return false;
      switch (x->type()) {
        case ObjectType::kPair: {
          if (AlreadyCompared(x, y)) return true;
          Pair* p = static_cast<Pair*>(x);
          Pair* q = static_cast<Pair*>(y);
          work_.push_back({p->car, q->car});
          a = p->cdr;
          b = q->cdr;
          continue;
        }
        case ObjectType::kString:
          return static_cast<String*>(x)->chars ==
                 static_cast<String*>(y)->chars;
        case ObjectType::kBytevector:
          return static_cast<Bytevector*>(x)->bytes ==
                 static_cast<Bytevector*>(y)->bytes;
        case ObjectType::kVector: {
          const auto& u = static_cast<Vector*>(x)->items;
          const auto& v = static_cast<Vector*>(y)->items;
          if (u.size() != v.size()) return false;
          if (AlreadyCompared(x, y)) return true;
          for (size_t i = u.size(); i-- > 0;) work_.push_back({u[i], v[i]});
          return true;
        }
        default:
          return false;
      }
    }
  }

  std::vector<std::pair<Value, Value>> work_;
  absl::flat_hash_set<std::pair<Object*, Object*>> seen_;
  size_t containers_ = 0;
};

size_t Mix(size_t h, size_t v) {
  return absl::Hash<std::pair<size_t, size_t>>{}({h, v});
}

size_t HashRecursive(Value v, int* budget) {
  if (--*budget < 0) return 0;
  if (!v.IsObject()) return EqvHash(v);
  Object* o = v.AsObject();
  switch (o->type()) {
    case ObjectType::kString: {
      const std::u32string& s = static_cast<String*>(o)->chars;
      return absl::Hash<std::u32string_view>{}(s);
    }
    case ObjectType::kBytevector: {
      const auto& b = static_cast<Bytevector*>(o)->bytes;
      return absl::Hash<std::string_view>{}(std::string_view(
          reinterpret_cast<const char*>(b.data()), b.size()));
    }
    case ObjectType::kPair: {
      size_t h = 0x5041;
      while (IsPair(v) && *budget > 0) {
        h = Mix(h, HashRecursive(Car(v), budget));
        v = Cdr(v);
        --*budget;
      }
      if (!IsPair(v)) h = Mix(h, HashRecursive(v, budget));
      return h;
    }
    case ObjectType::kVector: {
      const auto& items = static_cast<Vector*>(o)->items;
      size_t h = Mix(0x5645, items.size());
      for (size_t i = 0; i < items.size() && *budget > 0; ++i) {
        h = Mix(h, HashRecursive(items[i], budget));
      }
      return h;
    }
    default:
      return EqvHash(v);
  }
}

}  // namespace

bool Eqv(Value a, Value b) { return a.Eq(b); }

bool Equal(Value a, Value b) {
  if (a.Eq(b)) return true;
  if (!a.IsObject() || !b.IsObject()) return false;
  EqualChecker checker;
  return checker.Run(a, b);
}

size_t EqvHash(Value v) {
  return absl::Hash<std::pair<uint8_t, uint64_t>>{}(
      {static_cast<uint8_t>(v.tag()), v.bits()});
}

size_t EqualHash(Value v) {
  int budget = kHashBudget;
  return HashRecursive(v, &budget);
}

}  // namespace eta::vm
