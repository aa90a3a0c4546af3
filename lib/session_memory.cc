#include "session_memory.hh"

#include <libguile.h>

#include <atomic>

namespace gg {

namespace {
constexpr unsigned long kCollectEveryKiB = 16 * 1024;
std::atomic<unsigned long> created_kib{0};
}  // namespace

void note_session_memory(unsigned kib) {
  unsigned long before = created_kib.fetch_add(kib);
  // scm_gc also runs pending finalizers before it returns.
  if ((before + kib) / kCollectEveryKiB != before / kCollectEveryKiB) scm_gc();
}

}  // namespace gg
