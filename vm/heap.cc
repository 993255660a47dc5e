#include "vm/heap.h"

#include <algorithm>
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
    Free(o);
    o = next;
  }
  for (char* chunk : chunks_) ::operator delete(chunk);
}

void* Heap::Allocate(size_t bytes, uint8_t* size_class) {
#if defined(__SANITIZE_ADDRESS__)
  *size_class = 0;
  return ::operator new(bytes);
#else
  if (bytes > kMaxPooledBytes) {
    *size_class = 0;
    return ::operator new(bytes);
  }
  size_t cls = (bytes + kPoolGranule - 1) / kPoolGranule;
  *size_class = static_cast<uint8_t>(cls);
  if (FreeCell* cell = free_lists_[cls]) {
    free_lists_[cls] = cell->next;
    return cell;
  }
  size_t size = cls * kPoolGranule;
  if (chunk_cursor_ == nullptr || chunk_cursor_ + size > chunk_end_) {
    size_t bytes = next_chunk_bytes_;
    next_chunk_bytes_ = std::min(bytes * 2, kChunkBytes);
    chunk_cursor_ = static_cast<char*>(::operator new(bytes));
    chunk_end_ = chunk_cursor_ + bytes;
    chunks_.push_back(chunk_cursor_);
  }
  void* memory = chunk_cursor_;
  chunk_cursor_ += size;
  return memory;
#endif
}

void Heap::ReleaseResources() {
  for (Object* o = objects_; o != nullptr; o = o->next_) ReleaseObject(o);
}

void Heap::Free(Object* object) {
  uint8_t cls = object->size_class_;
  // The allocation may start before the Object (a ForeignObject's vtable
  // pointer comes first): find its start while the object is whole.
  void* memory = AllocationStart(object);
  DestroyObject(object);
  if (cls == 0) {
    ::operator delete(memory);
    return;
  }
  auto* cell = static_cast<FreeCell*>(memory);
  cell->next = free_lists_[cls];
  free_lists_[cls] = cell;
}

void Heap::MaybeCollect(size_t bytes) {
  over_limit_ = false;
  if (collecting_) return;
  if (options_.stress || allocated_since_gc_ + bytes >= next_gc_) {
    Collect();
  }
  if (live_bytes_ + allocated_since_gc_ + bytes + stack_bytes_ > Limit()) {
    Collect();
    if (live_bytes_ + bytes + stack_bytes_ > Limit()) over_limit_ = true;
  }
}

void Heap::Link(Object* object, size_t bytes, uint8_t size_class) {
  object->size_class_ = size_class;
  object->next_ = objects_;
  objects_ = object;
  allocated_since_gc_ += bytes;
}

void Heap::Freeze() {
  for (Object* o = objects_; o != nullptr; o = o->next_) o->shared_ = true;
  frozen_ = true;
}

void Heap::Collect() {
  if (collecting_ || frozen_) return;
  collecting_ = true;
  Tracer tracer;
  if (root_tracer_) root_tracer_(tracer);
  for (Value* slot : handles_) tracer.Mark(*slot);
  while (!tracer.worklist_.empty()) {
    Object* o = tracer.worklist_.back();
    tracer.worklist_.pop_back();
    if (o->marked_ || o->shared_) continue;
    o->marked_ = true;
    TraceObjectFields(o, tracer);
  }
  if (weak_sweeper_) weak_sweeper_();
  Sweep();
  if (headroom_active_ && live_bytes_ + Headroom() < options_.max_bytes) {
    headroom_active_ = false;
  }
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
      Free(o);
    }
  }
  live_bytes_ = live;
}

}  // namespace eta::vm
