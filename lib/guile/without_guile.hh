// Blocking calls that touch no Scheme object run outside Guile mode, so a
// thread waiting for its peer holds up neither the garbage collector nor
// other threads.
#pragma once

#include <libguile.h>

#include <type_traits>

namespace gg {

// Call `body` outside Guile mode and return its result (a default-
// constructible value).  `body` must not touch Scheme objects or throw.
template <class Body>
auto without_guile(Body&& body) {
  using Result = std::invoke_result_t<Body&>;
  struct Call {
    std::remove_reference_t<Body>* body;
    Result result;
  } call{&body, Result{}};
  scm_without_guile(
      [](void* data) -> void* {
        auto* c = static_cast<Call*>(data);
        c->result = (*c->body)();
        return nullptr;
      },
      &call);
  return call.result;
}

}  // namespace gg
