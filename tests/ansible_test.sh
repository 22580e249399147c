#!/usr/bin/env bash
# Run ansible-test (sanity | units) on a copy of this checkout laid out as
# .../ansible_collections/homelab/llm_stack, which ansible-test requires.
# ansible-test bootstraps pip in its venvs from a download host that is not
# reachable here; tests/get_pip_standin.py stands in for that script, using a
# pip wheel from PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:?usage: ansible_test.sh sanity|units [args]}; shift
root=$(pwd)
cache=${LLM_STACK_CACHE:-$HOME/.cache/homelab-llm-stack}
work=$(mktemp -d "${TMPDIR:-/tmp}/llm-stack-ansible-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
dest="$work/ansible_collections/homelab/llm_stack"
mkdir -p "$dest"
# Tracked and new (not ignored) files, as ansible-test itself would list them.
git ls-files -co --exclude-standard -z | tar --null -T - -cf - | tar -xf - -C "$dest"

# ansible-test lints shell scripts with ShellCheck; install it when this is a Debian host we may change.
if [ "$what" = sanity ] && ! command -v shellcheck >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null; }
fi

core=$(python -c 'import ansible.release as r; print(".".join(r.__version__.split(".")[:2]))')
testcache="$HOME/.ansible/test/cache"
mkdir -p "$testcache" "$cache/pip-wheel"
for pipver in 24.2 25.2; do
  if [ ! -e "$testcache/get_pip_${pipver/./_}.py" ]; then
    ls "$cache/pip-wheel"/pip-*.whl >/dev/null 2>&1 || python -m pip download -q --no-deps -d "$cache/pip-wheel" "pip==24.2"
    cp "$cache"/pip-wheel/pip-*.whl "$testcache/"
    cp "$root/tests/get_pip_standin.py" "$testcache/get_pip_${pipver/./_}.py"
  fi
done

cd "$dest"
case "$what" in
  sanity) ansible-test sanity --local --python 3.11 "$@" ;;
  units)  ansible-test units --local --python 3.11 "$@" ;;
  *) echo "unknown: $what" >&2; exit 2 ;;
esac
echo "ansible-test $what passed on ansible-core $core"
