#pragma once

// The ingest daemon: feeds, HTTP push and files into news.raw. main.cc is one call to this.

namespace newsflow::ingest {

int RunIngestDaemon(int argc, const char* const* argv);

}  // namespace newsflow::ingest
