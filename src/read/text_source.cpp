// src/read/text_source.cpp — see text_source.hpp.
#include "read/text_source.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <functional>
#include <future>
#include <vector>

#include <cpl_conv.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <zlib.h>
#include <zstd.h>

#include "cogkit/core/error.hpp"
#include "core/mapped_file.hpp"
#include "core/text.hpp"

namespace cogkit::detail {
namespace {

inline bool is_space(char c) noexcept { return static_cast<unsigned char>(c) <= ' '; }

// ---------------------------------------------------------------- mmap
class MappedSource final : public TextSource {
 public:
  explicit MappedSource(const std::string& path) : file_(path) {}

  std::string_view next(std::size_t max_bytes) override {
    // Parsed pages are dropped from the resident set (they stay in the page cache).
    file_.drop_before(pos_);
    const char* data = file_.data();
    const std::uint64_t size = file_.size();
    if (pos_ >= size) return {};
    std::uint64_t end = std::min<std::uint64_t>(size, pos_ + std::max<std::size_t>(max_bytes, 1));
    while (end < size && !is_space(data[end])) ++end;
    const std::string_view piece(data + pos_, end - pos_);
    pos_ = end;
    return piece;
  }
  std::uint64_t input_bytes() const override { return file_.size(); }
  std::uint64_t max_text_bytes() const override { return file_.size(); }
  std::uint64_t position() const override { return pos_; }

 private:
  MappedFile file_;
  std::uint64_t pos_ = 0;
};

// ---------------------------------------------------------------- streaming
// Decompression runs one piece ahead, on its own thread, while the caller parses the
// current piece (double buffering).
class StreamSource final : public TextSource {
 public:
  using Reader = std::function<std::size_t(char*, std::size_t)>;
  StreamSource(Reader reader, std::uint64_t input_bytes, std::uint64_t max_text)
      : reader_(std::move(reader)), input_bytes_(input_bytes), max_text_(max_text) {}
  ~StreamSource() override {
    if (pending_.valid()) pending_.wait();
  }
  StreamSource(const StreamSource&) = delete;
  StreamSource& operator=(const StreamSource&) = delete;

  std::string_view next(std::size_t max_bytes) override {
    max_bytes = std::max<std::size_t>(max_bytes, 4096);
    if (!started_) {
      started_ = true;
      buf_[cur_].data.resize(max_bytes);
      fill(buf_[cur_], 0);
    } else {
      if (!pending_.valid()) return {};
      pending_.get();  // rethrows a decompression error
      cur_ ^= 1;
    }
    Buffer& b = buf_[cur_];
    if (b.filled == 0) return {};
    std::size_t cut = b.filled;
    if (!b.eof) {
      std::size_t i = b.filled;
      while (i > 0 && !is_space(b.data[i - 1])) --i;
      if (i > 0) cut = i;  // else: one giant token; hand it out whole
    }
    // Start filling the other buffer: the partial token first, then fresh text.
    const std::size_t carry = b.filled - cut;
    if (!b.eof || carry > 0) {
      Buffer& o = buf_[cur_ ^ 1];
      if (o.data.size() < max_bytes + carry) o.data.resize(max_bytes + carry);
      std::memcpy(o.data.data(), b.data.data() + cut, carry);
      if (b.eof) {
        o.filled = carry;
        o.eof = true;
        std::promise<void> done;
        done.set_value();
        pending_ = done.get_future();
      } else {
        pending_ = std::async(std::launch::async, [this, &o, carry] { fill(o, carry); });
      }
    }
    position_ += cut;
    return {b.data.data(), cut};
  }
  std::uint64_t input_bytes() const override { return input_bytes_; }
  std::uint64_t max_text_bytes() const override { return max_text_; }
  std::uint64_t position() const override { return position_; }

