// A file descriptor closed with its owner.
#pragma once

#include <unistd.h>

namespace gg::io {

class OwnedFd {
 public:
  OwnedFd() = default;
  OwnedFd(const OwnedFd&) = delete;
  OwnedFd& operator=(const OwnedFd&) = delete;
  ~OwnedFd() { reset(-1); }

  int get() const { return fd_; }
  bool open() const { return fd_ >= 0; }
  // Give up the descriptor without closing it.
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  // Own `fd` (-1 for none), closing the descriptor owned so far.
  void reset(int fd) {
    if (fd_ >= 0) close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace gg::io
