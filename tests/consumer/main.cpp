// A project that links the installed cogkit package.
#include <cogkit/cogkit.hpp>

#include <cstdio>

int main() {
  const auto budget = cogkit::parse_size("448MB");
  if (budget != 448000000ULL) return 1;
  cogkit::CogOptions cog;
  cogkit::validate_cog_options(cog);
  std::printf("cogkit consumer OK (budget %llu)\n", static_cast<unsigned long long>(budget));
  return 0;
}
