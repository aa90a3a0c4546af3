#include "readiness_fd.hh"

#ifdef __linux__
#include <sys/epoll.h>
#endif

namespace gg::io {

#ifdef __linux__
bool ReadinessFd::open_epoll() {
  if (!epoll_.open()) epoll_.reset(epoll_create1(EPOLL_CLOEXEC));
  return epoll_.open();
}

// An epoll descriptor is itself pollable: it reports input when one of the
// descriptors it watches has an event (level-triggered), and it nests in
// other pollers (Fibers' own epoll included).
int ReadinessFd::watch(int fd, bool readable, bool writable) {
  if (fd < 0 || !open_epoll()) return -1;
  struct epoll_event event = {};
  event.events = (readable ? EPOLLIN : 0u) | (writable ? EPOLLOUT : 0u);
  event.data.fd = fd;
  // A closed descriptor leaves the epoll set by itself, and its number may
  // come back as a new file: modify, and add when it is not (or no longer)
  // there.
  if (watched_fd_ != fd && watched_fd_ >= 0) epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, watched_fd_, nullptr);
  if (epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &event) < 0 &&
      epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &event) < 0) {
    watched_fd_ = -1;
    return -1;
  }
  watched_fd_ = fd;
  return epoll_.get();
}

bool ReadinessFd::also_watch_input(int fd) {
  if (!open_epoll()) return false;
  struct epoll_event event = {};
  event.events = EPOLLIN;
  event.data.fd = fd;
  return epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &event) == 0;
}
#else
int ReadinessFd::watch(int, bool, bool) { return -1; }
bool ReadinessFd::also_watch_input(int) { return false; }
#endif

}  // namespace gg::io
