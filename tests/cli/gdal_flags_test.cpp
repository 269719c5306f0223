// tests/cli/gdal_flags_test.cpp — GDAL's spellings of the flags (tools/gdal_flags.hpp): each becomes
// cogkit's flag, takes exactly its values, and never a positional or another flag; unknown
// flags are refused with the closest known one. End to end: the tools take GDAL command lines.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "cli_common.hpp"
#include "cogkit/core/error.hpp"
#include "gdal_flags.hpp"
#include "test_support.hpp"

using namespace cogkit;
using namespace cogkit::test;

namespace {

// Parses `args` as cogify would, into `out`.
void parse(const std::vector<std::string>& args, cli::CommonArgs& out) {
  CLI::App app{"test"};
  cli::add_common_options(app, out);
  app.add_flag("--mosaic", out.mosaic);
  for (CLI::Option* opt : app.get_options())
    if (opt->nonpositional()) opt->allow_extra_args(false);
  std::vector<std::string> v = cli::normalize_args(args, app);
  std::reverse(v.begin(), v.end());
  app.parse(v);
}

std::string error_of(const std::vector<std::string>& args) {
  cli::CommonArgs a;
  try {
    parse(args, a);
  } catch (const error& e) {
    return e.message();
  } catch (const CLI::ParseError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(GdalFlags, GdalSpellingsSetCogkitsOptions) {
  cli::CommonArgs a;
  parse({"in.tif", "out.tif", "-t_srs", "EPSG:3857", "-tr", "20", "30", "-co", "COMPRESS=ZSTD", "-a_srs", "EPSG:25832",
         "-te", "-10", "-20", "10", "20", "-te_srs", "EPSG:4326", "-ts", "100", "0", "-tap", "-r", "bilinear", "-et", "0",
         "-srcnodata", "-9999", "-dstnodata", "-32768", "-a_nodata", "0", "-ot", "Int16", "-b", "2", "-b", "1", "-noMD"},
        a);
  EXPECT_EQ(a.files, (std::vector<std::string>{"in.tif", "out.tif"}));
  EXPECT_EQ(a.options.reproject.t_srs, "EPSG:3857");
  EXPECT_EQ(a.tr, (std::vector<double>{20, 30}));
  EXPECT_EQ(a.options.cog.creation_options, (std::vector<std::string>{"COMPRESS=ZSTD"}));
  EXPECT_EQ(a.options.read.a_srs, "EPSG:25832");
  EXPECT_EQ(a.te, (std::vector<double>{-10, -20, 10, 20}));
  EXPECT_EQ(a.options.reproject.te_srs, "EPSG:4326");
  EXPECT_EQ(a.ts, (std::vector<int>{100, 0}));
  EXPECT_TRUE(a.options.reproject.tap);
  EXPECT_EQ(a.options.reproject.resampling, Resampling::bilinear);
  EXPECT_EQ(a.options.reproject.error_threshold, 0);
  EXPECT_EQ(a.options.reproject.src_nodata, -9999);
  EXPECT_EQ(a.options.reproject.dst_nodata, -32768);
  EXPECT_EQ(a.options.cog.nodata, 0);
  EXPECT_EQ(a.options.translate.output_type, DataType::int16);
  EXPECT_EQ(a.options.translate.bands, (std::vector<int>{2, 1}));
  EXPECT_FALSE(a.options.copy_metadata);
}

TEST(GdalFlags, FlagsBeforeThePositionalsLeaveThemAlone) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--tr", "20", "20", "in.tif", "out.tif"},
           {"-tr", "20", "20", "in.tif", "out.tif"},
           {"--co", "COMPRESS=LZW", "--co", "LEVEL=9", "in.tif", "out.tif"},
           {"--config", "GDAL_CACHEMAX", "64", "in.tif", "out.tif"},
           {"--config", "GDAL_CACHEMAX=64", "in.tif", "out.tif"},
           {"-b", "1", "-b", "2", "in.tif", "out.tif"},
           {"-scale", "in.tif", "out.tif"},
           {"-te", "1", "2", "3", "4", "in.tif", "out.tif"},
           {"--wo", "NUM_THREADS=2", "in.tif", "out.tif"},
       }) {
    cli::CommonArgs a;
    parse(args, a);
    EXPECT_EQ(a.files, (std::vector<std::string>{"in.tif", "out.tif"})) << args.front();
  }
}

TEST(GdalFlags, ConfigTakesKeyValueBothWays) {
  cli::CommonArgs a;
  parse({"--config", "A", "1", "--config", "B=2", "--config=C=3", "in", "out"}, a);
  EXPECT_EQ(a.config_pairs, (std::vector<std::string>{"A=1", "B=2", "C=3"}));
}

TEST(GdalFlags, ScaleTakesZeroTwoOrFourNumbers) {
  cli::CommonArgs a, b, c;
  parse({"-scale", "in", "out"}, a);
  EXPECT_EQ(a.scale, std::string(cli::kNoRange));
  parse({"-scale", "0", "100", "in", "out"}, b);
  EXPECT_EQ(b.scale, "0,100");
  parse({"in", "out", "--scale", "0", "100", "1", "255"}, c);
  EXPECT_EQ(c.scale, "0,100,1,255");
  EXPECT_NE(error_of({"-scale", "0", "in", "out"}), "");
}

