// A port for suspendable-ports schedulers to wait on until a descriptor is
// ready or a deadline passes.  Such a scheduler (Fibers, say) waits for a
// port by polling its read wait fd and knows nothing of timeouts; this
// port's read wait fd is a DeadlineWaitFd, ready either way, so waiting
// on it through the current read waiter is a bounded wait that never
// blocks the scheduler.  (gnutls connections) bounds its connects so.
#pragma once

#include <libguile.h>

#include <chrono>

namespace gg {

// A new input port whose read wait fd polls readable once `fd` is ready for
// writing (or reading, if not `writing`) or at `deadline`.  Reading it
// gives end of file; closing it (or collecting it) releases its
// descriptors.  Throws SystemError where the system cannot watch `fd`.
SCM make_deadline_wait_port(int fd, bool writing, std::chrono::steady_clock::time_point deadline);

}  // namespace gg
