/* The raw nng baseline of the socket benchmark (net/bench/run.sh): the same
 * pattern as ping.eta / pong.eta with plain C and nng pair sockets.
 *   raw_nng ping URL MODE N | raw_nng pong URL MODE N   (two processes)
 *   raw_nng inproc MODE N                                (two threads)
 * MODE is latency (N round trips of a 20-byte message) or throughput (N
 * one-way 64-byte messages, then one reply). Prints what ping.eta prints. */
#include "net/bench/nng_bench.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct args {
  const char *url;
  int latency;
  long n;
};

static void *pong(void *p) {
  struct args *a = p;
  nng_socket s = open_pair();
  int rv = nng_listen(s, a->url, NULL, 0);
  if (rv != 0) die("listen", rv);
  char buffer[256];
  size_t k = recv_bytes(s, buffer, sizeof buffer);
  send_bytes(s, buffer, k);
  for (long i = 0; i < a->n; ++i) {
    k = recv_bytes(s, buffer, sizeof buffer);
    if (a->latency) send_bytes(s, buffer, k);
  }
  if (!a->latency) send_bytes(s, "done", 4);
  nng_close(s);
  return NULL;
}

static void ping(struct args *a) {
  nng_socket s = open_pair();
  int rv = nng_dial(s, a->url, NULL, NNG_FLAG_NONBLOCK);
  if (rv != 0) die("dial", rv);
  char buffer[256];
  send_bytes(s, "hello", 5);
  recv_bytes(s, buffer, sizeof buffer);
  char message[64];
  memset(message, 7, sizeof message);
  double start = now_us();
  if (a->latency) {
    for (long i = 0; i < a->n; ++i) {
      send_bytes(s, message, 20);
      recv_bytes(s, buffer, sizeof buffer);
    }
    printf("latency_us %f\n", (now_us() - start) / a->n);
  } else {
    for (long i = 0; i < a->n; ++i) send_bytes(s, message, 64);
    recv_bytes(s, buffer, sizeof buffer);
    printf("throughput_per_s %f\n", a->n * 1e6 / (now_us() - start));
  }
  nng_close(s);
}

int main(int argc, char **argv) {
  struct args a;
  if (argc == 4 && strcmp(argv[1], "inproc") == 0) {
    a.url = "inproc://raw-bench";
    a.latency = strcmp(argv[2], "latency") == 0;
    a.n = atol(argv[3]);
    pthread_t thread;
    pthread_create(&thread, NULL, pong, &a);
    ping(&a);
    pthread_join(thread, NULL);
    return 0;
  }
  if (argc != 5) {
    fprintf(stderr, "usage: raw_nng ping|pong URL latency|throughput N\n"
                    "       raw_nng inproc latency|throughput N\n");
    return 2;
  }
  a.url = argv[2];
  a.latency = strcmp(argv[3], "latency") == 0;
  a.n = atol(argv[4]);
  if (strcmp(argv[1], "pong") == 0) {
    pong(&a);
  } else {
    ping(&a);
  }
  return 0;
}
