// tests/gdal_env_test.cpp — GDAL diagnostics capture: each conversion sees its own messages,
// and a process running thousands of conversions keeps recording them.
#include "core/gdal_env.hpp"

#include <string>
#include <atomic>
#include <thread>

#include <cpl_error.h>
#include <gtest/gtest.h>

#include "cogkit/core/error.hpp"

using cogkit::detail::GdalErrorCapture;

TEST(GdalErrorCapture, KeepsRecordingAfterManyConversions) {
  cogkit::capture_gdal_diagnostics();
  // More captures, each with a warning, than the buffer's cap on entries.
  for (int i = 0; i < 12000; ++i) {
    GdalErrorCapture c;
    CPLError(CE_Warning, CPLE_AppDefined, "tile %d: a warning", i);
    ASSERT_EQ(1u, c.warnings().size());
  }
  GdalErrorCapture last;
  CPLError(CE_Failure, CPLE_AppDefined, "the last conversion's failure");
  EXPECT_EQ("the last conversion's failure", last.last_error());
  EXPECT_TRUE(last.warnings().empty()) << "earlier conversions' warnings are not this one's";
}

TEST(GdalErrorCapture, ConversionsOnOtherThreadsDoNotSeeEachOthersMessages) {
  cogkit::capture_gdal_diagnostics();
  std::string seen[2];
  std::thread jobs[2];
  std::atomic<int> raised{0};
  for (int j = 0; j < 2; ++j)
    jobs[j] = std::thread([&, j] {
      GdalErrorCapture c;
      CPLError(CE_Failure, CPLE_AppDefined, "failure of job %d", j);
      ++raised;
      while (raised.load() < 2) std::this_thread::yield();  // both have raised before either reads
      seen[j] = c.last_error();
    });
  for (auto& t : jobs) t.join();
  EXPECT_EQ("failure of job 0", seen[0]);
  EXPECT_EQ("failure of job 1", seen[1]);
}

TEST(GdalErrorCapture, NestedCapturesShareTheirThreadsMessages) {
  cogkit::capture_gdal_diagnostics();
  GdalErrorCapture outer;
  {
    GdalErrorCapture inner;
    CPLError(CE_Warning, CPLE_AppDefined, "raised inside");
    EXPECT_EQ(1u, inner.warnings().size());
  }
  ASSERT_EQ(1u, outer.warnings().size());
  EXPECT_EQ("raised inside", outer.warnings()[0]);
}
