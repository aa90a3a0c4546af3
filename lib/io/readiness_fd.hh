// A descriptor that polls readable whenever a watched descriptor is ready.
// A port's read waiter only ever polls its read wait fd for input; when a
// read must first send output that the transport cannot take yet, this is
// what lets that waiter wake up on writability (and DeadlineWaitFd builds
// on it to wake up at a deadline too).
#pragma once

#include "owned_fd.hh"

namespace gg::io {

class ReadinessFd {
 public:
  // The descriptor to poll for input in order to wait until `fd` is
  // readable or writable, or -1 where the system cannot provide one.
  int watch(int fd) { return watch(fd, true, true); }
  // The same, for the directions asked for.  One descriptor is watched at a
  // time: watching another one forgets the last.
  int watch(int fd, bool readable, bool writable);
  // Watch `fd` for input too, for good (a timer's descriptor); false where
  // the system cannot.
  bool also_watch_input(int fd);

 private:
  bool open_epoll();
  OwnedFd epoll_;
  int watched_fd_ = -1;
};

}  // namespace gg::io
