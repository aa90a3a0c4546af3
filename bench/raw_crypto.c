/* The reference for the crypto cases of crypto-bench.scm: the same work
 * done by GnuTLS called from C, so that their ratio measures what the
 * bindings cost.  Each case prints one number.
 *
 *   raw-crypto hash-direct BYTES PIECE   SHA-256 of each PIECE bytes (MB/s)
 *   raw-crypto hash-updates COUNT        64-byte SHA-256 updates per second
 *   raw-crypto aead BYTES MESSAGE        AES-128-GCM encryption of MESSAGE-byte
 *                                        messages (MB/s)
 *   raw-crypto sign ecdsa|ed25519 COUNT  signatures of 64 bytes per second
 */
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RAW_PROGRAM "raw-crypto"
#include "raw_support.h"

static void *zeros(size_t size) {
  void *p = calloc(1, size > 0 ? size : 1);
  if (p == NULL) {
    perror("raw-crypto");
    exit(1);
  }
  return p;
}

/* hash-direct: one gnutls_hash_fast per piece, as hash-direct does. */
static double hash_direct(size_t total, size_t piece) {
  unsigned char *data = zeros(piece), digest[32];
  double start = now();
  for (size_t done = 0; done < total; done += piece)
    check(gnutls_hash_fast(GNUTLS_DIG_SHA256, data, piece, digest), "hash_fast");
  double elapsed = now() - start;
  free(data);
  return (double)total / elapsed / 1e6;
}

/* hash!: COUNT updates of 64 bytes on one context. */
static double hash_updates(long count) {
  unsigned char data[64] = {0}, digest[32];
  gnutls_hash_hd_t h;
  check(gnutls_hash_init(&h, GNUTLS_DIG_SHA256), "hash_init");
  double start = now();
  for (long i = 0; i < count; i++) check(gnutls_hash(h, data, sizeof data), "hash");
  double elapsed = now() - start;
  gnutls_hash_deinit(h, digest);
  return (double)count / elapsed;
}

/* aead-cipher-encrypt: a fresh ciphertext-and-tag buffer per message, as
 * the Scheme procedure returns a fresh bytevector. */
static double aead(size_t total, size_t message) {
  unsigned char key_bytes[16] = {1}, nonce[12] = {2}, auth[16] = {3};
  gnutls_datum_t key = {key_bytes, sizeof key_bytes};
  gnutls_aead_cipher_hd_t h;
  check(gnutls_aead_cipher_init(&h, GNUTLS_CIPHER_AES_128_GCM, &key), "aead_cipher_init");
  unsigned char *plaintext = zeros(message);
  double start = now();
  for (size_t done = 0; done < total; done += message) {
    size_t size = message + 16;
    unsigned char *out = malloc(size);
    check(gnutls_aead_cipher_encrypt(h, nonce, sizeof nonce, auth, sizeof auth, 16, plaintext, message, out,
                                     &size),
          "aead_cipher_encrypt");
    free(out);
  }
  double elapsed = now() - start;
  gnutls_aead_cipher_deinit(h);
  free(plaintext);
  return (double)total / elapsed / 1e6;
}

/* private-key-sign-data: COUNT signatures of the same 64 bytes. */
static double sign(int ed25519, long count) {
  gnutls_privkey_t key;
  check(gnutls_privkey_init(&key), "privkey_init");
  check(gnutls_privkey_generate(
            key, ed25519 ? GNUTLS_PK_EDDSA_ED25519 : GNUTLS_PK_ECDSA,
            GNUTLS_CURVE_TO_BITS(ed25519 ? GNUTLS_ECC_CURVE_ED25519 : GNUTLS_ECC_CURVE_SECP256R1), 0),
        "privkey_generate");
  gnutls_sign_algorithm_t algorithm = ed25519 ? GNUTLS_SIGN_EDDSA_ED25519 : GNUTLS_SIGN_ECDSA_SHA256;
  unsigned char bytes[64] = {4};
  gnutls_datum_t data = {bytes, sizeof bytes};
  double start = now();
  for (long i = 0; i < count; i++) {
    gnutls_datum_t signature;
    check(gnutls_privkey_sign_data2(key, algorithm, 0, &data, &signature), "privkey_sign_data2");
    gnutls_free(signature.data);
  }
  double elapsed = now() - start;
  gnutls_privkey_deinit(key);
  return (double)count / elapsed;
}

int main(int argc, char **argv) {
  check(gnutls_global_init(), "global init");
  double result;
  if (argc == 4 && strcmp(argv[1], "hash-direct") == 0)
    result = hash_direct(strtoull(argv[2], NULL, 10), strtoull(argv[3], NULL, 10));
  else if (argc == 3 && strcmp(argv[1], "hash-updates") == 0)
    result = hash_updates(atol(argv[2]));
  else if (argc == 4 && strcmp(argv[1], "aead") == 0)
    result = aead(strtoull(argv[2], NULL, 10), strtoull(argv[3], NULL, 10));
  else if (argc == 4 && strcmp(argv[1], "sign") == 0 &&
           (strcmp(argv[2], "ecdsa") == 0 || strcmp(argv[2], "ed25519") == 0))
    result = sign(strcmp(argv[2], "ed25519") == 0, atol(argv[3]));
  else {
    fprintf(stderr,
            "usage: raw-crypto hash-direct BYTES PIECE | hash-updates COUNT | aead BYTES MESSAGE | "
            "sign ecdsa|ed25519 COUNT\n");
    return 2;
  }
  printf("%.2f\n", result);
  return 0;
}
