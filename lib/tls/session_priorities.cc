#include "session_priorities.hh"

#include <algorithm>
#include <array>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

namespace gg {

namespace {

// The parsed priorities of the most recently used strings, the most recent
// first, each with the reference gnutls_priority_init gave.  Few: a
// program that cycles through more strings than this parses each one every
// time, as gnutls_priority_set_direct does.
class PriorityCache {
 public:
  // Give `session` the cached priorities of `text` and store GnuTLS's
  // result in `*result`; false if `text` is not cached.  Under the lock,
  // so that no other thread drops the entry before the session has its
  // own reference.
  bool set_cached(gnutls_session_t session, const char* text, int* result) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (size_t i = 0; i < entries_.size(); i++) {
      if (entries_[i].parsed == nullptr || !entries_[i].is(text)) continue;
      *result = gnutls_priority_set(session, entries_[i].parsed);
      std::rotate(&entries_[0], &entries_[i], &entries_[i] + 1);
      return true;
    }
    return false;
  }

  // Keep `parsed`, the priorities of `text`, with its reference; the least
  // recently used entry makes room (the sessions using it keep it alive).
  void add(const char* text, gnutls_priority_t parsed) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (entries_.back().parsed != nullptr) gnutls_priority_deinit(entries_.back().parsed);
    std::rotate(entries_.begin(), entries_.end() - 1, entries_.end());
    entries_[0] = Entry{text == nullptr ? std::nullopt : std::optional<std::string>(text), parsed};
  }

 private:
  struct Entry {
    std::optional<std::string> text;  // nullopt: the defaults
    gnutls_priority_t parsed = nullptr;
    bool is(const char* other) const { return other == nullptr ? !text : text && *text == other; }
  };
  std::mutex mutex_;
  std::array<Entry, 8> entries_;
};

// Never destroyed: sessions finalized at exit may still use its entries.
PriorityCache& cache() {
  static PriorityCache* const instance = new PriorityCache;
  return *instance;
}

}  // namespace

int set_session_priorities(gnutls_session_t session, const char* text, const char** error_position) {
  int r;
  if (cache().set_cached(session, text, &r)) return r;
  gnutls_priority_t parsed = nullptr;
  r = gnutls_priority_init(&parsed, text, error_position);
  if (r < 0) return r;
  r = gnutls_priority_set(session, parsed);
  if (r < 0) {
    // Priorities no session can use are not worth keeping.
    gnutls_priority_deinit(parsed);
    return r;
  }
  cache().add(text, parsed);
  return r;
}

}  // namespace gg
