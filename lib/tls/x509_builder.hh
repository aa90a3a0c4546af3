// Making X.509 certificates: the fields and extensions a certificate
// authority sets, signing, exporting, and generating X.509 private keys.
// Every function throws GnutlsError when GnuTLS refuses; the limits GnuTLS
// leaves to its callers (serial sizes, time ranges) are stated here.
#pragma once

#include "datum.hh"
#include "x509.hh"

#include <gnutls/x509.h>

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <string>
#include <vector>

namespace gg {

// RFC 5280, 4.1.2.2: a serial is a positive integer of at most 20 octets.
inline constexpr size_t kMaxSerialSize = 20;

// The times a certificate can hold: from the Epoch to the end of year 9999,
// the last instant a GeneralizedTime writes (RFC 5280, 4.1.2.5).
inline constexpr time_t kEarliestCertificateTime = 0;
inline constexpr time_t kLatestCertificateTime = 253402300799;  // 9999-12-31T23:59:59Z
// The expiration time of a certificate with no well-defined one (RFC 5280,
// 4.1.2.5: 99991231235959Z), as GnuTLS writes and reads it.
inline constexpr time_t kNoWellDefinedExpiration = static_cast<time_t>(-1);

// True if `size` bytes at `serial` make a serial RFC 5280 allows: one to
// kMaxSerialSize octets, big-endian, the first bit zero (GnuTLS writes the
// bytes as they are, and a first bit set reads as a negative number).
bool serial_acceptable(const uint8_t* serial, size_t size);

// The serial as written in the certificate, of any length.
std::vector<uint8_t> certificate_serial(const X509Certificate& cert);

time_t certificate_activation_time(const X509Certificate& cert);
time_t certificate_expiration_time(const X509Certificate& cert);

// True if the basic constraints of `cert` say it is a CA; GnutlsError
// (requested data not available) when it has no basic constraints.
bool certificate_ca_status(const X509Certificate& cert);

// Add the subject alternative name `name` of `kind`; an IP address is
// given in text form (dotted IPv4 or IPv6), which this parses: false when
// it does not parse.
bool add_subject_alternative_name(const X509Certificate& cert, gnutls_x509_subject_alt_name_t kind,
                                  const std::string& name);

// Sign `cert` as `issuer` with `key` (the issuer's): the issuer's subject
// becomes the issuer name of `cert` and, when `cert` is of version 3 and
// has no authority key identifier, the issuer's subject key identifier
// becomes it.
void sign_certificate(const X509Certificate& cert, const X509Certificate& issuer, const X509PrivateKey& key);

// The encoding of `cert` in `format`.
void export_certificate(const X509Certificate& cert, gnutls_x509_crt_fmt_t format, OwnedDatum& out);
// The encoding of `key` in `format` (PKCS#1 for RSA), wiped when freed.
void export_private_key(const X509PrivateKey& key, gnutls_x509_crt_fmt_t format, SecretDatum& out);

// Generate a key of `algorithm` and `bits` (for ECDSA, the curve size;
// ignored for EdDSA) into `key`.
void generate_private_key(const X509PrivateKey& key, gnutls_pk_algorithm_t algorithm, unsigned bits,
                          unsigned flags);

}  // namespace gg
