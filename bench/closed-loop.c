/*
 * Keep-alive connections, each with one request at a time, for a number of seconds: the
 * latency of every request from just before its write to the last byte of its answer, on
 * CLOCK_MONOTONIC. Like wrk, two threads (one for one connection) each wait in epoll on
 * their share of the connections; unlike wrk, every sample is one measured request.
 * wrk "corrects" its latencies for coordinated omission: every latency longer than twice
 * a connection's mean interval between requests adds made-up samples below it, as if
 * requests had been due at that interval. A closed loop has no schedule to fall behind,
 * and the faster server (the shorter interval) gets the most made-up samples.
 * bench/closed-loop.ts compiles and runs it for bench:latency. It prints the sum of the
 * samples over the connections: per connection it cannot exceed the run's length.
 *
 * usage: closed-loop PORT SECONDS CONNECTIONS GET PATH
 *        closed-loop PORT SECONDS CONNECTIONS PUT PATH-PREFIX FORM-BODY
 *   (a PUT goes to PATH-PREFIX followed by the connection's number, from 0)
 * prints: requests=N errors=N seconds=S sum_us=U mean_us=U p50_us=U p99_us=U p999_us=U
 *   (sum_us: the samples' sum divided by the connections)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF (1 << 20)

static int port;
static double stop_at;

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

struct conn {
  int fd;
  char *req;
  size_t len;
  char *buf;
  size_t got;
  long need; /* bytes of the whole answer, -1 until its head is read */
  int chunked, closes, in_body;
  double start;
  double *lat;
  size_t n, have;
  long errors;
};

static void dial(struct conn *c) {
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
  c->fd = s;
}

/* Sends the next request (blocking: a few hundred bytes into an empty socket buffer); a
 * connection that cannot take it ends the run. */
static void send_request(struct conn *c) {
  c->got = 0;
  c->need = -1;
  c->chunked = c->closes = c->in_body = 0;
  c->start = now_us();
  const char *p = c->req;
  size_t n = c->len;
  while (n > 0) {
    ssize_t w = write(c->fd, p, n);
    if (w <= 0) {
      perror("closed-loop: write");
      exit(2);
    }
    p += w;
    n -= (size_t)w;
  }
}

/* After a read: 1 when the answer is whole, 0 when more is due. */
static int answer_done(struct conn *c) {
  c->buf[c->got] = 0;
  if (!c->in_body) {
    char *end = strstr(c->buf, "\r\n\r\n");
    if (end == NULL) return 0;
    c->in_body = 1;
    *end = 0; /* the searches below look at the head only */
    char *cl = strcasestr(c->buf, "\r\ncontent-length:");
    c->chunked = strcasestr(c->buf, "\r\ntransfer-encoding: chunked") != NULL;
    c->closes = strcasestr(c->buf, "\r\nconnection: close") != NULL;
    if (cl != NULL) c->need = (end + 4 - c->buf) + atol(cl + 17);
    *end = '\r';
  }
  if (c->need >= 0) return (long)c->got >= c->need;
  if (c->chunked) return c->got >= 5 && memcmp(c->buf + c->got - 5, "0\r\n\r\n", 5) == 0;
  return 1; /* no body (204, 304) */
}

static void record(struct conn *c, int ok) {
  double t = now_us() - c->start;
  if (!ok) c->errors++;
  if (c->n == c->have) {
    c->have *= 2;
    c->lat = realloc(c->lat, c->have * sizeof(double));
  }
  c->lat[c->n++] = t;
}

struct share {
  struct conn *cs;
  int count;
};

static void *run(void *arg) {
  struct share *sh = arg;
  int ep = epoll_create1(0);
  for (int i = 0; i < sh->count; i++) {
    struct conn *c = &sh->cs[i];
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
    send_request(c);
  }
  struct epoll_event evs[64];
  while (now_us() < stop_at) {
    int k = epoll_wait(ep, evs, 64, 100);
    if (k < 0 && errno != EINTR) break;
    for (int e = 0; e < k; e++) {
      struct conn *c = evs[e].data.ptr;
      ssize_t r = read(c->fd, c->buf + c->got, BUF - 1 - c->got);
      int broken = r <= 0 || c->got + (size_t)r >= BUF - 1;
      if (!broken) {
        c->got += (size_t)r;
        if (!answer_done(c)) continue;
        int status = c->got > 12 ? atoi(c->buf + 9) : 0;
        record(c, status >= 200 && status <= 399);
      } else {
        record(c, 0);
      }
      if (broken || c->closes) {
        epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
        dial(c);
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
      }
      if (now_us() < stop_at) send_request(c);
    }
  }
  close(ep);
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
  for (int i = 0; i < conns; i++) {
    struct conn *c = &cs[i];
    size_t cap = strlen(argv[5]) + (put ? strlen(argv[6]) : 0) + 256;
    c->req = malloc(cap);
    int len = put ? snprintf(c->req, cap,
                             "PUT %s%d HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: "
                             "application/x-www-form-urlencoded\r\nContent-Length: %zu\r\n\r\n%s",
                             argv[5], i, port, strlen(argv[6]), argv[6])
                  : snprintf(c->req, cap, "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n",
                             argv[5], port);
    c->len = (size_t)len;
    c->buf = malloc(BUF);
    c->have = 1 << 14;
    c->lat = malloc(c->have * sizeof(double));
    dial(c);
  }
  int threads = conns > 1 ? 2 : 1;
  struct share sh[2];
  pthread_t ts[2];
  double start = now_us();
  stop_at = start + seconds * 1e6;
  for (int t = 0, from = 0; t < threads; t++) {
    int count = conns / threads + (t < conns % threads);
    sh[t].cs = cs + from;
    sh[t].count = count;
    from += count;
    pthread_create(&ts[t], NULL, run, &sh[t]);
  }
  for (int t = 0; t < threads; t++) pthread_join(ts[t], NULL);
  double elapsed = now_us() - start;
  size_t n = 0;
  long errors = 0;
  for (int i = 0; i < conns; i++) {
    n += cs[i].n;
    errors += cs[i].errors;
  }
  if (n == 0) return 1;
  double *all = malloc(n * sizeof(double)), sum = 0;
  for (int i = 0, k = 0; i < conns; i++) {
    for (size_t j = 0; j < cs[i].n; j++) {
      all[k++] = cs[i].lat[j];
      sum += cs[i].lat[j];
    }
  }
  qsort(all, n, sizeof(double), cmp);
  printf("requests=%zu errors=%ld seconds=%.6f sum_us=%.0f mean_us=%.1f p50_us=%.1f p99_us=%.1f "
         "p999_us=%.1f\n",
         n, errors, elapsed / 1e6, sum / conns, sum / (double)n, all[n / 2],
         all[(size_t)((double)n * 0.99)], all[(size_t)((double)n * 0.999)]);
  return 0;
}
