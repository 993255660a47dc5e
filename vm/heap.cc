#include "vm/heap.h"

#include <cstdlib>

namespace eta::vm {

void Tracer::MarkObject(Object* o) {
  // Marking is iterative: long lists and deep structures never recurse.
  worklist_.push_back(o);
}

Heap::Heap(HeapOptions options) : options_(options) {
#ifdef ETA_GC_STRESS
  options_.stress = true;
#endif
  if (const char* env = std::getenv("ETA_GC_STRESS"); env && *env == '1') {
    options_.stress = true;
  }
}

Heap::~Heap() {
  Object* o = objects_;
  while (o) {
    Object* next = o->next_;
    DestroyObject(o);
    o = next;
  }
}

void Heap::MaybeCollect(size_t bytes) {
  over_limit_ = false;
  if (collecting_) return;
  if (options_.stress || allocated_since_gc_ + bytes >= next_gc_) {
    Collect();
  }
  if (live_bytes_ + allocated_since_gc_ + bytes > options_.max_bytes) {
    Collect();
    if (live_bytes_ + bytes > options_.max_bytes) over_limit_ = true;
  }
}

void Heap::Link(Object* object, size_t bytes) {
  object->next_ = objects_;
  objects_ = object;
  allocated_since_gc_ += bytes;
}

void Heap::Collect() {
  if (collecting_) return;
  collecting_ = true;
  Tracer tracer;
  if (root_tracer_) root_tracer_(tracer);
  for (Value* slot : handles_) tracer.Mark(*slot);
  while (!tracer.worklist_.empty()) {
    Object* o = tracer.worklist_.back();
    tracer.worklist_.pop_back();
    if (o->marked_) continue;
    o->marked_ = true;
    TraceObjectFields(o, tracer);
  }
  Sweep();
  ++collections_;
  allocated_since_gc_ = 0;
  next_gc_ = live_bytes_ < (size_t{4} << 20) ? (size_t{8} << 20)
                                              : live_bytes_ * 2;
  collecting_ = false;
}

void Heap::Sweep() {
  Object** link = &objects_;
  size_t live = 0;
  while (Object* o = *link) {
    if (o->marked_) {
      o->marked_ = false;
      live += ObjectSize(o);
      link = &o->next_;
    } else {
      *link = o->next_;
      DestroyObject(o);
    }
  }
  live_bytes_ = live;
}

}  // namespace eta::vm