 private:
  struct Buffer {
    std::vector<char> data;
    std::size_t filled = 0;
    bool eof = false;
  };
  void fill(Buffer& b, std::size_t carry) {
    std::size_t filled = carry;
    bool eof = false;
    while (!eof && filled < b.data.size()) {
      const std::size_t n = reader_(b.data.data() + filled, b.data.size() - filled);
      if (n == 0) eof = true;
      filled += n;
    }
    b.filled = filled;
    b.eof = eof;
  }
  Reader reader_;
  Buffer buf_[2];
  int cur_ = 0;
  bool started_ = false;
  std::future<void> pending_;
  std::uint64_t input_bytes_, max_text_, position_ = 0;
};

struct GzCloser {
  void operator()(gzFile f) const noexcept {
    if (f) gzclose(f);
  }
};
struct VsiCloser {
  void operator()(VSILFILE* f) const noexcept {
    if (f) VSIFCloseL(f);
  }
};
struct FileCloser {
  void operator()(std::FILE* f) const noexcept {
    if (f) std::fclose(f);
  }
};
struct ZstdFreer {
  void operator()(ZSTD_DStream* z) const noexcept {
    if (z) ZSTD_freeDStream(z);
  }
};

std::uint64_t file_size(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
}

std::unique_ptr<TextSource> gzip_source(const std::string& path) {
  std::shared_ptr<gzFile_s> gz(gzopen(path.c_str(), "rb"), GzCloser{});
  if (!gz) throw error("read", path, "cannot open gzip file");
  gzbuffer(gz.get(), 1 << 20);
  const std::uint64_t in = file_size(path);
  auto reader = [gz, path](char* out, std::size_t n) -> std::size_t {
    const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(n, 1u << 30));
    const int r = gzread(gz.get(), out, chunk);
    if (r < 0) {
      int code = 0;
      const char* msg = gzerror(gz.get(), &code);
      throw error("read", path, std::string("gzip data is corrupt: ") + (msg ? msg : "?"));
    }
    return static_cast<std::size_t>(r);
  };
  // Deflate expands at most ~1032:1.
  return std::make_unique<StreamSource>(reader, in, in * 1032 + 1024);
}

std::unique_ptr<TextSource> zstd_source(const std::string& path) {
  std::shared_ptr<std::FILE> f(std::fopen(path.c_str(), "rb"), FileCloser{});
  if (!f) throw error("read", path, std::string("cannot open: ") + std::strerror(errno));
  std::shared_ptr<ZSTD_DStream> z(ZSTD_createDStream(), ZstdFreer{});
  ZSTD_initDStream(z.get());
  struct State {
    std::vector<char> in = std::vector<char>(ZSTD_DStreamInSize());
    ZSTD_inBuffer input{nullptr, 0, 0};
    bool file_eof = false;
    std::size_t last = 0;
  };
  auto st = std::make_shared<State>();
  st->input.src = st->in.data();
  auto reader = [f, z, st, path](char* out, std::size_t n) -> std::size_t {
    ZSTD_outBuffer output{out, n, 0};
    while (output.pos < output.size) {
      if (st->input.pos == st->input.size) {
        if (st->file_eof) break;
        const std::size_t got = std::fread(st->in.data(), 1, st->in.size(), f.get());
        if (got == 0) {
          st->file_eof = true;
          if (st->last != 0) throw error("read", path, "zstd data is truncated");
          break;
        }
        st->input = ZSTD_inBuffer{st->in.data(), got, 0};
      }
      const std::size_t r = ZSTD_decompressStream(z.get(), &output, &st->input);
      if (ZSTD_isError(r)) throw error("read", path, std::string("zstd data is corrupt: ") + ZSTD_getErrorName(r));
      st->last = r;
    }
    return output.pos;
  };
  return std::make_unique<StreamSource>(reader, file_size(path), 0);
}

std::unique_ptr<TextSource> vsi_source(const std::string& vsi_path, std::uint64_t input_bytes) {
  std::shared_ptr<VSILFILE> f(VSIFOpenL(vsi_path.c_str(), "rb"), VsiCloser{});
  if (!f) throw error("read", vsi_path, "cannot open", CPLGetLastErrorMsg());
  VSIStatBufL st{};
  std::uint64_t text = 0;
  if (VSIStatL(vsi_path.c_str(), &st) == 0) text = static_cast<std::uint64_t>(st.st_size);
  auto reader = [f](char* out, std::size_t n) -> std::size_t { return VSIFReadL(out, 1, n, f.get()); };
  return std::make_unique<StreamSource>(reader, input_bytes ? input_bytes : text, text);
}

enum class Magic { plain, gzip, zip, zstd };
Magic magic_of(const std::string& path) {
  std::unique_ptr<std::FILE, FileCloser> f(std::fopen(path.c_str(), "rb"));
  unsigned char b[4] = {};
  if (!f || std::fread(b, 1, 4, f.get()) < 2) return Magic::plain;
  if (b[0] == 0x1f && b[1] == 0x8b) return Magic::gzip;
  if (b[0] == 'P' && b[1] == 'K' && b[2] == 3 && b[3] == 4) return Magic::zip;
  if (b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd) return Magic::zstd;
  return Magic::plain;
}

// The member of a zip that holds the text: the one member that starts like `kind`.
std::string zip_member(const std::string& path, const TextKind& kind) {
  const std::string root = "/vsizip/{" + path + "}";
  char** list = VSIReadDirRecursive(root.c_str());
  std::vector<std::string> found, all;
  for (char** p = list; p && *p; ++p) {
    const std::string name = *p;
    if (name.empty() || name.back() == '/') continue;
    all.push_back(name);
    const std::string low = lower(name);
    if (low.ends_with(".prj") || low.ends_with(".xml") || low.ends_with(".aux") || low.ends_with(".txt.prj")) continue;
    if (kind.starts_like(peek_text(root + "/" + name, kSniffBytes, kind))) found.push_back(name);
  }
  CSLDestroy(list);
  if (found.empty())
    throw error("read", path,
                std::string("the zip holds no ") + kind.name + " (" + std::to_string(all.size()) + " member(s) looked at)");
  if (found.size() > 1) {
    std::string names;
    for (const auto& g : found) names += (names.empty() ? "" : ", ") + g;
    throw error("read", path,
                "the zip holds " + std::to_string(found.size()) + " " + kind.name + "s (" + names +
                    "); name one as /vsizip/{" + path + "}/<member>");
  }
  return root + "/" + found.front();
}

}  // namespace

