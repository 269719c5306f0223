#include "cogkit/core/staging.hpp"

#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <set>
#include <string>

#include <cpl_conv.h>
#include <cpl_string.h>
#include <cpl_vsi.h>

#include "cogkit/core/error.hpp"
#include "core/text.hpp"

namespace cogkit {

std::uint64_t parse_size(std::string_view text) {
  std::string t;
  for (char c : text)
    if (!std::isspace(static_cast<unsigned char>(c))) t += c;
  auto bad = [&] {
    return error("options", "", "invalid size '" + std::string(text) + "' (expected e.g. 448MB, 2GB, 1GiB, 512M)");
  };
  if (t.empty()) throw bad();
  std::size_t pos = 0;
  double number = 0;
  try {
    number = std::stod(t, &pos);
  } catch (...) {
    throw bad();
  }
  const std::string unit = detail::lower(t.substr(pos));
  double mult = 0;
  if (unit.empty() || unit == "b") mult = 1;
  else if (unit == "kb") mult = 1e3;
  else if (unit == "mb") mult = 1e6;
  else if (unit == "gb") mult = 1e9;
  else if (unit == "tb") mult = 1e12;
  else if (unit == "k" || unit == "kib") mult = 1024.0;
  else if (unit == "m" || unit == "mib") mult = 1024.0 * 1024;
  else if (unit == "g" || unit == "gib") mult = 1024.0 * 1024 * 1024;
  else if (unit == "t" || unit == "tib") mult = 1024.0 * 1024 * 1024 * 1024;
  else throw bad();
  if (!(number > 0) || !std::isfinite(number)) throw bad();
  return static_cast<std::uint64_t>(std::llround(number * mult));
}

namespace {
std::uint64_t read_limit(const char* path) {
  std::ifstream f(path);
  std::string s;
  if (!(f >> s) || s == "max") return 0;
  try {
    return std::stoull(s);
  } catch (...) {
    return 0;
  }
}
}  // namespace

std::uint64_t available_memory() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  std::uint64_t mem = (pages > 0 && page > 0) ? std::uint64_t(pages) * std::uint64_t(page) : (4ULL << 30);
  for (const char* p : {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
    const std::uint64_t lim = read_limit(p);
    if (lim > 0 && lim < mem) mem = lim;
  }
  return mem;
}

std::uint64_t default_memory_budget() { return available_memory() / 4; }

std::uint64_t peak_rss() {
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  return std::uint64_t(ru.ru_maxrss) * 1024;
}

MemoryBudget::MemoryBudget(const StagingOptions& options)
    : total_(options.memory_budget ? options.memory_budget : default_memory_budget()), tmpdir_(options.tmpdir) {
  if (tmpdir_.empty()) {
    const char* env = std::getenv("TMPDIR");
    tmpdir_ = (env && *env) ? env : "/tmp";
  }
  force_ = options.force;
}

// The budget is split: 1/8 GDAL block cache, 1/8 warper (at most 64 MB, gdalwarp's default:
// one huge warp chunk leaves no I/O to overlap with compute, measured 1.7x slower), 1/8 step work buffers,
// the rest (5/8) for intermediates staged in memory.
std::uint64_t MemoryBudget::block_cache() const noexcept {
  return std::clamp<std::uint64_t>(total_ / 8, 8ULL << 20, 512ULL << 20);
}
std::uint64_t MemoryBudget::warp_memory() const noexcept {
  return std::clamp<std::uint64_t>(total_ / 8, 8ULL << 20, 64ULL << 20);
}
std::uint64_t MemoryBudget::work_memory() const noexcept {
  return std::max<std::uint64_t>(total_ / 8, 8ULL << 20);
}
bool MemoryBudget::fits_in_memory(std::uint64_t bytes) const noexcept {
  if (force_ == StagingMode::memory) return true;
  if (force_ == StagingMode::file) return false;
  const std::uint64_t reserved = block_cache() + warp_memory() + work_memory();
  return total_ > reserved && bytes <= total_ - reserved;
}

// ---------------------------------------------------------------------------
// Temp paths and signal cleanup

namespace {
std::mutex& registry_mutex() {
  static std::mutex m;
  return m;
}
std::set<std::string>& registry() {
  static std::set<std::string> r;
  return r;
}
// A fixed-size copy for the async-signal-safe path (unlink only).
constexpr int kMaxSignalPaths = 256;
char g_signal_paths[kMaxSignalPaths][4096];
std::atomic<int> g_signal_count{0};

void rebuild_signal_table() {
  int n = 0;
  for (const auto& p : registry()) {
    if (n >= kMaxSignalPaths || p.size() >= sizeof(g_signal_paths[0])) continue;
    std::memcpy(g_signal_paths[n], p.c_str(), p.size() + 1);
    ++n;
  }
  g_signal_count.store(n);
}

void register_path(const std::string& p) {
  std::lock_guard lock(registry_mutex());
  registry().insert(p);
  rebuild_signal_table();
}
void unregister_path(const std::string& p) {
  std::lock_guard lock(registry_mutex());
  registry().erase(p);
  rebuild_signal_table();
}

const char* const kSidecars[] = {"", ".aux.xml", ".ovr", ".msk", ".ovr.tmp", ".msk.ovr.tmp", ".warped.tif.tmp"};

extern "C" void cleanup_on_signal(int sig) {
  const int n = g_signal_count.load();
  char buf[4200];
  for (int i = 0; i < n; ++i) {
    for (const char* suffix : kSidecars) {
      const std::size_t a = std::strlen(g_signal_paths[i]), b = std::strlen(suffix);
      if (a + b + 1 > sizeof(buf)) continue;
      std::memcpy(buf, g_signal_paths[i], a);
      std::memcpy(buf + a, suffix, b + 1);
      unlink(buf);
    }
  }
  signal(sig, SIG_DFL);
  raise(sig);
}

std::atomic<unsigned> g_counter{0};
}  // namespace

TempPath::TempPath(const std::string& dir, std::string_view stem, std::string_view suffix) {
  std::string s(stem);
  for (auto& c : s)
    if (c == '/') c = '_';
  path_ = dir + (dir.empty() || dir.back() == '/' ? "" : "/") + "." + s + ".cogkit-" + std::to_string(getpid()) + "-" +
          std::to_string(g_counter++) + std::string(suffix);
  register_path(path_);
}

TempPath::~TempPath() { remove(); }

TempPath::TempPath(TempPath&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }

TempPath& TempPath::operator=(TempPath&& other) noexcept {
  if (this != &other) {
    remove();
    path_ = std::move(other.path_);
    other.path_.clear();
  }
  return *this;
}

void TempPath::release() noexcept {
  if (path_.empty()) return;
  try {
    unregister_path(path_);
  } catch (...) {
  }
  path_.clear();
}

void TempPath::remove() noexcept {
  if (path_.empty()) return;
  for (const char* suffix : kSidecars) {
    const std::string p = path_ + suffix;
    VSIStatBufL st;
    if (VSIStatExL(p.c_str(), &st, VSI_STAT_EXISTS_FLAG) == 0) VSIUnlink(p.c_str());
  }
  release();
}

void install_signal_cleanup() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
      struct sigaction sa {};
      sa.sa_handler = cleanup_on_signal;
      sigemptyset(&sa.sa_mask);
      sigaction(sig, &sa, nullptr);
    }
  });
}

