#!/usr/bin/env bash
# Smoke test of the built bundle (run installer/build.sh first). Runs dist/clausekeeper/clausekeeper
# with PATH and PYTHONPATH cleared and a fresh HOME (as root also with this machine's Pythons
# hidden), so no Python and no settings of yours can be reached, on throw-away databases:
#   --version; demo; check; export of every report; calendar; a start of the GUI that quits by
#   itself once the main window is usable (offscreen, and under Xvfb with xcb when xvfb-run is
#   there); a database of an earlier version (tests/data/portfolio-0001.sql), which must be backed
#   up and migrated to the newest schema of the bundle exactly as the installed package does it;
#   install-desktop.sh into the fresh HOME.
# Stops at the first step that fails (exit 1). Needs sqlite3 and coreutils.
set -euo pipefail
cd "$(dirname "$0")/.."
checkout=$(pwd)
bundle=$checkout/dist/clausekeeper
exe=$bundle/clausekeeper
APP_ID=org.clausekeeper.Clausekeeper
GUI_LIMIT_S=120

fail() { echo "smoke: FAILED: $*" >&2; exit 1; }
[ -x "$exe" ] || fail "$exe is missing: run installer/build.sh first"
command -v sqlite3 >/dev/null 2>&1 || fail "sqlite3 is needed to read the databases"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/home" "$work/bin"  # bin/ stays empty: the PATH the bundle runs with

# The bundle runs with nothing of the environment but a fresh HOME, an empty PATH and an empty
# PYTHONPATH (and, for a GUI start, the platform and the display).
clean_env=(env -i HOME="$work/home" LANG=C.UTF-8 PATH="$work/bin" PYTHONPATH=)
bundled() { "${hidden[@]}" "${clean_env[@]}" "$exe" "$@"; }
step() { printf 'smoke: %-44s' "$1"; }
passed=0
ok() { echo "ok${1:+ ($1)}"; passed=$((passed + 1)); }

# As root, every step also runs in a mount namespace where the Python installations of this machine
# are hidden under an empty folder: the bundle must not need them (nor find them by accident).
hidden=()
if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
    HIDE=$(for dir in /usr/lib/python3* /usr/local/lib/python3* /opt/python* "${PYENV_ROOT:-/root/.pyenv}" \
                      "$(python3 -c 'import sys; print(sys.base_prefix)' 2>/dev/null || true)"; do
               if [ -d "$dir" ] && [ "$dir" != /usr ] && [ "$dir" != /usr/local ]; then echo "$dir"; fi
           done | sort -u | awk 'kept == "" || index($0, kept "/") != 1 { print; kept = $0 }' | tr '\n' ' ')
    HIDE=${HIDE% }
    export HIDE EMPTY=$work/bin
    # shellcheck disable=SC2016
    [ -z "$HIDE" ] || hidden=(unshare -m /bin/sh -c \
        'for d in $HIDE; do mount --bind "$EMPTY" "$d" || exit 1; done; exec "$@"' sh)
fi

step "no Python reachable"
if env -i PATH="$work/bin" /bin/sh -c 'command -v python3 || command -v python' >/dev/null; then
    fail "a Python is reachable with PATH=$work/bin"
