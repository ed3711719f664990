#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Checks po/POTFILES.in against the sources: every C file under the scanned
# directories that marks a string for translation is listed, every listed
# file exists, and the list is sorted. Then runs xgettext over the list the
# way the pot target does, into a temporary file, so a broken list fails
# here rather than at release time. Prints TAP.
#
#   check-potfiles.py SOURCE_ROOT XGETTEXT DIR...

import os
import re
import subprocess
import sys
import tempfile

# _("..."), N_("..."), C_("context", "...") and NC_(...), as the glib preset
# of meson's i18n module extracts them; not foo_(...).
MARKED = re.compile(r'(?<![A-Za-z0-9_])(?:N?C_|N_|_)\s*\(\s*"')


def listed_files(potfiles_in):
    with open(potfiles_in, encoding='utf-8') as f:
        lines = [line.strip() for line in f]
    return [line for line in lines if line and not line.startswith('#')]


def marking_files(source_root, directories):
    found = []
    for directory in directories:
        for parent, dirs, files in os.walk(os.path.join(source_root, directory)):
            dirs.sort()
            for name in sorted(files):
                if not name.endswith(('.c', '.h')):
                    continue
                path = os.path.join(parent, name)
                with open(path, encoding='utf-8', errors='replace') as f:
                    if MARKED.search(f.read()):
                        found.append(os.path.relpath(path, source_root))
    return found


def main(argv):
    source_root, xgettext, directories = argv[1], argv[2], argv[3:]
    potfiles_in = os.path.join(source_root, 'po', 'POTFILES.in')
    listed = listed_files(potfiles_in)
    marking = marking_files(source_root, directories)
    results = []

    missing = [path for path in marking if path not in listed]
    results.append((not missing, 'every file that marks strings is in po/POTFILES.in',
                    ['add to po/POTFILES.in: ' + path for path in missing]))

    gone = [path for path in listed if not os.path.isfile(os.path.join(source_root, path))]
    results.append((not gone, 'every file in po/POTFILES.in exists',
                    ['remove from po/POTFILES.in: ' + path for path in gone]))

    results.append((listed == sorted(listed) and len(set(listed)) == len(listed),
                    'po/POTFILES.in is sorted, without repeats', []))

    with tempfile.TemporaryDirectory(prefix='potfiles-') as tmp:
        pot = os.path.join(tmp, 'check.pot')
        command = [xgettext, '--from-code=UTF-8', '--add-comments', '--language=C',
                   '--keyword=_', '--keyword=N_', '--keyword=C_:1c,2', '--keyword=NC_:1c,2',
                   '--directory=' + source_root, '--files-from=' + potfiles_in, '--output=' + pot]
        if xgettext:
            run = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 universal_newlines=True)
            ok, details = run.returncode == 0 and not gone, run.stdout.splitlines()
        else:
            ok, details = False, ['xgettext was not found: apt-get install gettext']
        if ok:
            sources = set()
            with open(pot, encoding='utf-8') as f:
                for line in f:
                    if line.startswith('#: '):
                        sources.update(ref.rsplit(':', 1)[0] for ref in line[3:].split())
            unused = [path for path in listed if path not in sources]
            details += ['listed but has no translatable string: ' + path for path in unused]
        results.append((ok, 'xgettext reads every listed file', details))

    print('1..%d' % len(results))
    for number, (ok, what, details) in enumerate(results, 1):
        print('%s %d - %s' % ('ok' if ok else 'not ok', number, what))
        for line in details:
            print('# ' + line)
    return 0 if all(ok for ok, _what, _details in results) else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv))
