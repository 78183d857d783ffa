// The daemons' jemalloc options (services/core/runtime/daemon_allocator.cc) reach jemalloc: this
// binary is linked the way a daemon is. Run without MALLOC_CONF in the environment.
#include <gtest/gtest.h>
#include <jemalloc/jemalloc.h>

#include <cstddef>
#include <cstdlib>

namespace {

TEST(DaemonAllocatorTest, ThreadCachesKeepFreedBlocksOfUpTo64KiB) {
  ASSERT_EQ(std::getenv("MALLOC_CONF"), nullptr) << "MALLOC_CONF overrides the linked options";
  size_t tcache_max = 0;
  size_t size = sizeof(tcache_max);
  ASSERT_EQ(mallctl("opt.tcache_max", &tcache_max, &size, nullptr, 0), 0);
  EXPECT_EQ(tcache_max, size_t{65536});
}

TEST(DaemonAllocatorTest, A48KiBBlockFreedByAThreadIsReusedByItsNextAllocation) {
  // What the option is for: the block comes back from the thread cache, not from new pages.
  void* first = std::malloc(48 * 1024);
  ASSERT_NE(first, nullptr);
  std::free(first);
  void* second = std::malloc(48 * 1024);
  EXPECT_EQ(second, first);
  std::free(second);
}

}  // namespace
