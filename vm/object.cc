// The type table: one descriptor per heap type.
#include <cstddef>

#include "vm/continuation.h"
#include "vm/hash_table.h"
#include "vm/heap.h"
#include "vm/object.h"
#include "vm/port.h"

namespace eta::vm {
namespace {

// TypeDescriptor describes how the heap handles one object type.
struct TypeDescriptor {
  const char* name;
  void (*trace)(Object*, Tracer&);
  void (*destroy)(Object*);
  size_t (*size)(Object*);
};

// Destroyers run the destructor only; the heap releases the memory.
template <typename T>
void DeleteAs(Object* o) {
  static_cast<T*>(o)->~T();
}

template <typename T>
size_t SizeOf(Object*) {
  return sizeof(T);
}

void TraceNothing(Object*, Tracer&) {}

void TraceValues(const std::vector<Value>& values, Tracer& t) {
  for (Value v : values) t.Mark(v);
}

const TypeDescriptor kTypes[] = {
    {"pair",
     [](Object* o, Tracer& t) {
       t.Mark(static_cast<Pair*>(o)->car);
       t.Mark(static_cast<Pair*>(o)->cdr);
     },
     DeleteAs<Pair>, SizeOf<Pair>},
    {"string", TraceNothing, DeleteAs<String>,
     [](Object* o) {
       return sizeof(String) + static_cast<String*>(o)->chars.capacity() * 4;
     }},
    {"symbol", TraceNothing, DeleteAs<Symbol>,
     [](Object* o) {
       // Its name counts: a peer can send many long fresh symbols.
       return sizeof(Symbol) + static_cast<Symbol*>(o)->name.capacity();
     }},
    {"vector",
     [](Object* o, Tracer& t) { TraceValues(static_cast<Vector*>(o)->items, t); },
     DeleteAs<Vector>,
     [](Object* o) {
       return sizeof(Vector) +
              static_cast<Vector*>(o)->items.capacity() * sizeof(Value);
     }},
    {"bytevector", TraceNothing, DeleteAs<Bytevector>,
     [](Object* o) {
       return sizeof(Bytevector) + static_cast<Bytevector*>(o)->bytes.capacity();
     }},
    {"procedure",
     [](Object* o, Tracer& t) {
       auto* c = static_cast<Closure*>(o);
       for (uint32_t i = 0; i < c->count; ++i) t.Mark(c->captured()[i]);
     },
     DeleteAs<Closure>,
     [](Object* o) {
       return sizeof(Closure) + static_cast<Closure*>(o)->count * sizeof(Value);
     }},
    {"procedure", TraceNothing, DeleteAs<Primitive>, SizeOf<Primitive>},
    {"continuation",
     [](Object* o, Tracer& t) {
       auto* k = static_cast<Continuation*>(o);
       TraceValues(k->stack, t);
       for (const Frame& f : k->frames) {
         if (f.closure) t.MarkObject(f.closure);
       }
       t.Mark(k->handlers);
     },
     DeleteAs<Continuation>,
     [](Object* o) {
       auto* k = static_cast<Continuation*>(o);
       return sizeof(Continuation) + k->stack.size() * sizeof(Value) +
              k->frames.size() * sizeof(Frame);
     }},
    {"box", [](Object* o, Tracer& t) { t.Mark(static_cast<Box*>(o)->value); },
     DeleteAs<Box>, SizeOf<Box>},
    {"record-type",
     [](Object* o, Tracer& t) {
       auto* r = static_cast<RecordType*>(o);
       t.Mark(r->name);
       TraceValues(r->field_names, t);
     },
     DeleteAs<RecordType>, SizeOf<RecordType>},
    {"record",
     [](Object* o, Tracer& t) {
       auto* r = static_cast<Record*>(o);
       t.MarkObject(r->type);
       TraceValues(r->fields, t);
     },
     DeleteAs<Record>, SizeOf<Record>},
    {"error object",
     [](Object* o, Tracer& t) {
       auto* e = static_cast<ErrorObject*>(o);
       t.Mark(e->kind);
       t.Mark(e->message);
       t.Mark(e->irritants);
       t.Mark(e->payload);
     },
     DeleteAs<ErrorObject>, SizeOf<ErrorObject>},
    {"multiple values",
     [](Object* o, Tracer& t) {
       TraceValues(static_cast<MultipleValues*>(o)->values, t);
     },
     DeleteAs<MultipleValues>, SizeOf<MultipleValues>},
    {"port", TraceNothing, DeleteAs<Port>,
     [](Object* o) {
       auto* p = static_cast<Port*>(o);
       return sizeof(Port) + p->buffer.capacity() + p->input.capacity();
     }},
    {"hash table",
     [](Object* o, Tracer& t) {
       for (const auto& [key, value] : static_cast<HashTable*>(o)->entries) {
         t.Mark(key);
         t.Mark(value);
       }
     },
     DeleteAs<HashTable>,
     [](Object* o) {
       // Each slot holds a key and a value plus one control byte.
       return sizeof(HashTable) + static_cast<HashTable*>(o)->entries.capacity() *
                                      (2 * sizeof(Value) + 1);
     }},
    {"promise",
     [](Object* o, Tracer& t) { t.Mark(static_cast<Promise*>(o)->value); },
     DeleteAs<Promise>, SizeOf<Promise>},
    {"parameter",
     [](Object* o, Tracer& t) {
       t.Mark(static_cast<Parameter*>(o)->value);
       t.Mark(static_cast<Parameter*>(o)->converter);
     },
     DeleteAs<Parameter>, SizeOf<Parameter>},
    {"foreign",
     [](Object* o, Tracer& t) { static_cast<ForeignObject*>(o)->Trace(t); },
     [](Object* o) { static_cast<ForeignObject*>(o)->~ForeignObject(); },
     [](Object*) { return size_t{128}; }},
};

static_assert(sizeof(kTypes) / sizeof(kTypes[0]) ==
                  static_cast<size_t>(ObjectType::kCount),
              "one descriptor per ObjectType");

const TypeDescriptor& Describe(Object* o) {
  return kTypes[static_cast<size_t>(o->type())];
}

}  // namespace

const char* ObjectTypeName(ObjectType type) {
  return kTypes[static_cast<size_t>(type)].name;
}

void TraceObjectFields(Object* object, Tracer& tracer) {
  Describe(object).trace(object, tracer);
}

void DestroyObject(Object* object) { Describe(object).destroy(object); }

void* AllocationStart(Object* object) {
  if (object->type() == ObjectType::kForeign) {
    return dynamic_cast<void*>(static_cast<ForeignObject*>(object));
  }
  return object;
}

size_t ObjectSize(Object* object) { return Describe(object).size(object); }

void ReleaseObject(Object* object) {
  switch (object->type()) {
    case ObjectType::kPort:
      static_cast<Port*>(object)->Flush();
      break;
    case ObjectType::kForeign:
      static_cast<ForeignObject*>(object)->Release();
      break;
    default:
      break;
  }
}

}  // namespace eta::vm
