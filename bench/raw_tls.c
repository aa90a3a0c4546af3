/* The reference: GnuTLS driven directly from C, with the same socketpair,
 * priorities and credentials as the Scheme cases in tls-bench.scm, so that
 * their ratio measures what the bindings cost and nothing else.
 *
 *   raw-tls bulk BYTES WRITE-SIZE        prints MB/s (writer: parent)
 *   raw-tls handshakes anon COUNT        prints handshakes/s
 *   raw-tls handshakes x509 COUNT KEY CERT
 *   raw-tls handshakes resumed COUNT KEY CERT   X.509, every one resumed
 *   raw-tls handshakes resumed-tls12 COUNT KEY CERT   the same, TLS 1.2 only
 *   raw-tls make-certificate KEY CERT    writes a self-signed ECDSA pair
 *
 * Each session parses its priority string (gnutls_priority_set_direct), as
 * most C programs do.  With RAW_TLS_PRIORITIES_ONCE set in the environment,
 * each string is parsed once and the sessions share the result, as the
 * bindings do: bench/cpu-work counts the instructions of both.
 */
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RAW_PROGRAM "raw-tls"
#include "raw_support.h"

#define ANON_PRIORITIES "NORMAL:-VERS-TLS1.3:+ANON-ECDH:+ANON-DH"
#define X509_PRIORITIES "NORMAL"
#define TLS12_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.2"

static const char *x509_priorities = X509_PRIORITIES;

struct credentials {
  int x509;
  gnutls_anon_client_credentials_t anon_client;
  gnutls_anon_server_credentials_t anon_server;
  gnutls_certificate_credentials_t certificate;
};

static void set_priorities(gnutls_session_t s, const char *string) {
  static int once = -1;
  static const char *parsed_string;
  static gnutls_priority_t parsed;
  if (once < 0) once = getenv("RAW_TLS_PRIORITIES_ONCE") != NULL;
  if (!once) {
    check(gnutls_priority_set_direct(s, string, NULL), "priorities");
    return;
  }
  if (string != parsed_string) {
    if (parsed_string != NULL) gnutls_priority_deinit(parsed);
    check(gnutls_priority_init(&parsed, string, NULL), "priority_init");
    parsed_string = string;
  }
  check(gnutls_priority_set(s, parsed), "priorities");
}

static gnutls_session_t make_session(unsigned end, const struct credentials *c, int fd) {
  gnutls_session_t s;
  check(gnutls_init(&s, end), "gnutls_init");
  if (c->x509) {
    set_priorities(s, x509_priorities);
    check(gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, c->certificate), "credentials");
  } else {
    set_priorities(s, ANON_PRIORITIES);
    check(gnutls_credentials_set(s, GNUTLS_CRD_ANON,
                                 end == GNUTLS_SERVER ? (void *)c->anon_server : (void *)c->anon_client),
          "credentials");
  }
  gnutls_transport_set_int(s, fd);
  return s;
}

static void handshake(gnutls_session_t s) {
  int r;
  do r = gnutls_handshake(s);
  while (r == GNUTLS_E_INTERRUPTED || r == GNUTLS_E_AGAIN);
  check(r, "handshake");
}

static void send_all(gnutls_session_t s, const char *data, size_t size) {
  while (size > 0) {
    ssize_t n = gnutls_record_send(s, data, size);
    if (n == GNUTLS_E_INTERRUPTED || n == GNUTLS_E_AGAIN) continue;
    check((int)n, "record_send");
    data += n;
    size -= (size_t)n;
  }
}

static void anonymous_credentials(struct credentials *c, unsigned end) {
  memset(c, 0, sizeof *c);
  if (end == GNUTLS_SERVER)
    check(gnutls_anon_allocate_server_credentials(&c->anon_server), "anon server");
  else
    check(gnutls_anon_allocate_client_credentials(&c->anon_client), "anon client");
}

/* Fork a server child running `serve` on one end of a socketpair; return
 * the parent's end. */
static int fork_peer(void (*serve)(int fd, void *arg), void *arg, pid_t *pid) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) {
    perror("socketpair");
    exit(1);
  }
  *pid = fork();
  if (*pid == 0) {
    close(sv[0]);
    alarm(peer_timeout());
    serve(sv[1], arg);
    _exit(0);
  }
  close(sv[1]);
  return sv[0];
}

static void reap(pid_t pid) {
  int status;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "raw-tls: peer failed (status %#x)\n", status);
    exit(1);
  }
}

/* Bulk: the child reads everything (64 KiB buffer) and answers one byte. */
struct bulk_args {
  size_t total;
};

