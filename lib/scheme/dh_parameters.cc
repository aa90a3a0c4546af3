#include "dh_parameters.hh"

#include "boundary.hh"
#include "convert.hh"
#include "enumerates.hh"
#include "foreign.hh"
#include "procedures.hh"

#include <climits>

namespace gg {

GG_INITIALIZER(define_dh_parameters_type) {
  Foreign<DhParameters>::define_type(
      "gnutls-dh-parameters",
      {"dh-parameters?", "Return true if @var{obj} is a set of Diffie-Hellman parameters.",
       manual::anonymous_dh});
}

GG_DEFINE(make_dh_parameters, "make-dh-parameters", manual::anonymous_dh, (SCM bits),
          "Return new Diffie-Hellman parameters with a prime of @var{bits} bits. "
          "Generating them takes a while for large primes.") {
  auto n = static_cast<unsigned>(integer_argument(bits, 1, 1, 16384));
  return Foreign<DhParameters>::make_filled(
      [&](DhParameters& params) { return gnutls_dh_params_generate2(params.get(), n); });
}

GG_DEFINE(pkcs3_import_dh_parameters, "pkcs3-import-dh-parameters", manual::anonymous_dh,
          (SCM data, SCM format),
          "Import Diffie-Hellman parameters in PKCS#3 format from the bytevector "
          "@var{data}; @var{format} is @code{x509-certificate-format/pem} or "
          "@code{x509-certificate-format/der}.") {
  ByteSpan bytes = bytevector_argument(data, 1);
  gnutls_x509_crt_fmt_t fmt = format_argument(format, 2);
  if (bytes.size > UINT_MAX) throw OutOfRange(1, data);
  gnutls_datum_t datum = {bytes.data, static_cast<unsigned>(bytes.size)};
  return Foreign<DhParameters>::make_filled(
      [&](DhParameters& params) { return gnutls_dh_params_import_pkcs3(params.get(), &datum, fmt); });
}

GG_DEFINE(pkcs3_export_dh_parameters, "pkcs3-export-dh-parameters", manual::anonymous_dh,
          (SCM params, SCM format),
          "Return a u8vector holding @var{params} in PKCS#3 format, PEM or DER "
          "as @var{format} says.") {
  DhParameters& p = Foreign<DhParameters>::require(params, 1);
  gnutls_x509_crt_fmt_t fmt = format_argument(format, 2);
  gnutls_datum_t out = {nullptr, 0};
  int r = gnutls_dh_params_export2_pkcs3(p.get(), fmt, &out);
  if (r < 0) throw GnutlsError(r);
  std::unique_ptr<unsigned char, void (*)(void*)> owned(out.data, gnutls_free);
  return u8vector_from(out.data, out.size);
}

}  // namespace gg
