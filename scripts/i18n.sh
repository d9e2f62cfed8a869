#!/usr/bin/env bash
# Refresh the Japanese catalogue after changing translatable text, then compile it.
#
#   bash scripts/i18n.sh          # update locale/ja/LC_MESSAGES/django.po, compile .mo
#
# Edit the new or changed msgstr entries in django.po (and remove any "fuzzy" flags),
# run this again to compile, and commit both files. Needs GNU gettext (installed here
# with apt-get when missing and run as root). The run and test scripts do not need
# it: the compiled .mo file is committed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
if ! command -v msgfmt >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null
fi
export DJANGO_TESTING=1
.venv/bin/python manage.py makemessages --locale ja --no-location --no-obsolete \
    --ignore '.venv/*' --ignore 'tests/*' --ignore 'bench/*' --ignore 'simulator/engine/*' \
    --ignore 'simulator/quiz/*' --ignore 'staticfiles/*'
.venv/bin/python manage.py compilemessages --locale ja --ignore '.venv/*'
grep -n -B1 -A3 '#, fuzzy' locale/ja/LC_MESSAGES/django.po && echo "^ fuzzy entries to review" || true
