// Link-time corrections of nng 1.5 (Debian's libnng, linked statically).
//
// Each is a --wrap link flag (net/BUILD) that sends nng's calls of one
// function here; nng_patches_test checks that each is in effect.
#include "net/nng_patches.h"

#include <sys/epoll.h>

#include <string_view>

// How many threads nng starts in each process.
//
// nng 1.5 sizes two of its thread pools by the number of cores: two
// task-queue threads per core and one timer-expiry thread per core (the
// build knob NNG_NUM_TASKQ_THREADS, unset in Debian's build, would fix the
// count). With its poller, reaper, timer and resolver threads that makes
// 13 threads on two cores, started by every process that opens a socket:
// every child of spawn. In Eta those threads only move bytes between
// sockets (each actor runs on a VM thread of its own), which two
// task-queue threads and one expiry thread do as well, and the three
// threads fewer save each child about 0.2 ms of CPU to start, wake and
// tear them down (8 children of stdlib/bench/worker_pool on one core).
//
// --wrap=nni_plat_ncpu: nng's count of cores.
extern "C" int __wrap_nni_plat_ncpu(void) { return 1; }

// A descriptor nng's poller must not spin on.
//
// nng 1.5 adds each descriptor to its epoll set with no events and arms it
// later (EPOLLONESHOT with the events it waits for). But epoll reports a
// hang-up whether asked or not, and a stream socket that is not connected
// yet polls as hung up: an ipc dial adds its socket before it connects,
// and a dial that fails leaves it there until the reaper closes it. For as
// long as that lasts the poller thread wakes again and again (thousands of
// times when the dialing thread is preempted in between, on a busy
// machine: the CPU the other threads and processes were waiting for).
// Adding such a descriptor one-shot reports that hang-up once, as nng's
// armed descriptors are; nng's handlers already take a spurious hang-up
// (the spinning poller delivered it over and over), and arming it later
// modifies the registration as before, which enables it again.
//
// --wrap=epoll_ctl: nng's calls of epoll_ctl (this program makes none of
// its own).
extern "C" int __real_epoll_ctl(int epfd, int op, int fd, struct epoll_event* event);
extern "C" int __wrap_epoll_ctl(int epfd, int op, int fd, struct epoll_event* event) {
  if (op == EPOLL_CTL_ADD && event != nullptr &&
      (event->events & (EPOLLIN | EPOLLOUT | EPOLLPRI | EPOLLRDHUP)) == 0) {
    struct epoll_event once = *event;
    once.events |= EPOLLONESHOT;
    return __real_epoll_ctl(epfd, op, fd, &once);
  }
  return __real_epoll_ctl(epfd, op, fd, event);
}

// nng's resolver threads, started when the first endpoint needs them.
//
// nng 1.5 starts four threads for name resolution in every process that
// opens a socket, but only endpoints that name a host (tcp, tls, ws) use
// them; an actor's mailbox (ipc) never does. Starting and ending them cost
// every spawned child about 0.1 ms of CPU.
//
// --wrap=nni_posix_resolv_sysinit: nng's start of the resolver, at its
// initialisation, does nothing; StartNngResolver (net/nng_patches.h) runs
// it, once, and Socket calls that before it makes an endpoint that needs
// it (NeedsNngResolver).
extern "C" int __real_nni_posix_resolv_sysinit(void);
extern "C" int __wrap_nni_posix_resolv_sysinit(void) { return 0; }

namespace eta::net {

bool NeedsNngResolver(std::string_view url) {
  for (std::string_view local : {"ipc://", "inproc://", "abstract://"}) {
    if (url.substr(0, local.size()) == local) return false;
  }
  return true;
}

int StartNngResolver() {
  static const int started = __real_nni_posix_resolv_sysinit();
  return started;
}

}  // namespace eta::net