OpenedText open_text(const std::string& path, const TextKind& kind) {
  OpenedText r;
  if (path.rfind("/vsi", 0) == 0) {
    r.source = vsi_source(path, 0);
    r.text_path = path;
    return r;
  }
  if (::access(path.c_str(), R_OK) != 0) throw error("read", path, std::string("cannot open: ") + std::strerror(errno));
  switch (magic_of(path)) {
    case Magic::gzip:
      r.source = gzip_source(path);
      r.compression = "gzip";
      r.text_path = path;
      break;
    case Magic::zstd:
      r.source = zstd_source(path);
      r.compression = "zstd";
      r.text_path = path;
      break;
    case Magic::zip:
      r.text_path = zip_member(path, kind);
      r.source = vsi_source(r.text_path, file_size(path));
      r.compression = "zip";
      break;
    case Magic::plain:
      r.source = std::make_unique<MappedSource>(path);
      r.text_path = path;
      break;
  }
  return r;
}

std::string peek_text(const std::string& path, std::size_t n, const TextKind& kind) {
  try {
    if (path.rfind("/vsi", 0) == 0) {
      std::unique_ptr<VSILFILE, VsiCloser> f(VSIFOpenL(path.c_str(), "rb"));
      if (!f) return {};
      std::string s(n, '\0');
      s.resize(VSIFReadL(s.data(), 1, n, f.get()));
      return s;
    }
    OpenedText t = open_text(path, kind);
    std::string s;
    while (s.size() < n) {
      const auto piece = t.source->next(n - s.size());
      if (piece.empty()) break;
      s.append(piece.substr(0, n - s.size()));
    }
    return s;
  } catch (...) {
    return {};
  }
}

}  // namespace cogkit::detail
