#!/bin/sh
# Installs the pinned code-server into tools/code-server/node_modules using only the npm registry and Debian.
# Idempotent: returns at once when the pinned version is already there.
set -eu
cd "$(dirname "$0")"
want=$(node -p 'require("./package.json").dependencies["code-server"]')
tmp="${TMPDIR:-/tmp}"
# code-server writes config and logs under the XDG folders on any start, even --version: keep them out of $HOME
cs() { XDG_CONFIG_HOME="$tmp/code-server-cfg" XDG_DATA_HOME="$tmp/code-server-data" node_modules/.bin/code-server "$@"; }
if [ -x node_modules/.bin/code-server ] && cs --version 2>/dev/null | grep -q "^$want "; then
  echo "code-server $want already installed"; exit 0
fi

# Debian packages: gssapi headers for the kerberos addon, rg to stand in for @vscode/ripgrep's GitHub download
sh ../debian-packages.sh

# 1) fetch the tree without running any install script
npm ci --ignore-scripts --no-audit --no-fund

# 2) @vscode/ripgrep downloads rg from GitHub unless os.tmpdir()/vscode-ripgrep-cache-<ver>/ripgrep-<tag>-<target>.tar.gz
#    exists: seed that file with Debian's rg. Version and tag are read from the packages, so a bump needs no edit here.
export TMPDIR="$tmp"
rgv=$(node -p "require('./node_modules/code-server/lib/vscode/npm-shrinkwrap.json').packages['node_modules/@vscode/ripgrep'].version")
tgz=$(cd "$tmp" && npm pack "@vscode/ripgrep@$rgv" --silent 2>/dev/null | tail -1)
tag=$(tar -xzOf "$tmp/$tgz" package/lib/postinstall.js | sed -n "s/^const VERSION = '\(.*\)';.*/\1/p")
rm -f "$tmp/$tgz"
[ -n "$tag" ] || { echo "could not read the ripgrep tag of @vscode/ripgrep@$rgv" >&2; exit 1; }
cache="$tmp/vscode-ripgrep-cache-$rgv"
mkdir -p "$cache/stage" && cp "$(command -v rg)" "$cache/stage/rg"
tar -C "$cache/stage" -czf "$cache/ripgrep-$tag-x86_64-unknown-linux-musl.tar.gz" rg && rm -rf "$cache/stage"
echo "seeded the ripgrep cache for @vscode/ripgrep@$rgv ($tag)"

# 3) run the install scripts: argon2 builds from source after its GitHub prebuilt fails; code-server's postinstall
#    runs a nested `npm install` in lib/vscode that builds node-pty, spdlog, kerberos … with node-gyp
npm rebuild --foreground-scripts > rebuild.log 2>&1 || { tail -60 rebuild.log; exit 1; }
cs --version
