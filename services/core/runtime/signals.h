#pragma once

#include <atomic>

namespace newsflow {

// Flags set by signal handlers. SIGTERM/SIGINT request a graceful stop, SIGHUP a reload.
struct SignalFlags {
  std::atomic<bool> stop{false};
  std::atomic<bool> reload{false};
};

// Installs handlers that set the process-wide flags and returns them. Idempotent.
SignalFlags& InstallSignalHandlers();

}  // namespace newsflow