static void bulk_reader(int fd, void *arg) {
  size_t total = ((struct bulk_args *)arg)->total, got = 0;
  struct credentials c;
  anonymous_credentials(&c, GNUTLS_SERVER);
  gnutls_session_t s = make_session(GNUTLS_SERVER, &c, fd);
  handshake(s);
  static char buffer[65536];
  while (got < total) {
    ssize_t n = gnutls_record_recv(s, buffer, sizeof buffer);
    if (n == GNUTLS_E_INTERRUPTED || n == GNUTLS_E_AGAIN) continue;
    check((int)n, "record_recv");
    if (n == 0) exit(1);
    got += (size_t)n;
  }
  send_all(s, "k", 1);
  /* The writer says goodbye once it has the answer. */
  ssize_t n;
  do n = gnutls_record_recv(s, buffer, sizeof buffer);
  while (n == GNUTLS_E_INTERRUPTED || n == GNUTLS_E_AGAIN);
  if (n != 0) exit(1);
  gnutls_deinit(s);
}

static int bulk(size_t total, size_t write_size) {
  struct bulk_args args = {total};
  pid_t pid;
  int fd = fork_peer(bulk_reader, &args, &pid);
  struct credentials c;
  anonymous_credentials(&c, GNUTLS_CLIENT);
  gnutls_session_t s = make_session(GNUTLS_CLIENT, &c, fd);
  handshake(s);
  char *data = calloc(1, write_size);
  double start = now();
  for (size_t sent = 0; sent < total; sent += write_size)
    send_all(s, data, total - sent < write_size ? total - sent : write_size);
  char ack;
  ssize_t n;
  do n = gnutls_record_recv(s, &ack, 1);
  while (n == GNUTLS_E_INTERRUPTED || n == GNUTLS_E_AGAIN);
  check((int)n, "ack");
  double elapsed = now() - start;
  check(gnutls_bye(s, GNUTLS_SHUT_WR), "bye");
  printf("%.2f\n", (double)total / elapsed / 1e6);
  gnutls_deinit(s);
  close(fd);
  reap(pid);
  free(data);
  return 0;
}

/* Handshakes: COUNT sessions in turn over one socketpair; each ends with a
 * close_notify both ways so the next one starts on a clean stream.  The
 * first few, untimed, take first-use costs out of the measure. */
#define WARM_UP 10
struct handshake_args {
  int count;
  int x509;
  const char *key, *cert;
  int resumed; /* X.509 sessions resuming the first one, with a ticket */
};

static void load_credentials(struct credentials *c, const struct handshake_args *a, unsigned end) {
  if (!a->x509) {
    anonymous_credentials(c, end);
    return;
  }
  memset(c, 0, sizeof *c);
  c->x509 = 1;
  check(gnutls_certificate_allocate_credentials(&c->certificate), "certificate credentials");
  if (end == GNUTLS_SERVER)
    check(gnutls_certificate_set_x509_key_file(c->certificate, a->cert, a->key, GNUTLS_X509_FMT_PEM),
          "key files");
}

static void one_session(unsigned end, const struct credentials *c, int fd) {
  gnutls_session_t s = make_session(end, c, fd);
  handshake(s);
  int r;
  do r = gnutls_bye(s, GNUTLS_SHUT_RDWR);
  while (r == GNUTLS_E_INTERRUPTED || r == GNUTLS_E_AGAIN);
  check(r, "bye");
  gnutls_deinit(s);
}

/* A resumed session: the server's sessions share one ticket key, the
 * client's offer the data of the first, full, handshake (`data` null for
 * it, which it fills).  The first session is not timed; a session that
 * fails to resume is an error, since it would measure full handshakes. */
static void one_resumed_session(unsigned end, const struct credentials *c, int fd,
                                const gnutls_datum_t *ticket_key, gnutls_datum_t *data, int first) {
  gnutls_session_t s = make_session(end, c, fd);
  if (end == GNUTLS_SERVER)
    check(gnutls_session_ticket_enable_server(s, ticket_key), "ticket key");
  else if (!first)
    check(gnutls_session_set_data(s, data->data, data->size), "session data");
  handshake(s);
  if (!first && !gnutls_session_is_resumed(s)) {
    fprintf(stderr, "raw-tls: a session was not resumed\n");
    exit(1);
  }
  int r;
  do r = gnutls_bye(s, GNUTLS_SHUT_RDWR);
  while (r == GNUTLS_E_INTERRUPTED || r == GNUTLS_E_AGAIN);
  check(r, "bye");
  if (end == GNUTLS_CLIENT && first) check(gnutls_session_get_data2(s, data), "get session data");
  gnutls_deinit(s);
}

