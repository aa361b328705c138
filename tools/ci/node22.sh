# Node.js 22 for CI: @pulumi/pulumi states node >= 22, so npm ci, the type-check and the tests run on
# it. When the node on PATH is older, a pinned Node.js 22 comes from the npm registry (the
# node-linux-<arch> package carries the official binary), is checked against a pinned SHA-512,
# cached outside the repository and put first on PATH.
#
#   source tools/ci/node22.sh   # .ci/run: PATH gets Node.js 22 for the rest of the script
#   bash tools/ci/node22.sh     # alone: prints the bin directory, e.g. PATH="$(bash tools/ci/node22.sh):$PATH"
#
# One line on stderr says which node runs.

NODE22_VERSION=22.23.5
# dist.integrity of node-linux-<arch>@$NODE22_VERSION, as hex.
NODE22_SHA512_x64=de3842fb07285b1299c5c46a176b144a5d1cf47117167babfe7b883f1e8ee8258a5748ce516426ec7b70e52b97aaa94c084862d1c26ac9b14f11be6185c06233
NODE22_SHA512_arm64=7b52ce506295aee3c6b8b56eb67f3e0a09b9a48d403e6e0abe1fb36dbfea7bf6690fdb3e4d06f2e6252064e5a63e96d22a98f44ddf033f53743449d76ac1e2ce

# Prints the bin directory of a Node.js 22 or newer: the one on PATH if it is one, else the pinned one.
node22_bin() {
    local current major arch expected dir tmp tarball actual
    current=$(node --version 2>/dev/null || true)
    major=${current#v}
    major=${major%%.*}
    if [[ $major =~ ^[0-9]+$ ]] && ((major >= 22)); then
        dirname "$(command -v node)"
        return 0
    fi
    case "$(uname -s)-$(uname -m)" in
        Linux-x86_64 | Linux-amd64) arch=x64 ;;
        Linux-aarch64 | Linux-arm64) arch=arm64 ;;
        *)
            echo "node22: no pinned Node.js 22 for $(uname -s) $(uname -m); install Node.js 22 and put it first on PATH" >&2
            return 1
            ;;
    esac
    expected="NODE22_SHA512_$arch"
    expected=${!expected}
    dir="${XDG_CACHE_HOME:-$HOME/.cache}/openwebui-valkey/node-$NODE22_VERSION-linux-$arch"
    if [[ "$("$dir/bin/node" --version 2>/dev/null)" != "v$NODE22_VERSION" ]]; then
        # npm itself runs on the older node to fetch the package.
        if ! command -v npm >/dev/null; then
            echo "node22: node ${current:-(none)} is older than 22 and there is no npm to fetch Node.js $NODE22_VERSION" >&2
            return 1
        fi
        tmp=$(mktemp -d)
        if ! (cd "$tmp" && npm pack --silent "node-linux-$arch@$NODE22_VERSION" >/dev/null); then
            rm -rf "$tmp"
            echo "node22: npm pack node-linux-$arch@$NODE22_VERSION failed" >&2
            return 1
        fi
        tarball=$(echo "$tmp"/*.tgz)
        actual=$(sha512sum "$tarball" | cut -d' ' -f1)
        if [[ $actual != "$expected" ]]; then
            rm -rf "$tmp"
            echo "node22: node-linux-$arch@$NODE22_VERSION has SHA-512 $actual, not the pinned $expected" >&2
            return 1
        fi
        # Unpacked beside the cache entry and renamed into place: an interrupted run leaves no half install.
        rm -rf "$dir.partial"
        mkdir -p "$dir.partial"
        tar -xzf "$tarball" -C "$dir.partial" --strip-components=1
        rm -rf "$tmp" "$dir"
        mv "$dir.partial" "$dir"
    fi
    if [[ "$("$dir/bin/node" --version 2>/dev/null)" != "v$NODE22_VERSION" ]]; then
        echo "node22: $dir/bin/node does not run as v$NODE22_VERSION" >&2
        return 1
    fi
    echo "$dir/bin"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    set -euo pipefail
    bin=$(node22_bin)
    echo "node22: Node.js $("$bin/node" --version) at $bin/node" >&2
    echo "$bin"
else
    node22_dir=$(node22_bin) || return 1
    export PATH="$node22_dir:$PATH"
    hash -r
    echo "ci: Node.js $(node --version) at $(command -v node)" >&2
    unset node22_dir
fi
