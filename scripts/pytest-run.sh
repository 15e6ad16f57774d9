#!/usr/bin/env bash
# Run pytest with a label; pytest's exit 5 ("no tests collected") is reported, not treated as success
# in CI, where every selection made by `make test` must run tests.
label="$1"; shift
echo "== $label"
# The Makefile exports the local settings for `make run`; pytest-django would take them over the ini
# file's, so the tests name theirs (per-run var dir, fast hashing, immediate tasks) explicitly.
export DJANGO_SETTINGS_MODULE=yimen.config.settings.test
.venv/bin/pytest "$@"
rc=$?
if [[ $rc -eq 5 ]]; then
  echo "== $label: no tests collected" >&2
  [[ "${CI:-}" == "true" ]] && exit 1 || exit 0
fi
exit $rc
