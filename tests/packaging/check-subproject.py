#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Builds consumer.c as a meson project that pulls ptadapter in as a
# subproject with dependency('ptadapter-1', fallback: ...), runs it, and
# checks that the subproject kept its tests and docs to itself. Prints TAP.
#
#   check-subproject.py --source-root DIR --work-dir DIR --meson MESON --consumer FILE

import argparse
import os
import shutil
import sys

from taplib import Tap, run

CONSUMER_MESON_BUILD = '''\
project('pt-consumer', 'c', meson_version: '>= 0.62.0')

pt_dep = dependency('ptadapter-1', fallback: 'ptadapter',
                    default_options: ['docs=disabled', 'tests=false'])

consumer = executable('consumer', 'consumer.c', dependencies: pt_dep)
test('consumer', consumer)
'''


def copy_source_tree(source_root, destination):
    """The source tree, without build directories and VCS data."""
    def ignore(directory, names):
        if os.path.abspath(directory) != os.path.abspath(source_root):
            return []
        return [name for name in names
                if name.startswith(('_build', '.git', 'builddir')) or name == 'subprojects']
    shutil.copytree(source_root, destination, ignore=ignore, symlinks=True)


def main():
    parser = argparse.ArgumentParser()
    for name in ('source-root', 'work-dir', 'meson', 'consumer'):
        parser.add_argument('--' + name, required=True)
    options = parser.parse_args()

    tap = Tap(5)

    work = os.path.abspath(options.work_dir)
    shutil.rmtree(work, ignore_errors=True)
    project = os.path.join(work, 'consumer')
    build = os.path.join(work, 'build')
    os.makedirs(os.path.join(project, 'subprojects'))
    with open(os.path.join(project, 'meson.build'), 'w', encoding='utf-8') as f:
        f.write(CONSUMER_MESON_BUILD)
    shutil.copy(options.consumer, os.path.join(project, 'consumer.c'))
    copy_source_tree(options.source_root, os.path.join(project, 'subprojects', 'ptadapter'))

    # 1. Configure: the fallback is forced, so an installed ptadapter-1
    #    cannot stand in for the subproject.
    setup = run([options.meson, 'setup', build, project, '--force-fallback-for=ptadapter-1',
                 '-Dwerror=true'])
    if not tap.result(setup.returncode == 0, 'meson setup with ptadapter as a subproject',
                      [setup.stdout], quiet=True):
        return 1

    # 2. Build
    compiled = run([options.meson, 'compile', '-C', build])
    if not tap.result(compiled.returncode == 0, 'meson compile', [compiled.stdout[-4000:]], quiet=True):
        return 1

    # 3. Run: the library is the subproject's
    ran = run([os.path.join(build, 'consumer')])
    library = os.path.join(build, 'subprojects', 'ptadapter', 'ptadapter')
    tap.result(ran.returncode == 0 and 'ptadapter ' in ran.stdout and ('library: ' + library) in ran.stdout,
               'the consumer runs with the subproject\'s library', [ran.stdout])

    # 4. Only the consumer's own test: ptadapter's stay out of a parent project
    listed = run([options.meson, 'test', '-C', build, '--list', '--no-rebuild'])
    tests = [line.strip() for line in listed.stdout.splitlines() if line.strip()]
    tap.result(listed.returncode == 0 and tests == ['consumer'],
               'the parent project sees no test of ptadapter', [listed.stdout])

    # 5. No docs built in a subproject
    docs = os.path.join(build, 'subprojects', 'ptadapter', 'docs', 'html')
    tap.result(not os.path.exists(docs), 'no gtk-doc run in a subproject')

    if tap.failed == 0:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if tap.failed else 0


if __name__ == '__main__':
    sys.exit(main())
