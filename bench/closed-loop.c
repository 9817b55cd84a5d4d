/*
 * Keep-alive connections, each with one request at a time, for a number of seconds: the
 * latency of every request from just before its write to the last byte of its answer, on
 * CLOCK_MONOTONIC, with blocking reads (one thread per connection sleeps on its socket,
 * as a client such as etcdctl does). bench/closed-loop.ts compiles and runs it for the
 * latency figures. wrk "corrects" its latencies for coordinated omission: every latency
 * longer than twice a connection's mean interval between requests adds made-up samples
 * below it, as if requests had been due at that interval. A closed-loop client has no
 * schedule to fall behind, and the faster server (the shorter interval) gets the most
 * made-up samples, so here every sample is one measured request. The sum of the samples
 * is printed: per connection it cannot exceed the run's length.
 *
 * usage: closed-loop PORT SECONDS CONNECTIONS GET PATH
 *        closed-loop PORT SECONDS CONNECTIONS PUT PATH-PREFIX FORM-BODY
 *   (a PUT goes to PATH-PREFIX followed by the connection's number, from 0)
 * prints: requests=N errors=N seconds=S sum_us=U p50_us=U p99_us=U p999_us=U
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int port;
static double stop_at;

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int dial(void) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)port);
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) != 0) {
    perror("closed-loop: connect");
    exit(2);
  }
  int one = 1;
  setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return s;
}

static int write_all(int s, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(s, p, n);
    if (w <= 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Reads one whole answer; returns its status, 0 when the connection broke. Sets *closes
 * when the server said it closes the connection. */
static int read_answer(int s, char *buf, size_t cap, int *closes) {
  size_t got = 0;
  long need = -1;
  int chunked = 0;
  char *body = NULL;
  for (;;) {
    if (got + 1 >= cap) return 0;
    ssize_t r = read(s, buf + got, cap - 1 - got);
    if (r <= 0) return 0;
    got += (size_t)r;
    buf[got] = 0;
    if (body == NULL) {
      char *end = strstr(buf, "\r\n\r\n");
      if (end == NULL) continue;
      body = end + 4;
      *end = 0; /* the searches below look at the head only */
      char *cl = strcasestr(buf, "\r\ncontent-length:");
      chunked = strcasestr(buf, "\r\ntransfer-encoding: chunked") != NULL;
      *closes = strcasestr(buf, "\r\nconnection: close") != NULL;
      if (cl != NULL) need = (body - buf) + atol(cl + 17);
      *end = '\r';
    }
    if (need >= 0 && (long)got >= need) break;
    if (chunked && got >= 5 && memcmp(buf + got - 5, "0\r\n\r\n", 5) == 0) break;
    if (need < 0 && !chunked) break; /* no body (204, 304) */
  }
  return got > 12 ? atoi(buf + 9) : 0;
}

struct conn {
  char *req;
  size_t len;
  double *lat;
  size_t n, have;
  long errors;
};

static void *run(void *arg) {
  struct conn *c = arg;
  size_t cap = 1 << 20;
  char *buf = malloc(cap);
  int s = dial();
  for (;;) {
    double t0 = now_us();
    if (t0 >= stop_at) break;
    int closes = 0;
    int status = write_all(s, c->req, c->len) == 0 ? read_answer(s, buf, cap, &closes) : 0;
    double t1 = now_us();
    if (status < 200 || status > 399) c->errors++;
    if (status == 0 || closes) {
      close(s);
      s = dial();
    }
    if (c->n == c->have) {
      c->have *= 2;
      c->lat = realloc(c->lat, c->have * sizeof(double));
    }
    c->lat[c->n++] = t1 - t0;
  }
  close(s);
  free(buf);
  return NULL;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  int put = argc > 4 && strcmp(argv[4], "PUT") == 0;
  if (argc < 6 || (put && argc < 7)) {
    fprintf(stderr, "usage: closed-loop PORT SECONDS CONNECTIONS GET|PUT PATH [FORM-BODY]\n");
    return 2;
  }
  port = atoi(argv[1]);
  double seconds = atof(argv[2]);
  int conns = atoi(argv[3]);
  if (conns < 1) conns = 1;
  struct conn *cs = calloc((size_t)conns, sizeof *cs);
  pthread_t *ts = calloc((size_t)conns, sizeof *ts);
  for (int i = 0; i < conns; i++) {
    size_t cap = strlen(argv[5]) + (put ? strlen(argv[6]) : 0) + 256;
    cs[i].req = malloc(cap);
    int len = put ? snprintf(cs[i].req, cap,
                             "PUT %s%d HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: "
                             "application/x-www-form-urlencoded\r\nContent-Length: %zu\r\n\r\n%s",
                             argv[5], i, port, strlen(argv[6]), argv[6])
                  : snprintf(cs[i].req, cap, "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n",
                             argv[5], port);
    cs[i].len = (size_t)len;
    cs[i].have = 1 << 14;
    cs[i].lat = malloc(cs[i].have * sizeof(double));
  }
  double start = now_us();
  stop_at = start + seconds * 1e6;
  for (int i = 0; i < conns; i++) pthread_create(&ts[i], NULL, run, &cs[i]);
  size_t n = 0;
  long errors = 0;
  for (int i = 0; i < conns; i++) {
    pthread_join(ts[i], NULL);
    n += cs[i].n;
    errors += cs[i].errors;
  }
  double elapsed = now_us() - start;
  if (n == 0) return 1;
  double *all = malloc(n * sizeof(double)), sum = 0;
  for (int i = 0, k = 0; i < conns; i++) {
    for (size_t j = 0; j < cs[i].n; j++) {
      all[k++] = cs[i].lat[j];
      sum += cs[i].lat[j];
    }
  }
  qsort(all, n, sizeof(double), cmp);
  printf("requests=%zu errors=%ld seconds=%.6f sum_us=%.0f p50_us=%.1f p99_us=%.1f p999_us=%.1f\n",
         n, errors, elapsed / 1e6, sum / conns, all[n / 2], all[(size_t)((double)n * 0.99)],
         all[(size_t)((double)n * 0.999)]);
  return 0;
}
