// Moving a record without leaving Guile mode when nothing has to wait.
//
// Leaving Guile mode (scm_without_guile) costs the collector a getcontext,
// whose rt_sigprocmask is a system call, and two lock round trips: about
// as much as the system call that moves the record.  Most record calls of
// a busy stream never wait: the socket has the bytes, or room for them.
// So a call is first made in Guile mode with the transport told not to
// wait (a NoWaitAttempt); only if that would block does the caller leave
// Guile mode and make the call that waits.  GnuTLS keeps what the first
// attempt read or wrote of a record, so the second call goes on from it.
//
// An attempt that would block costs one system call in vain.  For a reader
// that always waits for its peer (an interactive session, or the faster
// side of a stream) AttemptGuess stops attempting after such failures,
// for a number of calls that doubles with each failure in a row, so that
// at most about one call in 64 pays for a vain attempt.
#pragma once

namespace gg::io {

// While one lives, the transports of this thread wait for nothing: what
// would wait reports "would block" instead (EAGAIN), on a blocking
// descriptor too.  Transports that cannot tell without waiting (a pipe)
// report "would block" at once.
class NoWaitAttempt {
 public:
  NoWaitAttempt() { active_ = true; }
  NoWaitAttempt(const NoWaitAttempt&) = delete;
  NoWaitAttempt& operator=(const NoWaitAttempt&) = delete;
  ~NoWaitAttempt() { active_ = false; }

  static bool active() { return active_; }

 private:
  static inline thread_local bool active_ = false;
};

// Whether the next call is worth attempting without waiting, from how
// the last attempts went.  One per direction (receiving, sending): each is
// used by one thread at a time.
class AttemptGuess {
 public:
  bool worth_attempting() {
    if (skip_ == 0) return true;
    --skip_;
    return false;
  }

  // The attempt completed (true) or would have blocked (false).
  void attempted(bool completed) {
    if (completed) {
      backoff_ = 0;
      return;
    }
    backoff_ = backoff_ == 0 ? 1 : (backoff_ >= max_backoff ? max_backoff : backoff_ * 2);
    skip_ = backoff_;
  }

 private:
  static constexpr unsigned max_backoff = 64;
  unsigned backoff_ = 0;  // calls skipped after the last failure in a row
  unsigned skip_ = 0;     // calls still to skip
};

}  // namespace gg::io
