#include "services/core/runtime/signals.h"

#include <csignal>

namespace newsflow {
namespace {

SignalFlags g_flags;

extern "C" void OnSignal(int signal) {
  if (signal == SIGHUP) {
    g_flags.reload.store(true);
  } else {
    g_flags.stop.store(true);
  }
}

}  // namespace

SignalFlags& InstallSignalHandlers() {
  struct sigaction action {};
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGHUP, &action, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  return g_flags;
}

}  // namespace newsflow
