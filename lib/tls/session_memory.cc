#include "session_memory.hh"

#include <libguile.h>

#include <algorithm>
#include <atomic>
#include <climits>

namespace gg {

namespace {

// The least session memory between two forced collections.  Below 8 MiB
// the collections cost more than they save; above it a program that makes
// sessions quickly takes longer to reach its steady size.
constexpr unsigned long kLeastCollectionKiB = 8 * 1024;

std::atomic<unsigned long> since_collection_kib{0};
std::atomic<unsigned long> collection_kib{kLeastCollectionKiB};

unsigned long heap_size_kib() {
  SCM size = scm_assq_ref(scm_gc_stats(), scm_from_utf8_symbol("heap-size"));
  return scm_is_unsigned_integer(size, 0, ULONG_MAX) ? scm_to_ulong(size) / 1024 : 0;
}

}  // namespace

void note_session_memory(unsigned kib) {
  unsigned long before = since_collection_kib.fetch_add(kib);
  if (before + kib < collection_kib.load() || before >= collection_kib.load()) return;
  // This call crossed the threshold: collect (scm_gc also runs pending
  // finalizers before it returns), then pace the next collection by the
  // heap, as Guile paces collections for memory allocated outside it, so a
  // program with a large heap is not collected once per few sessions.
  scm_gc();
  since_collection_kib = 0;
  collection_kib = std::max(kLeastCollectionKiB, heap_size_kib() / 2);
}

}  // namespace gg
