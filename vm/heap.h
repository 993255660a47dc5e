// Heap: allocation and precise mark-sweep collection for one VM.
// Objects never move. C++ code keeps a Value alive across an allocation
// only through a Rooted (or by keeping it on the VM stack); the VM lists all
// other roots in one function, VM::TraceRoots.
#ifndef ETA_VM_HEAP_H_
#define ETA_VM_HEAP_H_

#include <algorithm>
#include <cstddef>
#include <functional>
#include <new>
#include <utility>
#include <vector>

#include "vm/object.h"
#include "vm/value.h"

namespace eta::vm {

// Tracer is handed to tracing functions; Mark queues a value's object.
class Tracer {
 public:
  void Mark(Value v) {
    if (v.IsObject()) MarkObject(v.AsObject());
  }
  void MarkObject(Object* o);

 private:
  friend class Heap;
  std::vector<Object*> worklist_;
};

// kGcStressBuild: built with --config=gcstress, where every heap collects
// at every allocation. Tests of scale (millions of objects or frames) run
// smaller in that build; what they check of the collector stays the same.
#ifdef ETA_GC_STRESS
inline constexpr bool kGcStressBuild = true;
#else
inline constexpr bool kGcStressBuild = false;
#endif

// HeapOptions configures a heap.
struct HeapOptions {
  size_t max_bytes = size_t{4} << 30;  // out-of-memory past this
  bool stress = false;                  // collect at every allocation
};

class Heap {
 public:
  explicit Heap(HeapOptions options);
  ~Heap();
  Heap(const Heap&) = delete;
  Heap& operator=(const Heap&) = delete;

  // ReleaseResources runs ReleaseObject on every object, for a process that
  // ends without destroying the heap (VM::ReleaseForExit).
  void ReleaseResources();
  // Freeze makes every object of this heap shared (Object::shared): it
  // never collects again, and other heaps' collectors leave them alone.
  void Freeze();

  // SetRootTracer installs the function that marks every root outside the
  // heap's own handle list (the VM's stack, globals, registers).
  // SetWeakSweeper installs the function a collection calls after marking
  // and before sweeping, to drop weak references to unmarked objects.
  void SetWeakSweeper(std::function<void()> sweeper) { weak_sweeper_ = std::move(sweeper); }
  void SetRootTracer(std::function<void(Tracer&)> tracer) {
    root_tracer_ = std::move(tracer);
  }

  // New allocates a T constructed from `args`. It may collect first, so any
  // Value the caller still needs must be rooted. Returns nullptr only when the
  // heap limit is exceeded even after a collection (the caller raises
  // out-of-memory).
  template <typename T, typename... Args>
  T* New(Args&&... args) {
    MaybeCollect(sizeof(T));
    if (over_limit_) return nullptr;
    uint8_t size_class;
    void* memory = Allocate(sizeof(T), &size_class);
    T* object = new (memory) T(std::forward<Args>(args)...);
    Link(object, sizeof(T), size_class);
    return object;
  }

  // NewClosure allocates a closure of `function` with room for `count`
  // captured values (unspecified until set). Null past the heap limit.
  Closure* NewClosure(const Function* function, uint32_t count) {
    size_t bytes = sizeof(Closure) + count * sizeof(Value);
    MaybeCollect(bytes);
    if (over_limit_) return nullptr;
    uint8_t size_class;
    void* memory = Allocate(bytes, &size_class);
    Closure* closure = new (memory) Closure(function, count);
    Link(closure, bytes, size_class);
    return closure;
  }

  // ReportExtraBytes tells the heap that an object grew by `bytes` outside
  // its struct (vector or string storage), so collections stay timely.
  void ReportExtraBytes(size_t bytes) { allocated_since_gc_ += bytes; }

  // Collect runs a full collection now.
  void Collect();
  // CollectIfDue collects now if `bytes` more would make a collection due:
  // called before a large object's storage is allocated, so storage that
  // the collection frees is reused for it instead of fresh memory.
  void CollectIfDue(size_t bytes) {
    if (!collecting_ && allocated_since_gc_ + bytes >= next_gc_) Collect();
  }

  // PushRoot/PopRoot keep a C++ local alive (LIFO); use Rooted instead.
  void PushRoot(Value* slot) { handles_.push_back(slot); }
  void PopRoot() { handles_.pop_back(); }

