// Which operations are running on a session, and which may start.  GnuTLS
// allows one thread receiving and one sending at a time; everything else
// (a handshake, bye, an alert, a new transport or new parameters) needs the
// session to itself.  An operation that may not start raises at once, with
// a message saying what is in progress: it never waits, so no pair of
// threads (nor a transport port calling back into its own session) can
// deadlock on it.
#pragma once

#include "errors.hh"

#include <gnutls/gnutls.h>

#include <mutex>
#include <string>
#include <thread>

namespace gg {

class SessionActivity {
 public:
  enum class Role {
    reader,  // receives records: may overlap one writer
    writer,  // sends records: may overlap one reader
    sole,    // needs the session to itself
  };

  // Holds a role for as long as it lives; its constructor throws
  // GnutlsError (error/invalid-request) when the role may not start.
  // `operation` names it with its article ("a handshake"): a literal.
  class Entry {
   public:
    Entry(SessionActivity& activity, Role role, const char* operation) : activity_(activity), role_(role) {
      activity_.enter(role, operation);
    }
    Entry(const Entry&) = delete;
    Entry& operator=(const Entry&) = delete;
    ~Entry() { activity_.leave(role_); }

   private:
    SessionActivity& activity_;
    Role role_;
  };

 private:
  struct Slot {
    const char* operation = nullptr;  // null: free
    std::thread::id thread;
  };

  void enter(Role role, const char* operation) {
    std::thread::id self = std::this_thread::get_id();
    const Slot* conflict = nullptr;
    const char* other = nullptr;  // a literal: safe to keep once unlocked
    bool nested = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      // The same thread entering again is a callback (a transport port, a
      // signal handler) re-entering the session from inside an operation:
      // refused whatever the roles, GnuTLS is in the middle of a call.
      for (const Slot* slot : {&sole_, &reader_, &writer_}) {
        if (slot->operation != nullptr && slot->thread == self) {
          conflict = slot;
          nested = true;
          break;
        }
      }
      if (conflict == nullptr) {
        if (sole_.operation != nullptr) {
          conflict = &sole_;
        } else if (role == Role::sole) {
          conflict = reader_.operation != nullptr   ? &reader_
                     : writer_.operation != nullptr ? &writer_
                                                    : nullptr;
        } else {
          Slot& own = slot(role);
          if (own.operation != nullptr) conflict = &own;
        }
      }
      if (conflict == nullptr) {
        slot(role) = Slot{operation, self};
        return;
      }
      other = conflict->operation;
    }
    refuse(operation, other, nested);
  }

  void leave(Role role) {
    std::lock_guard<std::mutex> lock(mutex_);
    slot(role) = Slot{};
  }

  Slot& slot(Role role) { return role == Role::reader ? reader_ : role == Role::writer ? writer_ : sole_; }

  [[noreturn]] static void refuse(const char* operation, const char* other, bool nested) {
    std::string message = nested ? std::string(operation) + " cannot start from inside " + other +
                                       " on the same session (a transport port or a signal handler "
                                       "calling back into its session)"
                                 : std::string(operation) + " cannot start while " + other +
                                       " is in progress on this session in another thread";
    throw GnutlsError(GNUTLS_E_INVALID_REQUEST, message);
  }

  mutable std::mutex mutex_;
  Slot reader_, writer_, sole_;
};

}  // namespace gg
