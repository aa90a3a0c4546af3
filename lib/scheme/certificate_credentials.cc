// Certificate (X.509) credentials: trusted CAs, CRLs, our own certificate
// chain and key, and the verification limits and flags.
#include "boundary.hh"
#include "convert.hh"
#include "credentials.hh"
#include "dh_parameters.hh"
#include "enumerates.hh"
#include "foreign.hh"
#include "procedures.hh"
#include "x509.hh"

#include <climits>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace gg {

namespace {

// GnuTLS copies certificates and keys, but keeps a pointer to the DH
// parameters.
using CertificateCredentials =
    GnutlsCredentials<gnutls_certificate_credentials_t, GNUTLS_CRD_CERTIFICATE,
                      gnutls_certificate_allocate_credentials, gnutls_certificate_free_credentials,
                      DhParametersSetter<gnutls_certificate_set_dh_params>>;

CertificateCredentials& credentials_argument(SCM obj) {
  return Foreign<CertificateCredentials>::require(obj, 1);
}

// A failure to load `file`: the file name (the Scheme string as given) is
// the extra argument, so the error says which file could not be used.
[[noreturn]] void file_failure(int code, SCM file) {
  throw GnutlsError(code, [file] { return scm_list_1(file); });
}

// Trust or CRL files and data load the same way, through GnuTLS's
// loader of each kind; each returns how many items it loaded.
using FileLoader = int (*)(gnutls_certificate_credentials_t, const char*, gnutls_x509_crt_fmt_t);
using DataLoader = int (*)(gnutls_certificate_credentials_t, const gnutls_datum_t*, gnutls_x509_crt_fmt_t);

SCM load_file(SCM credentials, SCM file, SCM format, FileLoader loader) {
  CertificateCredentials& c = credentials_argument(credentials);
  std::string name = locale_string_argument(file, 2);
  int r = loader(c.get(), name.c_str(), format_argument(format, 3));
  if (r < 0) file_failure(r, file);
  return scm_from_int(r);
}

SCM load_data(SCM credentials, SCM data, SCM format, DataLoader loader) {
  CertificateCredentials& c = credentials_argument(credentials);
  gnutls_datum_t datum = datum_argument(data, 2);
  int r = loader(c.get(), &datum, format_argument(format, 3));
  if (r < 0) throw GnutlsError(r);
  return scm_from_int(r);
}

}  // namespace

GG_INITIALIZER(define_certificate_credentials_type) {
  Foreign<CertificateCredentials>::define_type<Credentials>(
      "gnutls-certificate-credentials",
      {"certificate-credentials?", "Return true if @var{obj} is certificate credentials.",
       manual::certificate_credentials},
      {"make-certificate-credentials", "Return new, empty certificate credentials, for a client or a server.",
       manual::certificate_credentials});
}

GG_DEFINE(set_certificate_credentials_dh_parameters_x, "set-certificate-credentials-dh-parameters!",
          manual::certificate_credentials, (SCM credentials, SCM params),
          "Use the Diffie-Hellman parameters @var{params} for the server "
          "credentials @var{credentials} (DHE key exchange in TLS 1.2).") {
  credentials_argument(credentials).set_dh_parameters(Foreign<DhParameters>::require(params, 2));
  return SCM_UNSPECIFIED;
}

GG_DEFINE(set_certificate_credentials_verify_flags_x, "set-certificate-credentials-verify-flags!",
          manual::certificate_credentials, (SCM credentials, Rest flags),
          "Verify peer certificates checked with @var{credentials} with the "
          "given @var{flags}, @code{certificate-verify/} values (none: the "
          "defaults).") {
  CertificateCredentials& c = credentials_argument(credentials);
  gnutls_certificate_set_verify_flags(c.get(), enumerate_flags(EnumKind::certificate_verify, flags, 2));
  return SCM_UNSPECIFIED;
}

GG_DEFINE(set_certificate_credentials_verify_limits_x, "set-certificate-credentials-verify-limits!",
          manual::certificate_credentials, (SCM credentials, SCM max_bits, SCM max_depth),
          "Limit the verification of peer certificates with @var{credentials} "
          "to keys of at most @var{max-bits} bits and chains of at most "
          "@var{max-depth} certificates.") {
  CertificateCredentials& c = credentials_argument(credentials);
  auto bits = static_cast<unsigned>(integer_argument(max_bits, 2, 0, UINT_MAX));
  auto depth = static_cast<unsigned>(integer_argument(max_depth, 3, 0, UINT_MAX));
  gnutls_certificate_set_verify_limits(c.get(), bits, depth);
  return SCM_UNSPECIFIED;
}

GG_DEFINE(set_certificate_credentials_x509_trust_file_x, "set-certificate-credentials-x509-trust-file!",
          manual::certificate_credentials, (SCM credentials, SCM file, SCM format),
          "Trust the CA certificates in @var{file} (encoded as @var{format} "
          "says) to verify peers with @var{credentials}.  Return the number of "
          "certificates loaded.  If @var{file} cannot be read, raise "
          "@code{error/file-error} with the file name as extra argument.") {
  return load_file(credentials, file, format, gnutls_certificate_set_x509_trust_file);
}

