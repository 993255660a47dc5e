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
// The link flag --wrap=nni_plat_ncpu (net/BUILD) sends nng's calls of
// nni_plat_ncpu, its count of cores, here. nng_threads_test checks that
// the override is in effect.
extern "C" int __wrap_nni_plat_ncpu(void) { return 1; }
