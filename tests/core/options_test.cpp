// tests/core/options_test.cpp — the option tables: one row per enumerator, parsed at the edge.
#include "cogkit/core/options.hpp"

#include <cctype>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "cogkit/core/error.hpp"

namespace cogkit {
namespace {

// Every enumerator 0..count-1 has exactly one row, names are lower-case and distinct, and
// each name and alias parses back to its value in any case.
template <class E>
void expect_complete(int count) {
  const auto& t = table<E>();
  ASSERT_EQ(static_cast<int>(t.entries.size()), count) << t.option;
  std::set<std::string> seen;
  for (int i = 0; i < count; ++i) {
    const E v = static_cast<E>(i);
    const std::string name(to_name(v));
    EXPECT_EQ(entry(v).value, v) << t.option << " " << i;
    EXPECT_TRUE(seen.insert(name).second) << t.option << ": " << name << " twice";
    for (char c : name) EXPECT_FALSE(c >= 'A' && c <= 'Z') << name;
    std::string shout = name;
    for (auto& c : shout) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_EQ(parse<E>(shout), v) << shout;
  }
  for (const auto& a : t.aliases) {
    EXPECT_FALSE(seen.count(std::string(a.name))) << a.name;
    EXPECT_EQ(parse<E>(a.name), a.value);
  }
  EXPECT_FALSE(try_parse<E>("no-such-value"));
}

TEST(Options, EveryEnumeratorHasOneRow) {
  expect_complete<Resampling>(14);
  expect_complete<Compression>(10);
  expect_complete<Predictor>(4);
  expect_complete<Overviews>(2);
  expect_complete<OverviewResampling>(9);
  expect_complete<Writer>(3);
  expect_complete<StagingMode>(3);
  expect_complete<FillMethod>(2);
  expect_complete<MosaicResolution>(3);
  expect_complete<XyzBin>(6);
  expect_complete<AsciiType>(7);
  expect_complete<DataType>(9);
  expect_complete<OutputFormat>(2);
  expect_complete<ProgressStyle>(5);
}

TEST(Options, AliasesAndGdalSpellings) {
  EXPECT_EQ(parse<Resampling>("near"), Resampling::nearest);
  EXPECT_EQ(to_gdal(Resampling::nearest), "near");
  EXPECT_EQ(parse<Predictor>("2"), Predictor::standard);
  EXPECT_EQ(parse<Predictor>("3"), Predictor::floating_point);
  EXPECT_EQ(to_gdal(Compression::lerc_zstd), "LERC_ZSTD");
  EXPECT_EQ(from_gdal<Compression>("DEFLATE"), Compression::deflate);
  EXPECT_FALSE(from_gdal<Compression>("PACKBITS"));
  EXPECT_EQ(to_gdal(OverviewResampling::nearest), "NEAREST");
  EXPECT_EQ(to_name(StagingMode::by_budget), "auto");
}

TEST(Options, UnknownValuesNameTheOptionAndTheChoices) {
  try {
    parse<Compression>("brotli");
    FAIL();
  } catch (const error& e) {
    EXPECT_EQ(e.step(), "options");
    EXPECT_EQ(e.message(), "unknown compression 'brotli' (one of: deflate, zstd, lzw, lerc, lerc_deflate, lerc_zstd, "
                           "webp, jpeg, lzma, none)");
  }
  EXPECT_EQ(names<Writer>(), "auto, cogkit, gdal");
}

}  // namespace
}  // namespace cogkit
