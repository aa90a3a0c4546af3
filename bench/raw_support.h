/* What the raw-C benchmark programs share: the error check that ends the
 * program on a GnuTLS error, the clock they time with, and how long a
 * forked peer may live.  A program
 * defines RAW_PROGRAM, its name for error messages, before including it.
 * Inline, so that a program that does not time draws no warning. */
#ifndef RAW_SUPPORT_H
#define RAW_SUPPORT_H

#include <gnutls/gnutls.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#ifndef RAW_PROGRAM
#error "define RAW_PROGRAM before including raw_support.h"
/* Seconds after which a forked peer is ended by SIGALRM, so that a hung
 * run cannot outlive the benchmark: BENCH_PEER_TIMEOUT (bench/run raises it
 * for the runs under callgrind, some fifty times slower), or 600. */
static inline unsigned peer_timeout(void) {
  const char *text = getenv("BENCH_PEER_TIMEOUT");
  long seconds = text ? strtol(text, NULL, 10) : 0;
  return seconds > 0 ? (unsigned)seconds : 600;
}

#endif

static inline void check(int r, const char *what) {
  if (r < 0) {
    fprintf(stderr, RAW_PROGRAM ": %s: %s\n", what, gnutls_strerror(r));
    exit(1);
  }
}

/* Monotonic wall-clock seconds. */
static inline double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Seconds after which a forked peer is ended by SIGALRM, so that a hung
 * run cannot outlive the benchmark: BENCH_PEER_TIMEOUT (bench/run raises it
 * for the runs under callgrind, some fifty times slower), or 600. */
static inline unsigned peer_timeout(void) {
  const char *text = getenv("BENCH_PEER_TIMEOUT");
  long seconds = text ? strtol(text, NULL, 10) : 0;
  return seconds > 0 ? (unsigned)seconds : 600;
}

#endif
