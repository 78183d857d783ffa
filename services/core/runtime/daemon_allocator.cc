// jemalloc's options for the stage daemons, read once when jemalloc initializes; MALLOC_CONF in
// the environment still overrides them. Linked into a daemon by newsflow_use_daemon_allocator
// (top-level CMakeLists.txt), and only when the daemons' allocator is jemalloc.
//
// tcache_max: every thread keeps freed blocks of up to 64 KiB for its next allocations (jemalloc
// 5.3 keeps those of up to 32 KiB). A sink's records (an enriched article is ~17 KiB of JSON)
// and librdkafka's copies and request buffers of them are larger, so they were carved from pages
// the kernel had to fault in again: 8,500-8,800 page faults a second in the sink at 1,000
// articles/s, 1,300-1,500 with this, and 1-3% less CPU per article in each stage on average
// (docs/benchmarks.md, session 11).
extern "C" {
const char* malloc_conf = "tcache_max:65536";
}
