/* Helpers shared by the C baselines of the socket and actor benchmarks
 * (raw_nng.c, actors/spawn_baseline.c): nng pair sockets set up as Eta's
 * are, blocking send and receive that exit on failure, a microsecond clock. */
#ifndef ETA_NET_BENCH_NNG_BENCH_H_
#define ETA_NET_BENCH_NNG_BENCH_H_

#include <nng/nng.h>
#include <nng/protocol/pair1/pair.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static void die(const char *what, int rv) {
  fprintf(stderr, "nng baseline: %s: %s\n", what, nng_strerror(rv));
  exit(1);
}

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Pair sockets set up as Eta's are (buffers of 1024 messages). */
static nng_socket open_pair(void) {
  nng_socket s;
  int rv = nng_pair1_open(&s);
  if (rv != 0) die("open", rv);
  nng_socket_set_int(s, NNG_OPT_RECVBUF, 1024);
  nng_socket_set_int(s, NNG_OPT_SENDBUF, 1024);
  return s;
}

static void send_bytes(nng_socket s, const char *data, size_t n) {
  int rv = nng_send(s, (void *)data, n, 0);
  if (rv != 0) die("send", rv);
}

static size_t recv_bytes(nng_socket s, char *buffer, size_t size) {
  size_t n = size;
  int rv = nng_recv(s, buffer, &n, 0);
  if (rv != 0) die("recv", rv);
  return n;
}

#endif  /* ETA_NET_BENCH_NNG_BENCH_H_ */