TEST(GdalFlags, NegativeNumbersAreValues) {
  cli::CommonArgs a;
  parse({"in", "out", "--nodata", "-9999", "-te", "-180", "-90", "180", "90"}, a);
  EXPECT_EQ(a.options.cog.nodata, -9999);
  EXPECT_EQ(a.te, (std::vector<double>{-180, -90, 180, 90}));
}

TEST(GdalFlags, NoFlagTakesAnotherFlagAsItsValue) {
  EXPECT_NE(error_of({"in", "out", "-tr", "20", "-t_srs", "EPSG:3857"}).find("got the flag -t_srs"), std::string::npos);
  EXPECT_NE(error_of({"in", "out", "--config", "GDAL_CACHEMAX"}).find("--config needs 2"), std::string::npos);
  EXPECT_NE(error_of({"in", "out", "-t_srs"}).find("needs 1"), std::string::npos);
}

TEST(GdalFlags, UnknownFlagsNameTheClosestKnownOne) {
  EXPECT_EQ(error_of({"in", "out", "-t_sr", "EPSG:3857"}), "unknown flag '-t_sr' (did you mean -t_srs?)");
  EXPECT_EQ(error_of({"in", "out", "--compres", "zstd"}), "unknown flag '--compres' (did you mean --compress?)");
  EXPECT_EQ(error_of({"in", "out", "--te_srs=EPSG:4326"}), "unknown flag '--te_srs' (did you mean --te-srs?)");
  EXPECT_NE(error_of({"in", "out", "-projwin", "1", "2", "3", "4"}).find("not supported"), std::string::npos);
}

TEST(GdalFlags, GdalSpellingsAreCaseInsensitiveAsInGdal) {
  cli::CommonArgs a;
  parse({"in", "out", "-nomd", "-OT", "Float32"}, a);
  EXPECT_FALSE(a.options.copy_metadata);
  EXPECT_EQ(a.options.translate.output_type, DataType::float32);
}

TEST(GdalFlags, EveryAliasNamesAFlagOfTheTools) {
  cli::CommonArgs a;
  CLI::App app{"test"};
  cli::add_common_options(app, a);
  for (const auto& alias : cli::gdal_aliases())
    if (!alias.flag.empty()) EXPECT_TRUE(app.get_option_no_throw(std::string(alias.flag))) << alias.gdal;
}

// End to end: a gdal_translate-style line with cogify.
TEST(GdalFlagsCli, CreationOptionsSetTheTypedOptions) {
  TempDir dir;
  const std::string in = make_test_dem(dir, 300, 200);
  const std::string out = dir / "out.tif";
  const auto r = run(tool("cogify") + " -of COG -co COMPRESS=ZSTD -co LEVEL=5 -co BLOCKSIZE=256 -co PREDICTOR=YES " +
                     in + " " + out + " -q --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"compression\": \"zstd\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"writer\": \"cogkit\""), std::string::npos) << r.out;  // typed, not passed to GDAL
  const auto info = run("gdalinfo " + out);
  EXPECT_NE(info.out.find("Block=256x256"), std::string::npos) << info.out;
  EXPECT_NE(info.out.find("COMPRESSION=ZSTD"), std::string::npos);
}

TEST(GdalFlagsCli, RefusedFlagsWriteNothing) {
  TempDir dir;
  const std::string in = make_test_dem(dir, 64, 64);
  const std::string out = dir / "out.tif";
  for (const std::string flags : {"-of PNG", "-co FOO=BAR", "-co TILED=NO", "-wo INIT_DEST=0", "-t_sr EPSG:3857",
                                   "-cutline x.geojson", "-co BLOCKXSIZE=256 -co BLOCKYSIZE=512",
                                   // values GDAL refuses too
                                   "-tr -10 10", "-tr 0 0", "-te 10 0 5 5", "-te 0 10 5 5", "-ot Foo", "-ot CInt16",
                                   "-ts -5 5", "-tr 10 10 -ts 5 5", "-b 7", "-te_srs EPSG:4326", "-scale 5 5"}) {
    const auto r = run(tool("cogify") + " " + in + " " + out + " " + flags + " -q");
    EXPECT_NE(r.exit_code, 0) << flags;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(r.err.rfind("cogify: ", 0), 0u) << r.err;
    EXPECT_FALSE(std::filesystem::exists(out)) << flags;
  }
}

TEST(GdalFlagsCli, VersionAndFormats) {
  for (const char* t : {"cogify", "asc2cog", "xyz2cog"}) {
    const auto v = run(tool(t) + " --version");
    EXPECT_EQ(v.exit_code, 0);
    EXPECT_NE(v.out.find(std::string(t) + " (cogkit "), std::string::npos) << v.out;
    EXPECT_NE(v.out.find("GDAL 3."), std::string::npos) << v.out;
    EXPECT_NE(v.out.find("PROJ "), std::string::npos) << v.out;
  }
  const auto f = run(tool("cogify") + " --formats");
  EXPECT_EQ(f.exit_code, 0);
  EXPECT_NE(f.out.find("zstd          ZSTD          cogkit's writer and GDAL's COG driver"), std::string::npos) << f.out;
  EXPECT_NE(f.out.find("Float64"), std::string::npos);
}
