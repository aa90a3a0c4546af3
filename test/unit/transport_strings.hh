// Strings pushed to and pulled from a transport, for the unit tests.
#pragma once

#include <gnutls/gnutls.h>
#include <catch2/catch.hpp>

#include <cstddef>
#include <string>

#include "transport.hh"

namespace gg::test {

// Push S in one vector of TRANSPORT (an FdTransport or a PortTransport).
template <class Transport>
gg::io::IoResult push_string(Transport& transport, const std::string& s) {
  giovec_t v = {const_cast<char*>(s.data()), s.size()};
  return transport.push(&v, 1);
}

// One pull of at most SIZE bytes, which must not fail, as a string.
template <class Transport>
std::string pull_string(Transport& transport, size_t size = 64) {
  std::string s(size, '\0');
  gg::io::IoResult r = transport.pull(&s[0], size);
  REQUIRE(r.error == 0);
  s.resize(static_cast<size_t>(r.count));
  return s;
}

}  // namespace gg::test
