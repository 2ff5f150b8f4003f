#!/bin/sh
# deps.sh - install what elcui's build and tests need on Debian 12.
#   deps.sh install   install every missing package (apt-get; pip for moto)
#   deps.sh ensure    same, but only when something is missing (fast path)
set -eu

PKGS="build-essential pkg-config gcc clang clang-format libclang-rt-14-dev llvm
valgrind libncurses-dev libcurl4-openssl-dev libssl-dev libjansson-dev
libhiredis-dev libxml2-dev libinih-dev libcmocka-dev zlib1g-dev redis-server redis-tools
tmux groff-base openssl python3 python3-pip procps iproute2"

missing_pkgs() {
    for p in $PKGS; do
        st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
        case "$st" in
        *"install ok installed"*) ;;
        *) printf '%s ' "$p" ;;
        esac
    done
}

# The aws CLI runs the script `elcui export --format cli` writes (test_export).
have_aws() {
    command -v aws >/dev/null 2>&1
}

have_moto() {
    python3 -c 'import moto, boto3, botocore, flask' >/dev/null 2>&1
}

# HashiCorp's HCL parser (hcl/v2 compiled to WebAssembly, npm's
# @cdktf/hcl2json) checks the Terraform export parses (test_export).
HCL2JSON_VERSION=0.21.0
NPM_PREFIX="$(cd "$(dirname "$0")/../.." && pwd)/build/npm"
have_node() {
    command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1
}
have_hcl() {
    [ -f "$NPM_PREFIX/node_modules/@cdktf/hcl2json/package.json" ]
}

as_root() {
    if [ "$(id -u)" = 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        echo "deps: need root (or sudo) to run: $*" >&2
        exit 1
    fi
}

install_pkgs() {
    m=$(missing_pkgs)
    if [ -n "$m" ]; then
        echo "deps: installing Debian packages: $m"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        # shellcheck disable=SC2086
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $m
    fi
    if ! have_aws; then
        echo "deps: installing the aws CLI (Debian package awscli)"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends awscli
    fi
    if ! have_node; then
        echo "deps: installing Node.js (Debian packages nodejs npm)"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm
    fi
    if ! have_hcl; then
        echo "deps: installing HashiCorp's HCL parser (npm @cdktf/hcl2json@$HCL2JSON_VERSION)"
        mkdir -p "$NPM_PREFIX"
        npm install --silent --no-audit --no-fund --prefix "$NPM_PREFIX" "@cdktf/hcl2json@$HCL2JSON_VERSION"
    fi
    if ! have_moto; then
        echo "deps: installing moto[server] with pip"
        python3 -m pip install --quiet 'moto[server]' boto3 ||
            python3 -m pip install --quiet --break-system-packages 'moto[server]' boto3
    fi
    m=$(missing_pkgs)
    if [ -n "$m" ]; then
        echo "deps: still missing: $m" >&2
        exit 1
    fi
    have_moto || { echo "deps: python3 cannot import moto and boto3" >&2; exit 1; }
    have_aws || { echo "deps: no aws CLI on PATH" >&2; exit 1; }
    have_hcl || { echo "deps: no HCL parser in $NPM_PREFIX" >&2; exit 1; }
}

case "${1:-install}" in
install) install_pkgs ;;
ensure)
    if [ -n "$(missing_pkgs)" ] || ! have_moto || ! have_aws || ! have_hcl; then
        install_pkgs
    fi
    ;;
*) echo "usage: deps.sh install|ensure" >&2; exit 2 ;;
esac
