#include "readiness_fd.hh"

#include <unistd.h>

#ifdef __linux__
#include <sys/epoll.h>
#endif

namespace gg::io {

ReadinessFd::~ReadinessFd() {
  if (epoll_fd_ >= 0) close(epoll_fd_);
}

#ifdef __linux__
// An epoll descriptor is itself pollable: it reports input when one of the
// descriptors it watches has an event (level-triggered), and it nests in
// other pollers (Fibers' own epoll included).
int ReadinessFd::watch(int fd, bool readable, bool writable) {
  if (fd < 0) return -1;
  if (epoll_fd_ < 0) {
    epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd_ < 0) return -1;
  }
  struct epoll_event event = {};
  event.events = (readable ? EPOLLIN : 0u) | (writable ? EPOLLOUT : 0u);
  event.data.fd = fd;
  // A closed descriptor leaves the epoll set by itself, and its number may
  // come back as a new file: modify, and add when it is not (or no longer)
  // there.
  if (watched_fd_ != fd && watched_fd_ >= 0) epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, watched_fd_, nullptr);
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &event) < 0 &&
      epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) < 0) {
    watched_fd_ = -1;
    return -1;
  }
  watched_fd_ = fd;
  return epoll_fd_;
}

bool ReadinessFd::also_watch_input(int fd) {
  if (epoll_fd_ < 0) {
    epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd_ < 0) return false;
  }
  struct epoll_event event = {};
  event.events = EPOLLIN;
  event.data.fd = fd;
  return epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) == 0;
}
#else
int ReadinessFd::watch(int, bool, bool) { return -1; }
bool ReadinessFd::also_watch_input(int) { return false; }
#endif

}  // namespace gg::io
