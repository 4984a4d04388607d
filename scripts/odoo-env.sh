# Shared by scripts/test and scripts/demo: find Odoo 17, prepare .venv, set ODOO_BIN.
# Sourced, not run. Odoo is looked for, in order:
#   1. $ODOO_PATH: a directory holding odoo-bin and the odoo package;
#   2. the file odoo-path.local at the project root (one line, that directory);
#   3. an importable `odoo` for python3 (pip install -e, or a .pth file).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${VENV:-$ROOT/.venv}
PYTHON=${PYTHON:-python3}

die() { echo "error: $*" >&2; exit 2; }

is_odoo17() { [ -f "$1/odoo/release.py" ] && grep -q "^version_info = (17, 0" "$1/odoo/release.py"; }

# Where the first run puts Odoo when none of the three ways finds it: a shallow
# clone of the 17.0 branch of Odoo's public repository (ignored by git).
ODOO_CACHE=$ROOT/.odoo
ODOO_REPOSITORY=${ODOO_REPOSITORY:-https://github.com/odoo/odoo.git}
ODOO_CLONE_COMMAND="git clone --depth 1 --branch 17.0 $ODOO_REPOSITORY $ODOO_CACHE"

# The standard way, offered (asked at a terminal, done at once elsewhere) and done.
clone_odoo() {
  echo "Odoo 17 was not found (ODOO_PATH, odoo-path.local, an importable 'odoo')." >&2
  if [ -t 0 ]; then
    local answer
    read -r -p "Clone Odoo's 17.0 branch (shallow, about 500 MB) into $ODOO_CACHE now? [Y/n] " answer
    case "$answer" in [nN]*) return 1 ;; esac
  else
    echo "Cloning Odoo's 17.0 branch (shallow) into $ODOO_CACHE." >&2
  fi
  rm -rf "$ODOO_CACHE.part"
  if git clone --depth 1 --branch 17.0 --progress "$ODOO_REPOSITORY" "$ODOO_CACHE.part" >&2; then
    mv "$ODOO_CACHE.part" "$ODOO_CACHE"
  else
    rm -rf "$ODOO_CACHE.part"
    echo "The clone could not be made (no network, or the repository cannot be reached)." >&2
    return 1
  fi
}

find_odoo() {
  local candidate=""
  if [ -n "${ODOO_PATH:-}" ]; then
    candidate=$ODOO_PATH
  elif [ -s "$ROOT/odoo-path.local" ]; then
    candidate=$(head -n 1 "$ROOT/odoo-path.local")
  else
    candidate=$("$PYTHON" - <<'PY' 2>/dev/null || true
import importlib.util, os
spec = importlib.util.find_spec("odoo")
if spec and spec.submodule_search_locations:
    print(os.path.dirname(list(spec.submodule_search_locations)[0]))
PY
)
  fi
  if [ -z "$candidate" ] && is_odoo17 "$ODOO_CACHE"; then
    candidate=$ODOO_CACHE
  fi
  if [ -z "$candidate" ]; then
    clone_odoo && candidate=$ODOO_CACHE
  fi
  if [ -z "$candidate" ] || ! is_odoo17 "$candidate"; then
    die "Odoo 17 not found${candidate:+ (not Odoo 17: $candidate)}: set ODOO_PATH to an Odoo 17.0 source directory, write that path into odoo-path.local, or make 'odoo' importable for $PYTHON. Or clone it where the scripts look by themselves: $ODOO_CLONE_COMMAND"
  fi
  ODOO_SRC=$(cd "$candidate" && pwd)
  ODOO_BIN=$ODOO_SRC/odoo-bin
  [ -f "$ODOO_BIN" ] || ODOO_BIN=$ODOO_SRC/setup/odoo
  # A packaged Odoo (Debian package, the odoo:17 image) has no odoo-bin beside it.
  [ -f "$ODOO_BIN" ] || ODOO_BIN=$(command -v odoo || true)
  [ -n "$ODOO_BIN" ] || die "Odoo 17 found in $ODOO_SRC but no odoo-bin or odoo command to run it."
  export ODOO_SRC ODOO_BIN
}

# From a source tree, Odoo's own requirements.txt goes into the venv (less python-ldap:
# auth_ldap only, and it needs OpenLDAP headers to build). A packaged Odoo brings its
# dependencies as system packages, which the venv then sees.
ensure_venv() {
  local odoo_reqs="$ODOO_SRC/requirements.txt" venv_args=()
  [ -f "$odoo_reqs" ] || { odoo_reqs=/dev/null; venv_args=(--system-site-packages); }
  [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "${venv_args[@]}" "$VENV"
  local stamp="$VENV/.requirements.sha" want
  want=$(cat "$odoo_reqs" "$ROOT/requirements.txt" "$ROOT/requirements-dev.txt" | sha1sum | cut -c1-40)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    "$VENV/bin/pip" install -q --disable-pip-version-check -U pip "setuptools<81" wheel
    grep -v '^python-ldap' "$odoo_reqs" > "$VENV/odoo-requirements.txt" || true
    "$VENV/bin/pip" install -q --disable-pip-version-check -r "$VENV/odoo-requirements.txt"
    "$VENV/bin/pip" install -q --disable-pip-version-check -r "$ROOT/requirements-dev.txt"
    echo "$want" > "$stamp"
  fi
  local site
  site=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  echo "$ODOO_SRC" > "$site/odoo-source.pth"
}


# All the suite's addons, in the order of the addons/ folder.
suite_modules() {
  local names=()
  for manifest in "$ROOT"/addons/*/__manifest__.py; do
    names+=("$(basename "$(dirname "$manifest")")")
  done
  (IFS=,; echo "${names[*]}")
}

# An Odoo configuration file for database $1, written to $2. The credential key comes
# from ODOO_INTEGRATION_KEY when set, else a fresh one is made for this database.
# Sandbox backends may talk to the offline sandboxes on 127.0.0.1 (demo, tests, bench):
# a production server leaves integration_allow_sandbox_hosts out.
write_odoo_conf() {
  local db=$1 conf=$2 key=${ODOO_INTEGRATION_KEY:-}
  [ -n "$key" ] || key=$("$VENV/bin/python" -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')
  cat > "$conf" <<CONF
[options]
addons_path = $ODOO_SRC/odoo/addons,$ROOT/addons
db_host = ${PGHOST:-127.0.0.1}
db_port = ${PGPORT:-5432}
db_user = ${PGUSER:-$(id -un)}
db_password = ${PGPASSWORD:-False}
db_name = $db
list_db = False
http_interface = ${ODOO_HTTP_INTERFACE:-127.0.0.1}
http_port = ${ODOO_HTTP_PORT:-8069}
integration_encryption_key = $key
integration_allow_sandbox_hosts = True
data_dir = ${ODOO_DATA_DIR:-$ROOT/var/filestore}
CONF
}
