#include "deadline_wait_fd.hh"

#ifdef __linux__
#include <sys/timerfd.h>
#endif

namespace gg::io {

#ifdef __linux__
// The ReadinessFd reports input when the watched descriptor is ready or
// the timer descriptor becomes readable, at the deadline.  steady_clock is
// CLOCK_MONOTONIC.
int DeadlineWaitFd::watch(int fd, bool writing, std::chrono::steady_clock::time_point deadline) {
  if (fd < 0) return -1;
  if (!timer_.open()) {
    OwnedFd timer;
    timer.reset(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
    if (!timer.open() || !readiness_.also_watch_input(timer.get())) return -1;
    timer_.reset(timer.release());
  }
  auto since_epoch = deadline.time_since_epoch();
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  struct itimerspec when = {};
  when.it_value.tv_sec = static_cast<time_t>(seconds.count());
  when.it_value.tv_nsec =
      static_cast<long>(std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch - seconds).count());
  if (when.it_value.tv_sec == 0 && when.it_value.tv_nsec == 0)
    when.it_value.tv_nsec = 1;  // 0 would disarm it
  if (timerfd_settime(timer_.get(), TFD_TIMER_ABSTIME, &when, nullptr) < 0) return -1;
  return readiness_.watch(fd, !writing, writing);
}
#else
int DeadlineWaitFd::watch(int, bool, std::chrono::steady_clock::time_point) { return -1; }
#endif

}  // namespace gg::io
