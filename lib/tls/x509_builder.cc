#include "x509_builder.hh"

#include <arpa/inet.h>

#include <array>

namespace gg {

namespace {

void check(int r) {
  if (r < 0) throw GnutlsError(r);
}

// What a GnuTLS getter of the form get(cert, buffer, &size, ...) fills in,
// of whatever size.
template <class Get>
std::vector<uint8_t> read_sized(Get get) {
  Filled filled = fill_buffer([&](unsigned char* buffer, size_t* size) { return get(buffer, size); });
  check(filled.result);
  return std::move(filled.bytes);
}

bool has_authority_key_id(gnutls_x509_crt_t cert) {
  size_t size = 0;
  unsigned critical = 0;
  return gnutls_x509_crt_get_authority_key_id(cert, nullptr, &size, &critical) !=
         GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE;
}

}  // namespace

bool serial_acceptable(const uint8_t* serial, size_t size) {
  return size > 0 && size <= kMaxSerialSize && (serial[0] & 0x80) == 0;
}

std::vector<uint8_t> certificate_serial(const X509Certificate& cert) {
  return read_sized(
      [&](void* buffer, size_t* size) { return gnutls_x509_crt_get_serial(cert.get(), buffer, size); });
}

// GnuTLS answers (time_t)-1 both for an error and for "no well-defined
// expiration"; either way that is what the certificate's field reads as.
time_t certificate_activation_time(const X509Certificate& cert) {
  return gnutls_x509_crt_get_activation_time(cert.get());
}

time_t certificate_expiration_time(const X509Certificate& cert) {
  return gnutls_x509_crt_get_expiration_time(cert.get());
}

bool certificate_ca_status(const X509Certificate& cert) {
  unsigned critical = 0;
  int r = gnutls_x509_crt_get_ca_status(cert.get(), &critical);
  check(r);
  return r != 0;
}

bool add_subject_alternative_name(const X509Certificate& cert, gnutls_x509_subject_alt_name_t kind,
                                  const std::string& name) {
  if (kind != GNUTLS_SAN_IPADDRESS) {
    check(
        gnutls_x509_crt_set_subject_alt_name(cert.get(), kind, name.data(), name.size(), GNUTLS_FSAN_APPEND));
    return true;
  }
  std::array<unsigned char, 16> address{};
  size_t size = 0;
  if (inet_pton(AF_INET, name.c_str(), address.data()) == 1)
    size = 4;
  else if (inet_pton(AF_INET6, name.c_str(), address.data()) == 1)
    size = 16;
  else
    return false;
  check(gnutls_x509_crt_set_subject_alt_name(cert.get(), kind, address.data(), size, GNUTLS_FSAN_APPEND));
  return true;
}

void sign_certificate(const X509Certificate& cert, const X509Certificate& issuer, const X509PrivateKey& key) {
  // Extensions need version 3: a version 1 certificate gets none.
  if (cert.get() != issuer.get() && gnutls_x509_crt_get_version(cert.get()) >= 3 &&
      !has_authority_key_id(cert.get())) {
    std::vector<uint8_t> id = read_sized([&](void* buffer, size_t* size) {
      unsigned critical = 0;
      int r = gnutls_x509_crt_get_subject_key_id(issuer.get(), buffer, size, &critical);
      return r == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE ? 0 : r;
    });
    if (!id.empty()) check(gnutls_x509_crt_set_authority_key_id(cert.get(), id.data(), id.size()));
  }
  check(gnutls_x509_crt_sign(cert.get(), issuer.get(), key.get()));
  // GnuTLS reads some extensions (subject alternative names) once, when a
  // certificate is imported: reading the signed certificate back into its
  // own handle makes every getter see what was written.
  OwnedDatum der;
  check(gnutls_x509_crt_export2(cert.get(), GNUTLS_X509_FMT_DER, der.out()));
  check(gnutls_x509_crt_import(cert.get(), &der.get(), GNUTLS_X509_FMT_DER));
}

void export_certificate(const X509Certificate& cert, gnutls_x509_crt_fmt_t format, OwnedDatum& out) {
  check(gnutls_x509_crt_export2(cert.get(), format, out.out()));
}

void export_private_key(const X509PrivateKey& key, gnutls_x509_crt_fmt_t format, SecretDatum& out) {
  check(gnutls_x509_privkey_export2(key.get(), format, out.out()));
}

void generate_private_key(const X509PrivateKey& key, gnutls_pk_algorithm_t algorithm, unsigned bits,
                          unsigned flags) {
  check(gnutls_x509_privkey_generate(key.get(), algorithm, bits, flags));
}

}  // namespace gg
