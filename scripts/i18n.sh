#!/usr/bin/env bash
# Refresh the site frame's Japanese catalogue after changing translatable text, then
# compile every catalogue.
#
#   bash scripts/i18n.sh          # update locale/ja/LC_MESSAGES/django.po and djangojs.po,
#                                 # compile .mo
#
# Each area of the lab (simulator/web/<area>/ with templates/web/<area>/) keeps its own
# catalogue in simulator/web/<area>/locale/, edited by hand; this script leaves those
# strings out of the frame's catalogue and only compiles them.
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
    --ignore '.venv/*' --ignore 'tests/*' --ignore 'bench/*' --ignore 'mutants/*' --ignore 'simulator/engine/*' \
    --ignore 'simulator/quiz/*' --ignore 'staticfiles/*' \
    --ignore 'simulator/web/lab/*' --ignore 'simulator/web/tracing/*' \
    --ignore 'simulator/web/kms/*' --ignore 'simulator/web/disk/*' \
    --ignore 'simulator/web/breakit/*' --ignore 'simulator/web/cse/*' \
    --ignore 'simulator/web/compare/*' --ignore 'templates/web/compare/*' \
    --ignore 'simulator/web/quiz/*' --ignore 'templates/web/quiz/*' \
    --ignore 'simulator/web/lessons/*' --ignore 'templates/web/lessons/*' \
    --ignore 'simulator/web/glossary/*' --ignore 'templates/web/glossary/*' \
    --ignore 'simulator/web/classroom/*' --ignore 'templates/web/classroom/*' \
    --ignore 'simulator/web/scenarios/*' --ignore 'templates/web/scenarios/*' \
    --ignore 'simulator/web/share/*' --ignore 'templates/web/share/*' \
    --ignore 'simulator/web/clients/*' --ignore 'templates/web/clients/*' \
    --ignore 'simulator/web/present/*' --ignore 'templates/web/present/*' \
    --ignore 'templates/web/lab/*' --ignore 'templates/web/tracing/*' \
    --ignore 'templates/web/kms/*' --ignore 'templates/web/disk/*' \
    --ignore 'templates/web/breakit/*' --ignore 'templates/web/cse/*' \
    --ignore 'static/*'
# The browser code's words (static/js, Django's djangojs domain, served by web:jsi18n):
# locale/ja/LC_MESSAGES/djangojs.po, edited by hand like django.po.
.venv/bin/python manage.py makemessages --domain djangojs --locale ja --no-location --no-obsolete \
    --ignore '.venv/*' --ignore 'node_modules/*' --ignore 'staticfiles/*' --ignore 'tests/*' --ignore 'mutants/*' \
    --ignore 'bench/*'
.venv/bin/python manage.py compilemessages --locale ja --ignore '.venv/*' --ignore 'mutants/*'
grep -n -B1 -A3 '#, fuzzy' locale/ja/LC_MESSAGES/django.po locale/ja/LC_MESSAGES/djangojs.po && echo "^ fuzzy entries to review" || true
