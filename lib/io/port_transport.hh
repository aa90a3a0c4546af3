// A transport over a Scheme port: any binary port (a socket port, a custom
// port, a pipe) carries the encrypted bytes.  Every call into Scheme runs
// under a catch; the exception is kept for the session to re-raise after
// GnuTLS has returned, and GnuTLS sees a plain I/O error meanwhile.
// FdPortTransport (fd_port_transport.hh) refines it for file ports.
#pragma once

#include "captured_exception.hh"
#include "protected_object.hh"
#include "transport.hh"

#include <libguile.h>

#include <optional>

namespace gg::io {

class PortTransport : public Transport {
 public:
  // `port` must be kept reachable by the owner (the session holds it).
  explicit PortTransport(SCM port) : port_(port) {}

  IoResult pull(void* buffer, size_t size) override;
  IoResult push(const giovec_t* iov, int iovcnt) override;
  int wait_readable(unsigned ms) override;
  int wait_fd() const override;
  bool calls_scheme() const override { return true; }

  SCM port() const { return port_; }
  // The exception a Scheme call raised since the last call, if any.
  CapturedException take_exception() {
    return exception_ ? std::move(exception_) : std::move(push_exception_);
  }

 protected:
  // Keep an exception for take_exception, in the slot of its direction.
  void keep_pull_exception(CapturedException e) { exception_ = std::move(e); }
  void keep_push_exception(CapturedException e) { push_exception_ = std::move(e); }

 private:
  int nonblocking_fd() const;
  std::optional<IoResult> take_directly(void* buffer, size_t size);
  IoResult read_source(void* buffer, size_t size);
  bool random_access() const;
  void write_gathered(const giovec_t* iov, int iovcnt, size_t total);

  SCM port_;
  mutable std::optional<bool> random_access_;
  // Bytevectors lent to the port's own procedures, one for each direction:
  // GnuTLS's buffers are never handed to Scheme code that might keep them.
  ProtectedObject read_scratch_;
  ProtectedObject write_scratch_;
  // One for each direction: a thread may pull while another pushes.
  CapturedException exception_;       // from pull and wait_readable
  CapturedException push_exception_;  // from push
};

}  // namespace gg::io
