/* The C baselines of the actor benchmarks (run.sh): what startup.eta and
 * roundtrip.eta measure, done with plain C, fork/exec, pthreads and nng pair
 * sockets.
 *   spawn_baseline fork DIR N        N times: open a pair socket, listen on
 *                                    ipc://DIR/c-spawn-I.sock, fork and exec
 *                                    this binary as a child (mode child), send
 *                                    a message and wait for the child's reply
 *   spawn_baseline thread N          N times: open a pair socket, listen on
 *                                    inproc, start a thread that opens a pair
 *                                    socket and dials back, send, wait for
 *                                    the reply
 *   spawn_baseline rtt-child DIR N   one fork/exec child over ipc, then N
 *                                    round trips
 *   spawn_baseline rtt-thread N      one thread over inproc, then N round trips
 *   spawn_baseline child URL         (internal) the child: dials URL and
 *                                    echoes until it receives "stop"
 * Start-up modes time each start from opening the parent's socket to the
 * first reply, then stop the child or thread and wait for it to end (not
 * timed), and print fork|thread_{median,mean,min,max}_us. Round-trip modes do
 * one warm-up round trip and print rtt-child|rtt-thread_rtt_us, the mean of
 * N round trips. Messages are 32 bytes, the size of the binary wire form of
 * '(ping 1 2) that the Eta programs send. */
#include "net/bench/nng_bench.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { kMessageSize = 32 };

/* The child or thread: dial back, echo until "stop". */
static void echo(const char *url) {
  nng_socket s = open_pair();
  int rv = nng_dial(s, url, NULL, 0);
  if (rv != 0) die("dial", rv);
  char buffer[256];
  for (;;) {
    size_t k = recv_bytes(s, buffer, sizeof buffer);
    if (k == 4 && memcmp(buffer, "stop", 4) == 0) break;
    send_bytes(s, buffer, k);
  }
  nng_close(s);
}

static void *echo_thread(void *url) {
  echo(url);
  return NULL;
}

/* An actor started by the parent: a child process or a thread. */
struct actor {
  nng_socket s;
  pid_t pid;
  pthread_t thread;
  char url[256];
};

/* start_child: listen on URL, fork and exec this binary in child mode. */
static void start_child(struct actor *a, const char *dir, const char *name) {
  snprintf(a->url, sizeof a->url, "ipc://%s/%s.sock", dir, name);
  a->s = open_pair();
  int rv = nng_listen(a->s, a->url, NULL, 0);
  if (rv != 0) die("listen", rv);
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) {
    perror("spawn_baseline: fork");
    exit(1);
  }
  if (pid == 0) {
    char *argv[] = {"spawn_baseline", "child", a->url, NULL};
    execv("/proc/self/exe", argv);
    perror("spawn_baseline: exec");
    _exit(127);
  }
  a->pid = pid;
}

static void start_thread(struct actor *a, int i) {
  snprintf(a->url, sizeof a->url, "inproc://c-thread-%d", i);
  a->s = open_pair();
  int rv = nng_listen(a->s, a->url, NULL, 0);
  if (rv != 0) die("listen", rv);
  a->pid = 0;
  if (pthread_create(&a->thread, NULL, echo_thread, a->url) != 0) {
    fprintf(stderr, "spawn_baseline: pthread_create failed\n");
    exit(1);
  }
}

/* finish: tell the actor to stop, wait for it to end, close the socket. */
static void finish(struct actor *a) {
  send_bytes(a->s, "stop", 4);
  if (a->pid != 0) {
    int status;
    if (waitpid(a->pid, &status, 0) != a->pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
      fprintf(stderr, "spawn_baseline: child failed (status %d)\n", status);
      exit(1);
    }
  } else {
    pthread_join(a->thread, NULL);
  }
  nng_close(a->s);
}

static void round_trip(nng_socket s) {
  char message[kMessageSize], buffer[256];
  memset(message, 7, sizeof message);
  send_bytes(s, message, sizeof message);
  if (recv_bytes(s, buffer, sizeof buffer) != sizeof message) {
    fprintf(stderr, "spawn_baseline: bad reply\n");
    exit(1);
  }
}

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static void startup(const char *label, const char *dir, long n) {
  double *times = malloc(n * sizeof *times);
  for (long i = 0; i < n; ++i) {
    struct actor a;
    double start = now_us();
    if (dir != NULL) {
      char name[64];
      snprintf(name, sizeof name, "c-spawn-%ld", i);
      start_child(&a, dir, name);
    } else {
      start_thread(&a, (int)i);
    }
    round_trip(a.s);
    times[i] = now_us() - start;
    finish(&a);
  }
  qsort(times, n, sizeof *times, compare_doubles);
  double sum = 0;
  for (long i = 0; i < n; ++i) sum += times[i];
  double median = n % 2 ? times[n / 2] : (times[n / 2 - 1] + times[n / 2]) / 2;
  printf("%s_median_us %f\n%s_mean_us %f\n%s_min_us %f\n%s_max_us %f\n", label, median,
         label, sum / n, label, times[0], label, times[n - 1]);
  free(times);
}

static void round_trips(const char *label, const char *dir, long n) {
  struct actor a;
  if (dir != NULL) {
    start_child(&a, dir, "c-rtt");
  } else {
    start_thread(&a, 0);
  }
  round_trip(a.s);  /* warm-up: the peer is connected */
  double start = now_us();
  for (long i = 0; i < n; ++i) round_trip(a.s);
  double elapsed = now_us() - start;
  finish(&a);
  printf("%s_rtt_us %f\n", label, elapsed / n);
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "child") == 0) {
    echo(argv[2]);
    return 0;
  }
  if (argc == 4 && strcmp(argv[1], "fork") == 0) {
    startup("fork", argv[2], atol(argv[3]));
    return 0;
  }
  if (argc == 3 && strcmp(argv[1], "thread") == 0) {
    startup("thread", NULL, atol(argv[2]));
    return 0;
  }
  if (argc == 4 && strcmp(argv[1], "rtt-child") == 0) {
    round_trips("rtt-child", argv[2], atol(argv[3]));
    return 0;
  }
  if (argc == 3 && strcmp(argv[1], "rtt-thread") == 0) {
    round_trips("rtt-thread", NULL, atol(argv[2]));
    return 0;
  }
  fprintf(stderr,
          "usage: spawn_baseline fork DIR N | thread N | rtt-child DIR N | rtt-thread N\n");
  return 2;
}
