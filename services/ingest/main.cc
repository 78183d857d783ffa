#include "services/ingest/ingest_daemon.h"

int main(int argc, char** argv) { return newsflow::ingest::RunIngestDaemon(argc, argv); }