  size_t live_bytes() const { return live_bytes_; }
  size_t collections() const { return collections_; }
  bool stress() const { return options_.stress; }
  void set_stress(bool on) { options_.stress = on; }
  // over_limit is set when the last allocation failed for lack of room.
  bool over_limit() const { return over_limit_; }
  void clear_over_limit() { over_limit_ = false; }
  // GrantHeadroom lets the heap grow past its limit by a margin until a
  // collection brings it back under, so out-of-memory handlers can run.
  void GrantHeadroom() { headroom_active_ = true; }
  // set_stack_bytes tells the heap how much its VM's stack takes, which
  // counts against the same limit (HeapOptions::max_bytes).
  void set_stack_bytes(size_t bytes) { stack_bytes_ = bytes; }
  size_t max_bytes() const { return options_.max_bytes; }
  // used_bytes: what the heap holds at most now (the live bytes of the last
  // collection and everything allocated since).
  size_t used_bytes() const { return live_bytes_ + allocated_since_gc_; }

 private:
  // Small objects come from per-size pools (16-byte classes up to
  // kMaxPooledBytes) carved from large chunks; sweeping returns them to
  // their pool. Larger objects use operator new. Address-sanitizer builds
  // pool nothing, so use-after-free stays detectable.
  static constexpr size_t kPoolGranule = 16;
  static constexpr size_t kMaxPooledBytes = 256;
  // Chunks grow from kFirstChunkBytes to kChunkBytes: a VM that holds
  // little (a waiting actor) takes little.
  static constexpr size_t kFirstChunkBytes = 1024;
  static constexpr size_t kChunkBytes = 256 * 1024;

  void MaybeCollect(size_t bytes);
  void* Allocate(size_t bytes, uint8_t* size_class);
  // Free destroys an object and returns its memory.
  void Free(Object* object);
  void Link(Object* object, size_t bytes, uint8_t size_class);
  void Sweep();

  struct FreeCell {
    FreeCell* next;
  };
  FreeCell* free_lists_[kMaxPooledBytes / kPoolGranule + 1] = {};
  std::vector<char*> chunks_;
  size_t next_chunk_bytes_ = kFirstChunkBytes;
  bool frozen_ = false;
  char* chunk_cursor_ = nullptr;
  char* chunk_end_ = nullptr;

  HeapOptions options_;
  Object* objects_ = nullptr;
  size_t allocated_since_gc_ = 0;
  size_t live_bytes_ = 0;
  size_t next_gc_ = 1 << 20;
  size_t collections_ = 0;
  bool over_limit_ = false;
  bool collecting_ = false;
  bool headroom_active_ = false;
  size_t stack_bytes_ = 0;
  size_t Limit() const {
    return options_.max_bytes + (headroom_active_ ? Headroom() : 0);
  }
  size_t Headroom() const { return std::max<size_t>(size_t{8} << 20, options_.max_bytes / 8); }
  std::vector<Value*> handles_;
  std::function<void(Tracer&)> root_tracer_;
  std::function<void()> weak_sweeper_;
};

// Rooted keeps one Value alive for the lifetime of the C++ scope.
class Rooted {
 public:
  Rooted(Heap& heap, Value value) : heap_(heap), value_(value) {
    heap_.PushRoot(&value_);
  }
  ~Rooted() { heap_.PopRoot(); }
  Rooted(const Rooted&) = delete;
  Rooted& operator=(const Rooted&) = delete;

  Value get() const { return value_; }
  void set(Value v) { value_ = v; }
  Rooted& operator=(Value v) {
    value_ = v;
    return *this;
  }
  operator Value() const { return value_; }

 private:
  Heap& heap_;
  Value value_;
};

// TraceObjectFields marks the Values an object refers to (the type table).
void TraceObjectFields(Object* object, Tracer& tracer);
// AllocationStart is where the memory of `object` starts (not always at
// the Object: a ForeignObject begins with its vtable pointer).
void* AllocationStart(Object* object);
// DestroyObject frees an object through its type's destructor.
void DestroyObject(Object* object);
// ObjectSize estimates an object's size in bytes, for collection pacing.
size_t ObjectSize(Object* object);
// ReleaseObject does what destroying `object` does outside the process (an
// output port writes what it holds, a foreign object releases its
// resource), leaving the object itself in place.
void ReleaseObject(Object* object);

}  // namespace eta::vm

#endif  // ETA_VM_HEAP_H_