fi
if [ ${#hidden[@]} -gt 0 ]; then
    # shellcheck disable=SC2016
    if "${hidden[@]}" /bin/sh -c 'for p in /usr/bin/python3 /usr/local/bin/python3; do
            [ -x "$p" ] && "$p" -c "import encodings" 2>/dev/null && exit 1; done; exit 0'; then
        ok "PATH empty; hidden: $HIDE"
    else
        fail "a Python still runs with $HIDE hidden"
    fi
else
    ok "PATH empty (not root: the Pythons of this machine are not hidden)"
fi

step "--version"
version=$(bundled --version) || fail "--version exited with $?"
[[ $version =~ ^clausekeeper\ [0-9] ]] || fail "--version printed '$version'"
ok "$version"

db=$work/demo.db
step "demo"
bundled --db "$db" demo >"$work/demo.out" || fail "demo exited with $?: $(cat "$work/demo.out")"
ok "$(cut -c1-60 "$work/demo.out")…"

step "check"
out=$(bundled --db "$db" check) || fail "check exited with $?"
[[ $out == ok:* ]] || fail "check printed '$out'"
ok "${out#ok: }"

# Every report the command line offers (the choices of `export`, read from its help).
kinds=$(bundled export --help | sed -n 's/.*{\([a-z,]*\)}.*/\1/p' | head -n 1 | tr ',' ' ')
[ -n "$kinds" ] || fail "export --help names no reports"
for kind in $kinds; do
    step "export $kind"
    bundled --db "$db" export "$kind" --out "$work/$kind.xlsx" >/dev/null \
        || fail "export $kind exited with $?"
    [ "$(head -c 2 "$work/$kind.xlsx")" = PK ] || fail "$kind.xlsx is not a workbook"
    ok "$(stat -c %s "$work/$kind.xlsx") bytes"
done

step "calendar"
bundled --db "$db" calendar --out "$work/deadlines.ics" >/dev/null || fail "calendar exited with $?"
[ "$(head -n 1 "$work/deadlines.ics" | tr -d '\r')" = BEGIN:VCALENDAR ] || fail "not an iCalendar file"
ok "$(grep -c '^BEGIN:VEVENT' "$work/deadlines.ics") events"

gui() {  # $1: what to call it; the rest: how to start the bundle
    local name=$1
    shift
    step "GUI start ($name)"
    if ! out=$(timeout $((GUI_LIMIT_S + 30)) "$@" 2>"$work/gui.err"); then
        fail "the GUI ($name) did not become usable: $(grep -v propagateSizeHints "$work/gui.err")"
    fi
    [[ $out == *"clausekeeper: ready:"* ]] || fail "the GUI ($name) said '$out'"
    ok "${out#clausekeeper: ready: }"
}
gui offscreen "${hidden[@]}" "${clean_env[@]}" QT_QPA_PLATFORM=offscreen \
    CLAUSEKEEPER_QUIT_WHEN_READY=$GUI_LIMIT_S "$exe" --db "$db"
if command -v xvfb-run >/dev/null 2>&1; then
    # A real X server: Qt's xcb platform plugin with the X11 libraries the bundle carries.
    # shellcheck disable=SC2016
    gui "xcb, Xvfb" xvfb-run -a -s "-screen 0 1280x800x24" "${hidden[@]}" /bin/sh -c \
        'exec env -i DISPLAY="$DISPLAY" XAUTHORITY="${XAUTHORITY:-}" "$@"' sh \
        "${clean_env[@]:2}" QT_QPA_PLATFORM=xcb CLAUSEKEEPER_QUIT_WHEN_READY=$GUI_LIMIT_S \
        "$exe" --db "$db"
else
    step "GUI start (xcb, Xvfb)"
    echo "skipped: no xvfb-run"
fi

# A database of an earlier version: backed up, then migrated to the bundle's newest revision.
revision() { sqlite3 "$1" 'SELECT version_num FROM alembic_version'; }
versions=$bundle/_internal/app/migrations/versions
# `revision = "0002"` / `down_revision = "0001"` (a type annotation allowed) of every script
assigned() { sed -n -E "s/^$1(: *[^=]+)? *= *[\"']([^\"']+)[\"'].*/\\2/p" "$versions"/*.py | sort -u; }
head_rev=$(comm -23 <(assigned revision) <(assigned down_revision))
[ "$(wc -w <<<"$head_rev")" = 1 ] || fail "the bundle's migrations have no single head: $head_rev"
old=$work/old/portfolio.db
mkdir -p "$work/old"
sqlite3 "$old" <tests/data/portfolio-0001.sql
before=$(revision "$old")
contracts=$(sqlite3 "$old" 'SELECT count(*) FROM contracts')
step "database of schema $before"
out=$(bundled --db "$old" check) || fail "check of the old database exited with $?"
backups=("$work"/old/portfolio.before-upgrade-"$before"-*.db)
[ -f "${backups[0]}" ] || fail "no backup beside the old database: $(ls "$work/old")"
[ "$(revision "${backups[0]}")" = "$before" ] || fail "the backup is not of schema $before"
[ "$(revision "$old")" = "$head_rev" ] || fail "schema $(revision "$old") after opening, not $head_rev"
[ "$(sqlite3 "$old" 'SELECT count(*) FROM contracts')" = "$contracts" ] || fail "contracts lost"
bundled --db "$old" check >/dev/null
[ "$(find "$work/old" -name '*.before-upgrade-*' | wc -l)" = 1 ] || fail "a current database was backed up again"
ok "backed up, now $head_rev; ${out#ok: }"

# The same old database through the installed package (when this checkout's Python has it).
if (cd "$checkout" && python -c 'import app.cli' >/dev/null 2>&1); then
    step "  the same as the installed package"
    mkdir -p "$work/package"
    sqlite3 "$work/package/portfolio.db" <tests/data/portfolio-0001.sql
    (cd "$checkout" && python -m app --db "$work/package/portfolio.db" check >/dev/null) \
        || fail "the package could not open the old database"
    sqlite3 "$old" .dump >"$work/bundle.sql"
    sqlite3 "$work/package/portfolio.db" .dump >"$work/package.sql"
    cmp -s "$work/bundle.sql" "$work/package.sql" \
        || fail "bundle and package migrate differently: $(diff "$work/bundle.sql" "$work/package.sql" | head -n 5)"
    ok "schema and rows identical"
fi

step "install-desktop.sh"
HOME="$work/home" XDG_DATA_HOME="$work/home/.local/share" "$bundle/install-desktop.sh" >/dev/null
data=$work/home/.local/share
launcher=$data/applications/$APP_ID.desktop
[ -f "$launcher" ] || fail "no launcher in $data/applications"
grep -qx "Exec=\"$exe\"" "$launcher" || fail "the launcher does not start $exe"
for size in 16 32 48 64 128 256 512; do
    [ -s "$data/icons/hicolor/${size}x${size}/apps/$APP_ID.png" ] || fail "no ${size}px icon"
done
[ -s "$data/icons/hicolor/scalable/apps/$APP_ID.svg" ] || fail "no scalable icon"
if command -v desktop-file-validate >/dev/null 2>&1; then
    desktop-file-validate "$launcher" || fail "the installed launcher is not valid"
fi
[ "$("$work/home/.local/bin/clausekeeper" --version)" = "$version" ] || fail "~/.local/bin/clausekeeper"
ok

echo "smoke: $passed passed, 0 failed"