std::uint64_t StagedRaster::held_bytes() const noexcept {
  GDALDatasetH ds = get();
  if (!in_memory || !ds || GDALGetRasterCount(ds) < 1) return 0;
  return std::uint64_t(GDALGetRasterXSize(ds)) * std::uint64_t(GDALGetRasterYSize(ds)) *
         std::uint64_t(GDALGetRasterCount(ds)) *
         std::uint64_t(GDALGetDataTypeSizeBytes(GDALGetRasterDataType(GDALGetRasterBand(ds, 1))));
}

StagedRaster create_staged(const MemoryBudget& budget, int width, int height, int bands, GDALDataType type,
                           std::string_view stem) {
  GDALAllRegister();
  const std::uint64_t bytes =
      std::uint64_t(width) * std::uint64_t(height) * std::uint64_t(bands) * std::uint64_t(GDALGetDataTypeSizeBytes(type));
  const bool memory = budget.fits_in_memory(bytes);
  StagedRaster out;
  out.in_memory = memory;
  if (memory) {
    out.dataset.reset(GDALCreate(GDALGetDriverByName("MEM"), "", width, height, bands, type, nullptr));
    if (!out.dataset)
      throw error("stage", std::string(stem), "cannot allocate " + std::to_string(bytes >> 20) + " MB in memory",
                  CPLGetLastErrorMsg());
  } else {
    out.temp = TempPath(budget.tmpdir(), stem, ".tif");
    CPLStringList co;
    co.AddString("TILED=YES");
    co.AddString("BLOCKXSIZE=256");
    co.AddString("BLOCKYSIZE=256");
    co.AddString("COMPRESS=ZSTD");
    co.AddString("ZSTD_LEVEL=1");
    co.AddString("BIGTIFF=YES");
    co.AddString("SPARSE_OK=FALSE");
    if (bands > 1) co.AddString("INTERLEAVE=BAND");
    out.dataset.reset(
        GDALCreate(GDALGetDriverByName("GTiff"), out.temp.path().c_str(), width, height, bands, type, co.List()));
    if (!out.dataset)
      throw error("stage", out.temp.path(), "cannot create temporary file in " + budget.tmpdir(), CPLGetLastErrorMsg());
  }
  return out;
}

}  // namespace cogkit
