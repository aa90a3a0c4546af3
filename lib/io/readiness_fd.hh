// A descriptor that polls readable whenever a watched descriptor is
// readable or writable.  A port's read waiter only ever polls its read wait
// fd for input; when a read must first send output that the transport
// cannot take yet, this is what lets that waiter wake up on writability.
#pragma once

namespace gg::io {

class ReadinessFd {
 public:
  ReadinessFd() = default;
  ReadinessFd(const ReadinessFd&) = delete;
  ReadinessFd& operator=(const ReadinessFd&) = delete;
  ~ReadinessFd();

  // The descriptor to poll for input in order to wait until `fd` is
  // readable or writable, or -1 where the system cannot provide one.
  int watch(int fd);

 private:
  int epoll_fd_ = -1;
  int watched_fd_ = -1;
};

}  // namespace gg::io
