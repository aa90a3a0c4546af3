/* The reference for the memory case of scale-bench.scm: the same live
 * sessions held by GnuTLS called from C, so that their ratio measures what
 * the bindings cost a session.
 *
 *   raw-scale memory K   K client sessions in this process, each over its
 *                        own Unix stream socket to a forked child holding
 *                        the K server sessions, handshaken in turn with
 *                        the anonymous priorities; prints the growth of
 *                        this process's RSS from K/10 sessions to K, per
 *                        session (KiB)
 */
#include <gnutls/gnutls.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define RAW_PROGRAM "raw-scale"
#include "raw_support.h"

#define ANON_PRIORITIES "NORMAL:-VERS-TLS1.3:+ANON-ECDH:+ANON-DH"

static void fail(const char *what) {
  perror(what);
  exit(1);
}

/* Make sure COUNT more descriptors may be opened, raising the soft limit
 * up to the hard one if needed; exit 77 (skipped) if that is too low. */
static void ensure_descriptors(long count) {
  struct rlimit limit;
  rlim_t needed = (rlim_t)count + 64;
  if (getrlimit(RLIMIT_NOFILE, &limit) < 0) fail("getrlimit");
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < needed) {
    if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < needed) {
      fprintf(stderr, "skipped: %ld sessions need %lu descriptors; the hard limit is %lu\n", count,
              (unsigned long)needed, (unsigned long)limit.rlim_max);
      exit(77);
    }
    limit.rlim_cur = needed;
    if (setrlimit(RLIMIT_NOFILE, &limit) < 0) fail("setrlimit");
  }
}

static long resident_kib(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long kib = 0;
  if (f == NULL) fail("/proc/self/status");
  while (fgets(line, sizeof line, f) != NULL)
    if (strncmp(line, "VmRSS:", 6) == 0) kib = strtol(line + 6, NULL, 10);
  fclose(f);
  return kib;
}

static gnutls_session_t live_session(unsigned end, void *credentials, int fd) {
  gnutls_session_t s;
  check(gnutls_init(&s, end), "gnutls_init");
  check(gnutls_priority_set_direct(s, ANON_PRIORITIES, NULL), "priorities");
  check(gnutls_credentials_set(s, GNUTLS_CRD_ANON, credentials), "credentials");
  gnutls_transport_set_int(s, fd);
  int r;
  do r = gnutls_handshake(s);
  while (r == GNUTLS_E_INTERRUPTED || r == GNUTLS_E_AGAIN);
  check(r, "handshake");
  return s;
}

/* The child: accept COUNT connections, a server session over each, then
 * hold them until the parent closes CONTROL. */
static void serve(int listener, int control, long count) {
  gnutls_anon_server_credentials_t credentials;
  check(gnutls_anon_allocate_server_credentials(&credentials), "anon server");
  gnutls_session_t *sessions = calloc((size_t)count, sizeof *sessions);
  if (sessions == NULL) fail("calloc");
  for (long i = 0; i < count; i++) {
    int fd = accept(listener, NULL, NULL);
    if (fd < 0) fail("accept");
    sessions[i] = live_session(GNUTLS_SERVER, credentials, fd);
  }
  char byte;
  if (read(control, &byte, 1) < 0) fail("read");
}

static int memory(long count) {
  ensure_descriptors(count);
  const char *tmp = getenv("TMPDIR");
  struct sockaddr_un address = {.sun_family = AF_UNIX};
  char template[sizeof address.sun_path - sizeof "/socket"];
  int length = snprintf(template, sizeof template, "%s/raw-scale-XXXXXX", tmp != NULL ? tmp : "/tmp");
  if (length < 0 || (size_t)length >= sizeof template) {
    fprintf(stderr, "raw-scale: TMPDIR is too long for a socket's name\n");
    return 1;
  }
  if (mkdtemp(template) == NULL) fail("mkdtemp");
  snprintf(address.sun_path, sizeof address.sun_path, "%s/socket", template);

  int listener = socket(AF_UNIX, SOCK_STREAM, 0), control[2];
  if (listener < 0 || bind(listener, (struct sockaddr *)&address, sizeof address) < 0 ||
      listen(listener, 128) < 0)
    fail("listen");
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, control) < 0) fail("socketpair");
  pid_t pid = fork();
  if (pid < 0) fail("fork");
  if (pid == 0) {
    close(control[0]);
    alarm(peer_timeout());
    serve(listener, control[1], count);
    _exit(0);
  }
  close(control[1]);
  close(listener);

  gnutls_anon_client_credentials_t credentials;
  check(gnutls_anon_allocate_client_credentials(&credentials), "anon client");
  gnutls_session_t *sessions = calloc((size_t)count, sizeof *sessions);
  if (sessions == NULL) fail("calloc");
  long tenth = count / 10, rss_tenth = 0;
  for (long i = 0; i < count; i++) {
    if (i == tenth) rss_tenth = resident_kib();
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&address, sizeof address) < 0) fail("connect");
    sessions[i] = live_session(GNUTLS_CLIENT, credentials, fd);
  }
  long rss_all = resident_kib();
  close(control[0]);
  int status;
  waitpid(pid, &status, 0);
  unlink(address.sun_path);
  rmdir(template);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "raw-scale: peer failed (status %#x)\n", status);
    return 1;
  }
  printf("%.2f\n", (double)(rss_all - rss_tenth) / (double)(count - tenth));
  return 0;
}

int main(int argc, char **argv) {
  check(gnutls_global_init(), "global init");
  long count = argc == 3 ? strtol(argv[2], NULL, 10) : 0;
  if (argc == 3 && strcmp(argv[1], "memory") == 0 && count >= 10) return memory(count);
  fprintf(stderr, "usage: raw-scale memory K (K >= 10)\n");
  return 2;
}
