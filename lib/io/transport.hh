// The I/O strategy interface: where a session's encrypted bytes come from
// and go to.  GnuTLS's push/pull callbacks and the record port both reach
// the network only through a Transport, so a new kind of transport touches
// neither session nor port code.
#pragma once

#include <gnutls/gnutls.h>
#include <sys/types.h>

#include <atomic>
#include <cstddef>

namespace gg::io {

// Outcome of one transport operation.  `count` is meaningful when `error`
// is zero; otherwise `error` is an errno value (EAGAIN: would block).
struct IoResult {
  ssize_t count = 0;
  int error = 0;

  static IoResult bytes(ssize_t n) { return {n, 0}; }
  static IoResult failure(int errno_value) { return {-1, errno_value}; }
  bool would_block() const;
};

class Transport {
 public:
  Transport() = default;
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;
  virtual ~Transport() = default;

  // Read up to `size` bytes; a count of 0 is the end of the stream.
  virtual IoResult pull(void* buffer, size_t size) = 0;
  // Write what the vector holds, possibly only part of it.
  virtual IoResult push(const giovec_t* iov, int iovcnt) = 0;
  // Wait at most `ms` milliseconds for input: >0 ready, 0 timeout, -1 error
  // (errno set).  GnuTLS calls this for handshake timeouts.
  virtual int wait_readable(unsigned ms) = 0;
  // The file descriptor a poller should wait on, or -1 if there is none.
  virtual int wait_fd() const = 0;
  // True when operations call into Scheme, so GnuTLS calls that may push or
  // pull must run in Guile mode.
  virtual bool calls_scheme() const = 0;
  // True when, under a NoWaitAttempt (attempt_first.hh), operations can
  // tell whether they would wait without waiting: worth attempting.
  virtual bool attempts_without_waiting() const { return false; }
  // From now on, pushes that would wait report "would block" instead, where
  // the transport can tell (a socket); used when no one is left to wait.
  void stop_waiting_on_push() { push_waits_ = false; }
  // False if what the transport writes to is known to have been closed (and
  // its descriptor perhaps reused for another file) since it was given.
  virtual bool still_as_given() const { return true; }
  // True if what the transport was given is known to have been closed and
  // its descriptor number to name another open file now.
  virtual bool reused_since_given() const { return false; }

  // Route `session`'s push/pull through this transport.  The transport must
  // outlive the session's use of it.
  void install(gnutls_session_t session);

 protected:
  bool push_waits() const { return push_waits_; }

 private:
  // What a callback returns GnuTLS for `r`.
  ssize_t to_gnutls(IoResult r) const;
  static ssize_t pull_callback(gnutls_transport_ptr_t self, void* buffer, size_t size);
  static ssize_t vec_push_callback(gnutls_transport_ptr_t self, const giovec_t* iov, int iovcnt);
  static int pull_timeout_callback(gnutls_transport_ptr_t self, unsigned ms);

  gnutls_session_t session_ = nullptr;
  std::atomic<bool> push_waits_{true};
};

}  // namespace gg::io
