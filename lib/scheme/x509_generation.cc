// Making X.509 certificates: new certificates, their fields and
// extensions, signing, exporting; generating X.509 private keys; and the
// getters of the fields a certificate authority sets.
#include "x509_builder.hh"

#include "boundary.hh"
#include "convert.hh"
#include "enumerates.hh"
#include "foreign.hh"
#include "procedures.hh"

#include <climits>
#include <string>
#include <vector>

namespace gg {

namespace {

// A certificate time in seconds since the Epoch; `earliest` is
// kNoWellDefinedExpiration where that is allowed.
time_t time_argument(SCM obj, int position, time_t earliest = kEarliestCertificateTime) {
  return static_cast<time_t>(integer_argument(obj, position, earliest, kLatestCertificateTime));
}

// Bytes an extension holds (a key identifier): at least one.
gnutls_datum_t identifier_argument(SCM obj, int position) {
  gnutls_datum_t datum = datum_argument(obj, position);
  if (datum.size == 0) throw OutOfRange(position, obj);
  return datum;
}

// A distinguished name's attribute: an oid/ value or a dotted OID string.
std::string dn_oid_argument(SCM obj, int position) {
  if (scm_is_string(obj)) return c_string_argument(obj, position);
  return oid_argument(obj, position);
}

// Call `set` with the handle of `cert`, the first argument (checked
// before the others, which `set` converts): a GnuTLS setter whose failure
// is raised.
template <class Set>
SCM set_field(SCM cert, Set set) {
  gnutls_x509_crt_t handle = certificate_argument(cert, 1).get();
  int r = set(handle);
  if (r < 0) throw GnutlsError(r);
  return SCM_UNSPECIFIED;
}

// Set a key identifier extension of `cert` to the bytes of `id` with its
// GnuTLS setter.
SCM set_key_identifier(SCM cert, SCM id, int (*set)(gnutls_x509_crt_t, const void*, size_t)) {
  return set_field(cert, [&](gnutls_x509_crt_t handle) {
    gnutls_datum_t datum = identifier_argument(id, 2);
    return set(handle, datum.data, datum.size);
  });
}

// `object` (the first argument) encoded in `format` (the second) by
// `export_to` into a Datum, as a u8vector, which upstream returned.
template <class Datum, class Object, class Export>
SCM exported(const Object& object, SCM format, Export export_to) {
  gnutls_x509_crt_fmt_t fmt = format_argument(format, 2);
  Datum out;
  export_to(object, fmt, out);
  return u8vector_from(out.get().data, out.get().size);
}

}  // namespace

GG_DEFINE(set_x509_certificate_version_x, "set-x509-certificate-version!", manual::x509_generation,
          (SCM cert, SCM version),
          "Make @var{cert} a certificate of X.509 version @var{version}, an integer "
          "from 1 to 3; extensions need version 3.") {
  return set_field(cert, [&](gnutls_x509_crt_t handle) {
    return gnutls_x509_crt_set_version(handle, static_cast<unsigned>(integer_argument(version, 2, 1, 3)));
  });
}

GG_DEFINE(set_x509_certificate_serial_x, "set-x509-certificate-serial!", manual::x509_generation,
          (SCM cert, SCM serial),
          "Give @var{cert} the serial number @var{serial}, a bytevector holding a "
          "positive big-endian number: 1 to 20 bytes, the first bit zero, as RFC "
          "5280 requires.  Any other bytevector is out of range.") {
  return set_field(cert, [&](gnutls_x509_crt_t handle) {
    ByteSpan bytes = bytevector_argument(serial, 2);
    if (!serial_acceptable(bytes.data, bytes.size)) throw OutOfRange(2, serial);
    return gnutls_x509_crt_set_serial(handle, bytes.data, bytes.size);
  });
}

GG_DEFINE(set_x509_certificate_dn_by_oid_x, "set-x509-certificate-dn-by-oid!", manual::x509_generation,
          (SCM cert, SCM oid, SCM value),
          "Add to the subject's distinguished name of @var{cert} the attribute "
          "@var{oid}, an @code{oid/} value such as @code{oid/x520-common-name} (or a "
          "dotted OID string such as @code{\"2.5.4.5\"}), with the string "
          "@var{value}.  GnuTLS refuses an attribute it does not know with "
          "@code{error/x509-unsupported-oid}.") {
  return set_field(cert, [&](gnutls_x509_crt_t handle) {
    std::string attribute = dn_oid_argument(oid, 2);
    std::string text = c_string_argument(value, 3);
    return gnutls_x509_crt_set_dn_by_oid(handle, attribute.c_str(), 0, text.data(),
                                         static_cast<unsigned>(text.size()));
  });
}

GG_DEFINE(set_x509_certificate_key_x, "set-x509-certificate-key!", manual::x509_generation,
          (SCM cert, SCM key),
          "Make @var{cert} certify the public key of @var{key}, an X.509 private "
          "key (only its public part goes into the certificate).") {
  return set_field(cert, [&](gnutls_x509_crt_t handle) {
    return gnutls_x509_crt_set_key(handle, x509_private_key_argument(key, 2).get());
  });
}

GG_DEFINE(set_x509_certificate_activation_time_x, "set-x509-certificate-activation-time!",
          manual::x509_generation, (SCM cert, SCM time),
          "Make @var{cert} valid from @var{time}, in seconds since the Epoch (as "
          "@code{current-time} gives), up to the end of the year 9999.") {
  return set_field(cert, [&](gnutls_x509_crt_t handle) {
    return gnutls_x509_crt_set_activation_time(handle, time_argument(time, 2));
  });
}

GG_DEFINE(set_x509_certificate_expiration_time_x, "set-x509-certificate-expiration-time!",
          manual::x509_generation, (SCM cert, SCM time),
          "Make @var{cert} valid until @var{time}, in seconds since the Epoch, up "
          "to the end of the year 9999; -1 means it has no well-defined "
          "expiration date, which RFC 5280 writes as the last second of 9999 "
          "(253402300799, what @code{x509-certificate-expiration-time} then "
          "reads).") {
  return set_field(cert, [&](gnutls_x509_crt_t handle) {
    return gnutls_x509_crt_set_expiration_time(handle, time_argument(time, 2, kNoWellDefinedExpiration));
  });
}

GG_DEFINE(set_x509_certificate_ca_status_x, "set-x509-certificate-ca-status!", manual::x509_generation,
          (SCM cert, SCM ca),
          "Give @var{cert} the basic constraints extension saying whether it is the "
          "certificate of a certificate authority: @var{ca} is @code{#t} or "
          "@code{#f}.") {
  return set_field(cert, [&](gnutls_x509_crt_t handle) {
    if (!scm_is_bool(ca)) throw WrongTypeArgument(2, ca, "boolean");
    return gnutls_x509_crt_set_ca_status(handle, scm_is_true(ca) ? 1 : 0);
  });
}

GG_DEFINE(set_x509_certificate_key_usage_x, "set-x509-certificate-key-usage!", manual::x509_generation,
          (SCM cert, SCM usages),
          "Give @var{cert} the key usage extension allowing the uses in the list "
          "@var{usages} of @code{key-usage/} values (for a CA, "
          "@code{key-usage/key-cert-sign}).") {
  return set_field(cert, [&](gnutls_x509_crt_t handle) {
    return gnutls_x509_crt_set_key_usage(handle, enumerate_flags(EnumKind::key_usage, usages, 2));
  });
}

GG_DEFINE(set_x509_certificate_subject_key_id_x, "set-x509-certificate-subject-key-id!",
          manual::x509_generation, (SCM cert, SCM id),
          "Give @var{cert} the subject key identifier @var{id}, a non-empty "
          "bytevector (usually @code{x509-certificate-key-id} of the certificate "
          "once its key is set).") {
  return set_key_identifier(cert, id, gnutls_x509_crt_set_subject_key_id);
}

GG_DEFINE(set_x509_certificate_authority_key_id_x, "set-x509-certificate-authority-key-id!",
          manual::x509_generation, (SCM cert, SCM id),
          "Give @var{cert} the authority key identifier @var{id}, a non-empty "
          "bytevector: the subject key identifier of its issuer.  "
          "@code{sign-x509-certificate!} sets it itself when the issuer has one "
          "and @var{cert} has none.") {
  return set_key_identifier(cert, id, gnutls_x509_crt_set_authority_key_id);
}

GG_DEFINE(set_x509_certificate_subject_alternative_name_x, "set-x509-certificate-subject-alternative-name!",
          manual::x509_generation, (SCM cert, SCM kind, SCM name),
          "Add to @var{cert} the subject alternative name @var{name}, a string, of "
          "@var{kind}: @code{x509-subject-alternative-name/dnsname} (a host name), "
          "@code{x509-subject-alternative-name/ipaddress} (an IPv4 or IPv6 address "
          "in its usual text form), @code{x509-subject-alternative-name/rfc822name} "
          "(an e-mail address) or @code{x509-subject-alternative-name/uri}.  Each "
          "call adds one name; other kinds, and an address that does not parse, "
          "are out of range.") {
  X509Certificate& c = certificate_argument(cert, 1);
  auto san = static_cast<gnutls_x509_subject_alt_name_t>(
      enumerate_value(EnumKind::x509_subject_alternative_name, kind, 2));
  if (san != GNUTLS_SAN_DNSNAME && san != GNUTLS_SAN_IPADDRESS && san != GNUTLS_SAN_RFC822NAME &&
      san != GNUTLS_SAN_URI)
    throw OutOfRange(2, kind);
  std::string text = c_string_argument(name, 3);
  if (!add_subject_alternative_name(c, san, text)) throw OutOfRange(3, name);
  return SCM_UNSPECIFIED;
}

GG_DEFINE(sign_x509_certificate_x, "sign-x509-certificate!", manual::x509_generation,
          (SCM cert, SCM issuer, SCM issuer_key),
          "Sign @var{cert} with @var{issuer-key}, the private key of the "
          "certificate @var{issuer} (@var{cert} itself for a self-signed "
          "certificate).  The subject of @var{issuer} becomes the issuer of "
          "@var{cert} and, unless @var{cert} has an authority key identifier or is "
          "of version 1, the subject key identifier of @var{issuer} (if any) "
          "becomes it.  Set every other field first: signing is the last step.") {
  X509Certificate& c = certificate_argument(cert, 1);
  X509Certificate& i = certificate_argument(issuer, 2);
  X509PrivateKey& k = x509_private_key_argument(issuer_key, 3);
  sign_certificate(c, i, k);
  return SCM_UNSPECIFIED;
}

GG_DEFINE(export_x509_certificate, "export-x509-certificate", manual::x509_generation, (SCM cert, SCM format),
          "Return @var{cert} encoded as @var{format} says "
          "(@code{x509-certificate-format/pem} or @code{x509-certificate-format/der}), "
          "a u8vector that @code{import-x509-certificate} reads back.") {
  return exported<OwnedDatum>(certificate_argument(cert, 1), format, export_certificate);
}

GG_DEFINE(export_x509_private_key, "export-x509-private-key", manual::x509_generation, (SCM key, SCM format),
          "Return the X.509 private key @var{key}, unencrypted, encoded as "
          "@var{format} says (PKCS#1 for RSA keys), a u8vector that "
          "@code{import-x509-private-key} reads back.  Anyone who holds it holds "
          "the key.") {
  return exported<SecretDatum>(x509_private_key_argument(key, 1), format, export_private_key);
}

GG_DEFINE(generate_x509_private_key, "generate-x509-private-key", manual::x509_generation,
          (SCM algorithm, SCM bits, SCM flags),
          "Return a new X.509 private key for @var{algorithm}, a "
          "@code{pk-algorithm/} value: @var{bits} is the size of an RSA or DSA "
          "key (2048 or more for RSA, up to 16384) or of an ECDSA curve (256, 384 "
          "or 521), and is ignored for EdDSA.  @var{flags} is a list of "
          "@code{privkey/} flags, usually empty.  GnuTLS wipes the key when it is "
          "collected.") {
  auto pk = static_cast<gnutls_pk_algorithm_t>(enumerate_value(EnumKind::pk_algorithm, algorithm, 1));
  auto size = static_cast<unsigned>(integer_argument(bits, 2, 0, 16384));
  unsigned f = enumerate_flags(EnumKind::privkey, flags, 3);
  return Foreign<X509PrivateKey>::make_filled(
      [&](X509PrivateKey& key) { generate_private_key(key, pk, size, f); });
}

GG_DEFINE(x509_certificate_activation_time, "x509-certificate-activation-time", manual::x509_generation,
          (SCM cert),
          "Return the time from which @var{cert} is valid, in seconds since the "
          "Epoch (-1 if it has none).") {
  return scm_from_int64(certificate_activation_time(certificate_argument(cert, 1)));
}

GG_DEFINE(x509_certificate_expiration_time, "x509-certificate-expiration-time", manual::x509_generation,
          (SCM cert),
          "Return the time until which @var{cert} is valid, in seconds since the "
          "Epoch (-1 if it has none).") {
  return scm_from_int64(certificate_expiration_time(certificate_argument(cert, 1)));
}

GG_DEFINE(x509_certificate_ca_status, "x509-certificate-ca-status", manual::x509_generation, (SCM cert),
          "Return true if the basic constraints of @var{cert} say it is the "
          "certificate of a certificate authority.  Raise "
          "@code{error/requested-data-not-available} if @var{cert} has no basic "
          "constraints extension.") {
  return scm_from_bool(certificate_ca_status(certificate_argument(cert, 1)));
}

GG_DEFINE(x509_certificate_serial, "x509-certificate-serial", manual::x509_generation, (SCM cert),
          "Return the serial number of @var{cert}, a bytevector holding it "
          "big-endian as the certificate writes it.") {
  std::vector<uint8_t> serial = certificate_serial(certificate_argument(cert, 1));
  return bytevector_from(serial.data(), serial.size());
}

}  // namespace gg
