// A transport over a Scheme file port (a socket port, usually) that uses
// the port's descriptor directly: bytes Guile already buffered for the
// port are taken first, then recv/sendmsg run on the descriptor (outside
// Guile mode where they wait), with none of the per-byte costs of an
// unbuffered port.
// A closed port goes through Guile as with PortTransport, so its error is
// the port's own; system errors are the ones Guile's file ports raise; a
// non-blocking descriptor reports "would block", as with FdTransport.
#pragma once

#include "attempt_first.hh"
#include "port_transport.hh"

#include <atomic>
#include <memory>

namespace gg::io {

class FdPortTransport final : public PortTransport {
 public:
  // `port` must be an open file port, kept reachable by the owner.
  explicit FdPortTransport(SCM port) : PortTransport(port) {}

  IoResult pull(void* buffer, size_t size) override;
  IoResult push(const giovec_t* iov, int iovcnt) override;

 private:
  // Run `attempt` (one system call, given how it may wait) without waiting
  // in Guile mode, or outside Guile mode if it would wait; errors other
  // than "would block" and EINTR become the port's errors.
  template <class Attempt>
  IoResult direct(bool pushing, Attempt attempt);
  void keep(bool pushing, CapturedException e) {
    pushing ? keep_push_exception(std::move(e)) : keep_pull_exception(std::move(e));
  }

  // Pipes and terminals answer ENOTSOCK once; read/writev are used then.
  // Atomic: one thread may pull while another pushes.
  std::atomic<bool> is_socket_{true};
  AttemptGuess pull_guess_, push_guess_;
};

// The transport for `port`: FdPortTransport for an open file port,
// PortTransport for any other port.
std::unique_ptr<PortTransport> transport_for_port(SCM port);

}  // namespace gg::io