GG_DEFINE(set_certificate_credentials_x509_trust_data_x, "set-certificate-credentials-x509-trust-data!",
          manual::certificate_credentials, (SCM credentials, SCM data, SCM format),
          "Trust the CA certificates in the bytevector @var{data} (encoded as "
          "@var{format} says) to verify peers with @var{credentials}.  Return "
          "the number of certificates loaded.") {
  return load_data(credentials, data, format, gnutls_certificate_set_x509_trust_mem);
}

GG_DEFINE(set_certificate_credentials_x509_system_trust_x, "set-certificate-credentials-x509-system-trust!",
          manual::certificate_credentials, (SCM credentials),
          "Trust the system's CA certificates (the trust store GnuTLS was "
          "configured with) to verify peers with @var{credentials}.  Return the "
          "number of certificates loaded.") {
  int r = gnutls_certificate_set_x509_system_trust(credentials_argument(credentials).get());
  if (r < 0) throw GnutlsError(r);
  return scm_from_int(r);
}

GG_DEFINE(set_certificate_credentials_x509_crl_file_x, "set-certificate-credentials-x509-crl-file!",
          manual::certificate_credentials, (SCM credentials, SCM file, SCM format),
          "Use the certificate revocation lists in @var{file} (encoded as "
          "@var{format} says) to verify peers with @var{credentials}.  Return "
          "the number of CRLs loaded.  If @var{file} cannot be read, raise "
          "@code{error/file-error} with the file name as extra argument.") {
  return load_file(credentials, file, format, gnutls_certificate_set_x509_crl_file);
}

GG_DEFINE(set_certificate_credentials_x509_crl_data_x, "set-certificate-credentials-x509-crl-data!",
          manual::certificate_credentials, (SCM credentials, SCM data, SCM format),
          "Use the certificate revocation lists in the bytevector @var{data} "
          "(encoded as @var{format} says) to verify peers with "
          "@var{credentials}.  Return the number of CRLs loaded.") {
  return load_data(credentials, data, format, gnutls_certificate_set_x509_crl_mem);
}

GG_DEFINE(set_certificate_credentials_x509_key_files_x, "set-certificate-credentials-x509-key-files!",
          manual::certificate_credentials, (SCM credentials, SCM cert_file, SCM key_file, SCM format),
          "Present the certificate chain in @var{cert-file} and prove it with the "
          "private key in @var{key-file}, both encoded as @var{format} says.  If "
          "a file cannot be read, raise @code{error/file-error} with the two file "
          "names as extra arguments.") {
  CertificateCredentials& c = credentials_argument(credentials);
  std::string cert_name = locale_string_argument(cert_file, 2);
  std::string key_name = locale_string_argument(key_file, 3);
  gnutls_x509_crt_fmt_t fmt = format_argument(format, 4);
  int r = gnutls_certificate_set_x509_key_file(c.get(), cert_name.c_str(), key_name.c_str(), fmt);
  if (r < 0) throw GnutlsError(r, [cert_file, key_file] { return scm_list_2(cert_file, key_file); });
  return SCM_UNSPECIFIED;
}

GG_DEFINE(set_certificate_credentials_x509_key_data_x, "set-certificate-credentials-x509-key-data!",
          manual::certificate_credentials, (SCM credentials, SCM cert_data, SCM key_data, SCM format),
          "Present the certificate chain in the bytevector @var{cert-data} and "
          "prove it with the private key in the bytevector @var{key-data}, both "
          "encoded as @var{format} says.") {
  CertificateCredentials& c = credentials_argument(credentials);
  gnutls_datum_t cert = datum_argument(cert_data, 2);
  gnutls_datum_t key = datum_argument(key_data, 3);
  int r = gnutls_certificate_set_x509_key_mem(c.get(), &cert, &key, format_argument(format, 4));
  if (r < 0) throw GnutlsError(r);
  return SCM_UNSPECIFIED;
}

GG_DEFINE(set_certificate_credentials_x509_keys_x, "set-certificate-credentials-x509-keys!",
          manual::certificate_credentials, (SCM credentials, SCM certs, SCM private_key),
          "Present @var{certs}, a list of X.509 certificates (ours first, then "
          "its issuers), and prove it with the X.509 private key "
          "@var{private-key}.") {
  CertificateCredentials& c = credentials_argument(credentials);
  // A proper list (scm_ilength is negative for improper or circular ones).
  if (scm_ilength(certs) < 0) throw WrongTypeArgument(2, certs, "list of X.509 certificates");
  std::vector<gnutls_x509_crt_t> chain;
  for (SCM rest = certs; !scm_is_null(rest); rest = SCM_CDR(rest)) {
    X509Certificate* cert = Foreign<X509Certificate>::unwrap(SCM_CAR(rest));
    if (cert == nullptr) throw WrongTypeArgument(2, certs, "list of X.509 certificates");
    chain.push_back(cert->get());
  }
  X509PrivateKey& key = x509_private_key_argument(private_key, 3);
  if (chain.size() > INT_MAX) throw OutOfRange(2, certs);
  // GnuTLS copies the certificates and the key.
  int r = gnutls_certificate_set_x509_key(c.get(), chain.data(), static_cast<int>(chain.size()), key.get());
  if (r < 0) throw GnutlsError(r);
  return SCM_UNSPECIFIED;
}

}  // namespace gg
