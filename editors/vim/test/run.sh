#!/bin/sh
# Highlights every example and the standard library headlessly with the Vim
# syntax for .nas, and checks specific highlight groups on snippets.
# Skips (exit 0, with the reason) when no Vim with syntax support is installed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)

if ! command -v vim >/dev/null 2>&1; then
  echo "vim syntax test: SKIPPED (vim is not installed; 'make editors-test' installs it when run as root)"
  exit 0
fi
if ! vim --version | grep -q '+syntax'; then
  echo "vim syntax test: SKIPPED (this vim is built without +syntax)"
  exit 0
fi

report=$(mktemp)
trap 'rm -f "$report"' EXIT
status=0
NAS_VIM_REPORT="$report" vim -N -u NONE -i NONE -Es \
  --cmd "set rtp^=$root/editors/vim" -S "$here/check.vim" -- \
  "$root"/examples/*.nas "$root/dsl/std.nas" </dev/null || status=$?
files=$(ls "$root"/examples/*.nas "$root/dsl/std.nas" | wc -l)
if [ "$status" -ne 0 ] || [ -s "$report" ]; then
  cat "$report"
  echo "vim syntax test: FAILED ($(wc -l <"$report") problems in $files files and the snippets)"
  exit 1
fi
echo "vim syntax test: passed ($files files highlighted, snippets checked)"
