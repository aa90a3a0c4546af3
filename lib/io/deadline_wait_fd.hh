// A descriptor that polls readable when a watched descriptor is ready in
// one direction or when a deadline passes.  A handshake waiting through a
// suspendable-ports waiter is woken only by its port's wait fd: this is
// what lets a bounded handshake wake up, and time out, when the peer sends
// nothing at all.
#pragma once

#include "readiness_fd.hh"

#include <chrono>

namespace gg::io {

class DeadlineWaitFd {
 public:
  // The descriptor to poll for input in order to wait until `fd` is
  // readable (or writable, if `writing`) or `deadline` has passed; -1 where
  // the system cannot provide one.
  int watch(int fd, bool writing, std::chrono::steady_clock::time_point deadline);

 private:
  ReadinessFd readiness_;  // the watched descriptor and the timer's
  OwnedFd timer_;
};

}  // namespace gg::io
