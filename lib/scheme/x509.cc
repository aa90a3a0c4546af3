// X.509 certificates and private keys: import, and the accessors of
// certificates.
#include "x509.hh"

#include "boundary.hh"
#include "convert.hh"
#include "datum.hh"
#include "enumerates.hh"
#include "foreign.hh"
#include "procedures.hh"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <string>
#include <vector>

namespace gg {

namespace {

// Text GnuTLS produced (UTF-8, maybe NUL-terminated).  Invalid bytes
// become question marks rather than raising a Scheme error from C++.
SCM text_from(const void* data, size_t size) {
  const char* text = static_cast<const char*>(data);
  size_t length = size == 0 ? 0 : strnlen(text, size);
  return scm_from_stringn(text, length, "UTF-8", SCM_FAILED_CONVERSION_QUESTION_MARK);
}

SCM bytes_of(const Filled& filled) {
  if (filled.result < 0) throw GnutlsError(filled.result);
  return u8vector_from(filled.bytes.data(), filled.bytes.size());
}

unsigned index_argument(SCM obj, int position) {
  return static_cast<unsigned>(integer_argument(obj, position, 0, INT_MAX));
}

// Distinguished names in the order guile-gnutls (gnutls_x509_crt_get_dn)
// gave them, which programs compare strings against.
constexpr unsigned kDnOrder = GNUTLS_X509_DN_FLAG_COMPAT;

// The subject or issuer DN of `cert` (argument 1), as `getter` (a
// gnutls_x509_crt_get_*dn3) gives it.
template <class Getter>
SCM dn_string(SCM cert, Getter getter) {
  OwnedDatum dn;
  int r = getter(certificate_argument(cert, 1).get(), dn.out(), kDnOrder);
  if (r < 0) throw GnutlsError(r);
  return text_from(dn.get().data, dn.get().size);
}

// The authority or subject key id extension of `cert` (argument 1), as
// `getter` gives it, whether critical or not.
template <class Getter>
SCM key_id_extension(SCM cert, Getter getter) {
  gnutls_x509_crt_t crt = certificate_argument(cert, 1).get();
  return bytes_of(fill_buffer([&](unsigned char* buffer, size_t* size) {
    unsigned critical = 0;
    return getter(crt, buffer, size, &critical);
  }));
}

// The DN-OID at `index`, or #f past the last one.
template <class Getter>
SCM dn_oid(SCM cert, SCM index, Getter getter) {
  gnutls_x509_crt_t crt = certificate_argument(cert, 1).get();
  unsigned i = index_argument(index, 2);
  Filled oid = fill_buffer([&](unsigned char* buffer, size_t* size) { return getter(crt, i, buffer, size); });
  if (oid.result == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE) return SCM_BOOL_F;
  if (oid.result < 0) throw GnutlsError(oid.result);
  return text_from(oid.bytes.data(), oid.bytes.size());
}

}  // namespace

GG_INITIALIZER(define_x509_types) {
  Foreign<X509Certificate>::define_type(
      "gnutls-x509-certificate",
      {"x509-certificate?", "Return true if @var{obj} is an X.509 certificate.", manual::x509},
      // Certificates are made to be filled in (x509_generation.cc).
      {"make-x509-certificate",
       "Return a new, empty X.509 certificate, to be given its fields with the "
       "@code{set-x509-certificate-...!} procedures and signed with "
       "@code{sign-x509-certificate!}.",
       manual::x509_generation});
  Foreign<X509PrivateKey>::define_type(
      "gnutls-x509-private-key",
      {"x509-private-key?", "Return true if @var{obj} is an X.509 private key.", manual::x509});
}

GG_DEFINE(import_x509_certificate, "import-x509-certificate", manual::x509, (SCM data, SCM format),
          "Return the X.509 certificate in the bytevector @var{data}, encoded as "
          "@var{format} says (@code{x509-certificate-format/pem} or "
          "@code{x509-certificate-format/der}).") {
  gnutls_datum_t datum = datum_argument(data, 1);
  gnutls_x509_crt_fmt_t fmt = format_argument(format, 2);
  return Foreign<X509Certificate>::make_filled(
      [&](X509Certificate& object) { return gnutls_x509_crt_import(object.get(), &datum, fmt); });
}

GG_DEFINE(import_x509_private_key, "import-x509-private-key", manual::x509, (SCM data, SCM format),
          "Return the unencrypted X.509 private key in the bytevector @var{data} "
          "(PKCS#1 or unencrypted PKCS#8), encoded as @var{format} says.") {
  gnutls_datum_t datum = datum_argument(data, 1);
  gnutls_x509_crt_fmt_t fmt = format_argument(format, 2);
  return Foreign<X509PrivateKey>::make_filled(
      [&](X509PrivateKey& object) { return gnutls_x509_privkey_import(object.get(), &datum, fmt); });
}

GG_DEFINE(pkcs8_import_x509_private_key, "pkcs8-import-x509-private-key", manual::x509,
          (SCM data, SCM format, Optional password, Optional encrypted),
          "Return the PKCS#8 private key in the bytevector @var{data}, encoded as "
          "@var{format} says.  @var{password} (a string without NUL characters, "
          "or @code{#f} for none) decrypts it; when @var{encrypted} is @code{#f} the key is read as "
          "unencrypted PKCS#8.") {
  gnutls_datum_t datum = datum_argument(data, 1);
  gnutls_x509_crt_fmt_t fmt = format_argument(format, 2);
  bool has_password = !SCM_UNBNDP(password) && scm_is_true(password);
  // A NUL would cut the password short: c_string_argument refuses it.
  WipedString pass{has_password ? c_string_argument(password, 3) : std::string()};
  unsigned flags = (SCM_UNBNDP(encrypted) || scm_is_true(encrypted)) ? 0 : GNUTLS_PKCS_PLAIN;
  return Foreign<X509PrivateKey>::make_filled([&](X509PrivateKey& object) {
    return gnutls_x509_privkey_import_pkcs8(object.get(), &datum, fmt,
                                            has_password ? pass.text.c_str() : nullptr, flags);
  });
}

GG_DEFINE(x509_certificate_dn, "x509-certificate-dn", manual::x509, (SCM cert),
          "Return the distinguished name of the subject of @var{cert}, a string "
          "listing its elements in certificate order, as guile-gnutls did (for "
          "instance @code{\"O=Example,CN=localhost\"}; RFC 4514 lists them the "
          "other way round).") {
  return dn_string(cert, gnutls_x509_crt_get_dn3);
}

GG_DEFINE(x509_certificate_issuer_dn, "x509-certificate-issuer-dn", manual::x509, (SCM cert),
          "Return the distinguished name of the issuer of @var{cert}, a string in "
          "the same order as @code{x509-certificate-dn}.") {
  return dn_string(cert, gnutls_x509_crt_get_issuer_dn3);
}

GG_DEFINE(x509_certificate_dn_oid, "x509-certificate-dn-oid", manual::x509, (SCM cert, SCM index),
          "Return the OID (a string such as @code{\"2.5.4.3\"}) of the @var{index}th "
          "element of the subject's distinguished name in @var{cert}, counting from "
          "zero, or @code{#f} when there is no such element.") {
  return dn_oid(cert, index, [](gnutls_x509_crt_t crt, unsigned i, unsigned char* buffer, size_t* size) {
    return gnutls_x509_crt_get_dn_oid(crt, i, buffer, size);
  });
}

GG_DEFINE(x509_certificate_issuer_dn_oid, "x509-certificate-issuer-dn-oid", manual::x509,
          (SCM cert, SCM index),
          "Return the OID of the @var{index}th element of the issuer's "
          "distinguished name in @var{cert}, or @code{#f} when there is none.") {
  return dn_oid(cert, index, [](gnutls_x509_crt_t crt, unsigned i, unsigned char* buffer, size_t* size) {
    return gnutls_x509_crt_get_issuer_dn_oid(crt, i, buffer, size);
  });
}

GG_DEFINE(x509_certificate_fingerprint, "x509-certificate-fingerprint", manual::x509, (SCM cert, SCM digest),
          "Return the fingerprint of @var{cert} computed with @var{digest} (a "
          "@code{digest/} value such as @code{digest/sha256}), a u8vector.") {
  gnutls_x509_crt_t crt = certificate_argument(cert, 1).get();
  auto algorithm = static_cast<gnutls_digest_algorithm_t>(enumerate_value(EnumKind::digest, digest, 2));
  return bytes_of(fill_buffer([&](unsigned char* buffer, size_t* size) {
    return gnutls_x509_crt_get_fingerprint(crt, algorithm, buffer, size);
  }));
}

GG_DEFINE(x509_certificate_key_id, "x509-certificate-key-id", manual::x509, (SCM cert),
          "Return the identifier of the public key of @var{cert} (a SHA-1 hash "
          "of it), a u8vector.") {
  gnutls_x509_crt_t crt = certificate_argument(cert, 1).get();
  return bytes_of(fill_buffer(
      [&](unsigned char* buffer, size_t* size) { return gnutls_x509_crt_get_key_id(crt, 0, buffer, size); }));
}

GG_DEFINE(x509_certificate_authority_key_id, "x509-certificate-authority-key-id", manual::x509, (SCM cert),
          "Return the authority key identifier extension of @var{cert}, a "
          "u8vector.  Raise @code{error/requested-data-not-available} if "
          "@var{cert} has none.") {
  return key_id_extension(cert, gnutls_x509_crt_get_authority_key_id);
}

GG_DEFINE(x509_certificate_subject_key_id, "x509-certificate-subject-key-id", manual::x509, (SCM cert),
          "Return the subject key identifier extension of @var{cert}, a "
          "u8vector.  Raise @code{error/requested-data-not-available} if "
          "@var{cert} has none.") {
  return key_id_extension(cert, gnutls_x509_crt_get_subject_key_id);
}

GG_DEFINE(x509_certificate_key_usage, "x509-certificate-key-usage", manual::x509, (SCM cert),
          "Return the key usage of @var{cert}: a list of @code{key-usage/} "
          "values, empty when @var{cert} has no key usage extension.") {
  unsigned usage = 0;
  unsigned critical = 0;
  int r = gnutls_x509_crt_get_key_usage(certificate_argument(cert, 1).get(), &usage, &critical);
  if (r == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE) return SCM_EOL;
  if (r < 0) throw GnutlsError(r);
  return enumerate_list_from_flags(EnumKind::key_usage, usage);
}

GG_DEFINE(x509_certificate_matches_hostname_p, "x509-certificate-matches-hostname?", manual::x509,
          (SCM cert, SCM hostname),
          "Return true if @var{cert} is a certificate for the host name (or IP "
          "address) @var{hostname}, a string, by the rules of RFC 6125.") {
  gnutls_x509_crt_t crt = certificate_argument(cert, 1).get();
  std::string name = string_argument(hostname, 2);
  return scm_from_bool(gnutls_x509_crt_check_hostname(crt, name.c_str()) != 0);
}

GG_DEFINE(x509_certificate_public_key_algorithm, "x509-certificate-public-key-algorithm", manual::x509,
          (SCM cert),
          "Return two values: the public key algorithm of @var{cert} (a "
          "@code{pk-algorithm/} value) and the size of its key in bits.") {
  unsigned bits = 0;
  int algorithm = gnutls_x509_crt_get_pk_algorithm(certificate_argument(cert, 1).get(), &bits);
  if (algorithm < 0) throw GnutlsError(algorithm);
  return scm_values(scm_list_2(enumerate(EnumKind::pk_algorithm, algorithm), scm_from_uint(bits)));
}

GG_DEFINE(x509_certificate_signature_algorithm, "x509-certificate-signature-algorithm", manual::x509,
          (SCM cert),
          "Return the algorithm the issuer signed @var{cert} with, a "
          "@code{sign-algorithm/} value.") {
  int algorithm = gnutls_x509_crt_get_signature_algorithm(certificate_argument(cert, 1).get());
  if (algorithm < 0) throw GnutlsError(algorithm);
  return enumerate(EnumKind::sign_algorithm, algorithm);
}

GG_DEFINE(x509_certificate_subject_alternative_name, "x509-certificate-subject-alternative-name",
          manual::x509, (SCM cert, SCM index),
          "Return two values for the @var{index}th subject alternative name of "
          "@var{cert}, counting from zero: its kind (an "
          "@code{x509-subject-alternative-name/} value) and the name, a string "
          "(an IP address in its usual text form).  Return two values "
          "@code{#f} and @code{#f} when there is no such name.") {
  gnutls_x509_crt_t crt = certificate_argument(cert, 1).get();
  unsigned i = index_argument(index, 2);
  Filled name = fill_buffer([&](unsigned char* buffer, size_t* size) {
    unsigned critical = 0;
    return gnutls_x509_crt_get_subject_alt_name(crt, i, buffer, size, &critical);
  });
  // Two values even past the last name, as guile-gnutls returned.
  if (name.result == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
    return scm_values(scm_list_2(SCM_BOOL_F, SCM_BOOL_F));
  if (name.result < 0) throw GnutlsError(name.result);
  SCM text;
  if (name.result == GNUTLS_SAN_IPADDRESS && (name.bytes.size() == 4 || name.bytes.size() == 16)) {
    char address[INET6_ADDRSTRLEN] = {0};
    inet_ntop(name.bytes.size() == 4 ? AF_INET : AF_INET6, name.bytes.data(), address, sizeof address);
    text = scm_from_utf8_string(address);
  } else {
    text = text_from(name.bytes.data(), name.bytes.size());
  }
  SCM kind = enumerate(EnumKind::x509_subject_alternative_name, name.result);
  return scm_values(scm_list_2(kind, text));
}

GG_DEFINE(x509_certificate_version, "x509-certificate-version", manual::x509, (SCM cert),
          "Return the X.509 version of @var{cert}, an integer (3 for most "
          "certificates).") {
  int version = gnutls_x509_crt_get_version(certificate_argument(cert, 1).get());
  if (version < 0) throw GnutlsError(version);
  return scm_from_int(version);
}

}  // namespace gg
