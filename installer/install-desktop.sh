#!/usr/bin/env bash
# Adds this Clausekeeper bundle to your desktop's application menu (for you alone, no root): the
# launcher, its icons and its AppStream metainfo go to ~/.local/share (XDG_DATA_HOME), and the
# command `clausekeeper` to ~/.local/bin. Run it again after moving the folder.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
APP_ID=org.clausekeeper.Clausekeeper
data=${XDG_DATA_HOME:-$HOME/.local/share}
bin=$HOME/.local/bin
[ -x "$here/clausekeeper" ] || { echo "install-desktop: run me from the bundle folder" >&2; exit 1; }

mkdir -p "$data/applications" "$data/metainfo" "$data/icons" "$bin"
cp -R "$here/share/icons/." "$data/icons/"
cp "$here/share/metainfo/$APP_ID.metainfo.xml" "$data/metainfo/"
# The launcher starts this folder's program wherever the folder is (no PATH needed).
sed -e "s|^Exec=clausekeeper|Exec=\"$here/clausekeeper\"|" \
    -e "s|^TryExec=clausekeeper|TryExec=$here/clausekeeper|" \
    "$here/share/applications/$APP_ID.desktop" >"$data/applications/$APP_ID.desktop"
ln -sfn "$here/clausekeeper" "$bin/clausekeeper"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$data/applications" || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$data/icons/hicolor" || true
echo "Clausekeeper is in your application menu; the command is $bin/clausekeeper"
