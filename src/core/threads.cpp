// src/core/threads.cpp — see cogkit/core/threads.hpp.
#include "cogkit/core/threads.hpp"

#include <thread>

namespace cogkit {

int resolve_threads(int threads) {
  if (threads > 0) return threads;
  const unsigned n = std::thread::hardware_concurrency();
  return n ? static_cast<int>(n) : 1;
}

}  // namespace cogkit
