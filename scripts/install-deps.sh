#!/usr/bin/env bash
# Installs everything newsflow needs from Debian's archive. Idempotent: re-running is cheap.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates curl
  librdkafka-dev libjemalloc-dev libsimdjson-dev libspdlog-dev libfmt-dev prometheus-cpp-dev libcpp-httplib-dev
  libgtest-dev libgmock-dev googletest protobuf-compiler libprotobuf-dev
  libyaml-cpp-dev libcli11-dev libcurl4-openssl-dev zlib1g-dev
  libicu-dev libxml2-dev libcld2-dev libhyperscan-dev libbenchmark-dev libgumbo-dev
  clang libclang-rt-14-dev clang-format-14
  maven default-jre-headless kcat python3 python3-yaml procps
  prometheus gnuplot-nox postgresql libpq-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
