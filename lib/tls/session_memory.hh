// Sessions hold memory the garbage collector cannot see (GnuTLS's) and are
// finalized, with their record ports, in the background: a program that
// creates sessions quickly outruns finalization and its heap grows.  A
// collection with synchronous finalization after every so much session
// memory keeps memory flat, at a cost in proportion to what was created:
// a loop of bare handshakes collects less often than one that also makes
// record ports.
#pragma once

namespace gg {

// What a session costs beyond its Scheme object: gnutls_init and the
// priorities (about 16 KiB); a record port adds its two buffers.
constexpr unsigned kSessionMemoryKiB = 16;
constexpr unsigned kRecordPortMemoryKiB = 32;

// Count `kib` KiB of session memory just created; collect (and run
// finalizers) once enough has accumulated since the last such collection.  Call in Guile mode, with no
// C++ object alive that a finalizer's exception could skip.
void note_session_memory(unsigned kib);

}  // namespace gg
