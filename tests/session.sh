#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with an unlocked GNOME Keyring, so tests use the
# real Secret Service (never a mock) and never touch the user's own keyring.
set -euo pipefail
if [ -z "${GROVE_IN_SESSION:-}" ]; then
  export GROVE_IN_SESSION=1
  export XDG_RUNTIME_DIR
  XDG_RUNTIME_DIR=$(mktemp -d /tmp/grove-xdg.XXXXXX)
  chmod 700 "$XDG_RUNTIME_DIR"
  # A throwaway home for the keyring files.
  export XDG_DATA_HOME="$XDG_RUNTIME_DIR/data"
  trap 'rm -rf "$XDG_RUNTIME_DIR" 2>/dev/null || true' EXIT
  dbus-run-session -- "$0" "$@"
  exit $?
fi
echo -n "grove-test" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
exec "$@"
