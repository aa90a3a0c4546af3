#include "deadline_wait_fd.hh"

#include <unistd.h>

#ifdef __linux__
#include <sys/epoll.h>
#include <sys/timerfd.h>
#endif

namespace gg::io {

DeadlineWaitFd::~DeadlineWaitFd() {
  if (epoll_fd_ >= 0) close(epoll_fd_);
  if (timer_fd_ >= 0) close(timer_fd_);
}

#ifdef __linux__
// An epoll descriptor reports input when one of its descriptors has an
// event, and nests in other pollers (Fibers' own epoll included); the
// timer descriptor becomes readable at the deadline.  steady_clock is
// CLOCK_MONOTONIC.
int DeadlineWaitFd::watch(int fd, bool writing, std::chrono::steady_clock::time_point deadline) {
  if (fd < 0) return -1;
  if (epoll_fd_ < 0) {
    epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd_ < 0) return -1;
  }
  if (timer_fd_ < 0) {
    timer_fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    if (timer_fd_ < 0) return -1;
    struct epoll_event event = {};
    event.events = EPOLLIN;
    event.data.fd = timer_fd_;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, timer_fd_, &event) < 0) return -1;
  }
  auto since_epoch = deadline.time_since_epoch();
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  struct itimerspec when = {};
  when.it_value.tv_sec = static_cast<time_t>(seconds.count());
  when.it_value.tv_nsec =
      static_cast<long>(std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch - seconds).count());
  if (when.it_value.tv_sec == 0 && when.it_value.tv_nsec == 0)
    when.it_value.tv_nsec = 1;  // 0 would disarm it
  if (timerfd_settime(timer_fd_, TFD_TIMER_ABSTIME, &when, nullptr) < 0) return -1;
  struct epoll_event event = {};
  event.events = writing ? EPOLLOUT : EPOLLIN;
  event.data.fd = fd;
  // As in ReadinessFd: a closed descriptor leaves the set by itself, and
  // its number may come back as another file.
  if (watched_fd_ != fd && watched_fd_ >= 0) epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, watched_fd_, nullptr);
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &event) < 0 &&
      epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) < 0) {
    watched_fd_ = -1;
    return -1;
  }
  watched_fd_ = fd;
  return epoll_fd_;
}
#else
int DeadlineWaitFd::watch(int, bool, std::chrono::steady_clock::time_point) { return -1; }
#endif

}  // namespace gg::io
