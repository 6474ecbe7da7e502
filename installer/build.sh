#!/usr/bin/env bash
# Builds the desktop bundle from this checkout: dist/clausekeeper/, one folder that runs without
# Python (PyInstaller, installer/clausekeeper.spec), with its desktop integration under share/
# (launcher, AppStream metainfo, icons 16-512 px rendered from resources/clausekeeper.svg) and
# install-desktop.sh, which adds it to the user's application menu.
#
# Needs Python 3.11+ (PYTHON, default python). Installs what is missing: the runtime dependencies
# and the `bundle` extra of pyproject.toml with pip; binutils (PyInstaller reads the libraries with
# objdump), appstream and desktop-file-utils (the launcher and metainfo are validated), sqlite3 and
# the X11 libraries of Qt's xcb plugin with apt-get when run as root. Then run installer/smoke.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
PYTHON=${PYTHON:-python}
APP_ID=org.clausekeeper.Clausekeeper
export QT_QPA_PLATFORM=offscreen PIP_DISABLE_PIP_VERSION_CHECK=1

need=()
command -v objdump >/dev/null 2>&1 || need+=(binutils)
command -v appstreamcli >/dev/null 2>&1 || need+=(appstream)
command -v desktop-file-validate >/dev/null 2>&1 || need+=(desktop-file-utils)
command -v sqlite3 >/dev/null 2>&1 || need+=(sqlite3)  # installer/smoke.sh reads the databases
# Qt's xcb platform plugin loads these X11 libraries; found here, they are put into the bundle, so
# it starts on a desktop that lacks them (PyInstaller leaves out what it cannot find).
for lib in libxcb-cursor0:libxcb-cursor.so.0 libxcb-icccm4:libxcb-icccm.so.4 \
        libxcb-keysyms1:libxcb-keysyms.so.1 libxcb-image0:libxcb-image.so.0 \
        libxcb-render-util0:libxcb-render-util.so.0 libxcb-shape0:libxcb-shape.so.0 \
        libxcb-randr0:libxcb-randr.so.0 libxcb-xkb1:libxcb-xkb.so.1 \
        libxkbcommon-x11-0:libxkbcommon-x11.so.0; do
    ldconfig -p 2>/dev/null | grep -q "${lib#*:}" || need+=("${lib%%:*}")
done
if [ ${#need[@]} -gt 0 ] && [ "$(id -u)" = 0 ]; then
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
command -v objdump >/dev/null 2>&1 || { echo "build: PyInstaller needs objdump (binutils)" >&2; exit 1; }

# The runtime dependencies and the bundle extra, read from pyproject.toml (pip skips what is there;
# no editable install, so a second checkout never takes over the installed package).
mapfile -t requirements < <("$PYTHON" - <<'EOF'
import tomllib
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
print(*project["dependencies"], *project["optional-dependencies"]["bundle"], sep="\n")
EOF
)
"$PYTHON" -m pip install -q --root-user-action=ignore "${requirements[@]}"

mkdir -p build
bash installer/validate-metadata.sh

log=build/pyinstaller.log
if ! "$PYTHON" -m PyInstaller --noconfirm --log-level WARN --distpath dist \
        --workpath build/pyinstaller installer/clausekeeper.spec >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "build: PyInstaller failed (all of it in $log)" >&2
    exit 1
fi
grep '^clausekeeper.spec:' "$log" || true

bundle=dist/clausekeeper
install -D -m 644 "installer/$APP_ID.desktop" "$bundle/share/applications/$APP_ID.desktop"
install -D -m 644 "installer/$APP_ID.metainfo.xml" "$bundle/share/metainfo/$APP_ID.metainfo.xml"
"$PYTHON" installer/render_icons.py "$bundle/share/icons" "$APP_ID"
install -m 755 installer/install-desktop.sh "$bundle/install-desktop.sh"

echo "build: $bundle is $(du -sh "$bundle" | cut -f1) ($(find "$bundle" -type f | wc -l) files)," \
     "built in $((SECONDS - started)) s"
