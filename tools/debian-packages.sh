#!/bin/sh
# Installs the Debian packages the tests need, only those missing: chromium (browser and e2e tests), libkrb5-dev,
# python3, make, g++ (code-server's native addons), ripgrep (stands in for @vscode/ripgrep's GitHub download),
# unzip (checks the .vsix contents).
set -eu
missing=""
for p in chromium libkrb5-dev ripgrep unzip python3 make g++; do
  dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing Debian packages:$missing"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >/dev/null