static void handshake_server(int fd, void *arg) {
  struct handshake_args *a = arg;
  struct credentials c;
  load_credentials(&c, a, GNUTLS_SERVER);
  gnutls_datum_t ticket_key = {NULL, 0};
  if (a->resumed) check(gnutls_session_ticket_key_generate(&ticket_key), "ticket key");
  for (int i = 0; i < WARM_UP + a->count + a->resumed; i++) {
    if (a->resumed)
      one_resumed_session(GNUTLS_SERVER, &c, fd, &ticket_key, NULL, i == 0);
    else
      one_session(GNUTLS_SERVER, &c, fd);
  }
}

static void client_session(const struct handshake_args *a, const struct credentials *c, int fd,
                           gnutls_datum_t *data) {
  if (a->resumed)
    one_resumed_session(GNUTLS_CLIENT, c, fd, NULL, data, 0);
  else
    one_session(GNUTLS_CLIENT, c, fd);
}

static int handshakes(struct handshake_args *a) {
  pid_t pid;
  int fd = fork_peer(handshake_server, a, &pid);
  struct credentials c;
  load_credentials(&c, a, GNUTLS_CLIENT);
  gnutls_datum_t data = {NULL, 0};
  if (a->resumed) one_resumed_session(GNUTLS_CLIENT, &c, fd, NULL, &data, 1);
  for (int i = 0; i < WARM_UP; i++) client_session(a, &c, fd, &data);
  double start = now();
  for (int i = 0; i < a->count; i++) client_session(a, &c, fd, &data);
  double elapsed = now() - start;
  printf("%.2f\n", a->count / elapsed);
  gnutls_free(data.data);
  close(fd);
  reap(pid);
  return 0;
}

static void write_datum(const char *file, const gnutls_datum_t *d) {
  FILE *f = fopen(file, "w");
  if (f == NULL || fwrite(d->data, 1, d->size, f) != d->size || fclose(f) != 0) {
    perror(file);
    exit(1);
  }
}

static int make_certificate(const char *key_file, const char *cert_file) {
  gnutls_x509_privkey_t key;
  gnutls_x509_crt_t crt;
  gnutls_datum_t out;
  check(gnutls_x509_privkey_init(&key), "privkey");
  check(
      gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0),
      "generate");
  check(gnutls_x509_crt_init(&crt), "crt");
  check(gnutls_x509_crt_set_version(crt, 3), "version");
  unsigned char serial[] = {1};
  check(gnutls_x509_crt_set_serial(crt, serial, sizeof serial), "serial");
  time_t t = time(NULL);
  check(gnutls_x509_crt_set_activation_time(crt, t - 3600), "activation");
  check(gnutls_x509_crt_set_expiration_time(crt, t + 86400 * 365), "expiration");
  check(gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, "localhost", 9), "dn");
  check(gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, "localhost", 9, GNUTLS_FSAN_SET),
        "san");
  check(gnutls_x509_crt_set_key(crt, key), "set key");
  check(gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE), "key usage");
  check(gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0), "sign");
  check(gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &out), "export key");
  write_datum(key_file, &out);
  gnutls_free(out.data);
  check(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &out), "export cert");
  write_datum(cert_file, &out);
  gnutls_free(out.data);
  gnutls_x509_crt_deinit(crt);
  gnutls_x509_privkey_deinit(key);
  return 0;
}

int main(int argc, char **argv) {
  check(gnutls_global_init(), "global init");
  if (argc == 4 && strcmp(argv[1], "bulk") == 0)
    return bulk(strtoull(argv[2], NULL, 10), strtoull(argv[3], NULL, 10));
  if (argc >= 4 && strcmp(argv[1], "handshakes") == 0) {
    int tls12 = strcmp(argv[2], "resumed-tls12") == 0;
    int resumed = tls12 || strcmp(argv[2], "resumed") == 0;
    if (tls12) x509_priorities = TLS12_PRIORITIES;
    struct handshake_args a = {atoi(argv[3]), resumed || strcmp(argv[2], "x509") == 0, NULL, NULL, resumed};
    if (a.x509) {
      if (argc != 6) goto usage;
      a.key = argv[4];
      a.cert = argv[5];
    }
    return handshakes(&a);
  }
  if (argc == 4 && strcmp(argv[1], "make-certificate") == 0) return make_certificate(argv[2], argv[3]);
usage:
  fprintf(stderr,
          "usage: raw-tls bulk BYTES WRITE-SIZE | handshakes anon COUNT | "
          "handshakes x509|resumed|resumed-tls12 COUNT KEY CERT | make-certificate KEY CERT\n");
  return 2;
}
