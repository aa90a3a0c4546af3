/* What the raw-C benchmark programs share: the error check that ends the
 * program on a GnuTLS error, and the clock they time with.  A program
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

#endif
