#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Installs the build into a DESTDIR, checks what lands there, then builds
# consumer.c against that install through pkg-config and runs it, and loads
# the installed typelib from Python. Prints TAP; lists every installed file.
#
#   check-install.py --build-root DIR --work-dir DIR --meson MESON --cc "CC..."
#       --pkg-config PKG_CONFIG --python PYTHON --prefix P --libdir L
#       --includedir I --datadir D --version V [--gir] [--docs] [--shared]
#       --headers 'h1 h2 ...'

import argparse
import os
import shlex
import shutil
import sys

from taplib import Tap, run


def under(destdir, prefix, path):
    """Where @path (absolute, or relative to @prefix) is inside @destdir."""
    return destdir + os.path.join(prefix, path)


def main():
    parser = argparse.ArgumentParser()
    for name in ('build-root', 'work-dir', 'meson', 'cc', 'pkg-config', 'python', 'prefix',
                 'libdir', 'includedir', 'datadir', 'version', 'headers', 'consumer'):
        parser.add_argument('--' + name, required=True)
    for name in ('gir', 'docs', 'shared'):
        parser.add_argument('--' + name, action='store_true')
    options = parser.parse_args()

    tap = Tap(8)
    work = os.path.abspath(options.work_dir)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    destdir = os.path.join(work, 'destdir')
    libdir = under(destdir, options.prefix, options.libdir)
    includedir = under(destdir, options.prefix, options.includedir)
    datadir = under(destdir, options.prefix, options.datadir)

    # 1. meson install, without rebuilding: meson test has built everything
    install = run([options.meson, 'install', '-C', options.build_root, '--no-rebuild',
                   '--destdir', destdir])
    if not tap.result(install.returncode == 0, 'meson install --destdir', [install.stdout],
                      quiet=True):
        return 1

    installed = sorted(os.path.relpath(os.path.join(parent, name), destdir)
                       for parent, dirs, files in os.walk(destdir)
                       for name in files + [d for d in dirs if os.path.islink(os.path.join(parent, d))])
    print('# installed files:')
    for path in installed:
        print('#   /' + path)

    # 2. The files of the library, and nothing private
    header_dir = os.path.join(includedir, 'ptadapter-1', 'ptadapter')
    expected_headers = set(options.headers.split()) | {'pt-version.h', 'pt-enums.h'}
    headers = set(os.listdir(header_dir)) if os.path.isdir(header_dir) else set()
    required = [os.path.join(libdir, 'pkgconfig', 'ptadapter-1.pc')]
    if options.shared:
        required += [os.path.join(libdir, name) for name in
                     ('libptadapter-1.so', 'libptadapter-1.so.0', 'libptadapter-1.so.0.0.0')]
    else:
        required += [os.path.join(libdir, 'libptadapter-1.a')]
    if options.gir:
        required += [os.path.join(datadir, 'gir-1.0', 'Pt-1.gir'),
                     os.path.join(libdir, 'girepository-1.0', 'Pt-1.typelib')]
    if options.docs:
        required += [os.path.join(datadir, 'gtk-doc', 'html', 'ptadapter-1', name) for name in
                     ('index.html', 'ptadapter-1.devhelp2', 'PtClientAdapter.html',
                      'ptadapter-coming-from-python.html', 'ptadapter-examples.html')]
    missing = [path for path in required if not os.path.lexists(path)]
    private = [path for path in installed
               if path.endswith('-private.h') or 'ptadapter-internal' in path or path.endswith('config.h')]
    details = ['missing: ' + path for path in missing] + ['private: /' + path for path in private]
    if headers != expected_headers:
        details += ['headers: expected %s, got %s' % (sorted(expected_headers), sorted(headers))]
    tap.result(not details, 'library, headers, .pc%s%s in place, nothing private'
               % (', GIR, typelib' if options.gir else '', ', docs' if options.docs else ''), details)

    # 3. pkg-config finds it in the DESTDIR: a copy of the installed .pc
    #    whose prefix points there, as for a staged install (a sysroot would
    #    move GLib's paths too).
    pc_dir = os.path.join(work, 'pkgconfig')
    os.makedirs(pc_dir)
    with open(os.path.join(libdir, 'pkgconfig', 'ptadapter-1.pc'), encoding='utf-8') as f:
        pc = f.read().splitlines()
    prefix_lines = [i for i, line in enumerate(pc) if line.startswith('prefix=')]
    if prefix_lines:
        pc[prefix_lines[0]] = 'prefix=' + destdir + pc[prefix_lines[0]][len('prefix='):]
    with open(os.path.join(pc_dir, 'ptadapter-1.pc'), 'w', encoding='utf-8') as f:
        f.write('\n'.join(pc) + '\n')
    env = dict(os.environ, PKG_CONFIG_PATH=pc_dir)
    version = run([options.pkg_config, '--modversion', 'ptadapter-1'], env=env)
    flags = run([options.pkg_config, '--cflags', '--libs', 'ptadapter-1'], env=env)
    tap.result(version.returncode == 0 and version.stdout.strip() == options.version
               and flags.returncode == 0 and '-I' + os.path.join(includedir, 'ptadapter-1') in flags.stdout,
               'pkg-config ptadapter-1 is version %s, with the installed headers' % options.version,
               [version.stdout, flags.stdout])

    # 4. A consumer built with nothing but pkg-config's flags
    consumer = os.path.join(work, 'consumer')
    compile_command = (shlex.split(options.cc) + ['-Wall', '-Wextra', '-Werror', '-o', consumer,
                                                  options.consumer] + shlex.split(flags.stdout))
    compiled = run(compile_command, env=env)
    tap.result(compiled.returncode == 0, 'consumer.c compiles against the install',
               [' '.join(compile_command), compiled.stdout])

    # 5. ... and runs with the installed library
    run_env = dict(os.environ, LD_LIBRARY_PATH=libdir)
    ran = run([consumer], env=run_env) if compiled.returncode == 0 else None
    output = ran.stdout if ran else ''
    library = [line[len('library: '):] for line in output.splitlines() if line.startswith('library: ')]
    tap.result(ran is not None and ran.returncode == 0 and ('ptadapter %s ' % options.version) in output
               and (not options.shared or (library and library[0].startswith(destdir))),
               'consumer runs with the installed library', [output])

    # 6. The installed typelib, from Python
    if not options.gir:
        tap.skip('the installed typelib loads', 'introspection is disabled')
    else:
        script = ("import gi; gi.require_version('Pt', '1'); gi.require_version('GIRepository', '2.0'); "
                  "from gi.repository import GIRepository, Pt; "
                  "print(Pt.VERSION_S, Pt.ClientAdapter.__gtype__.name, "
                  "GIRepository.Repository.get_default().get_typelib_path('Pt'))")
        typelib_dir = os.path.join(libdir, 'girepository-1.0')
        gi_env = dict(run_env, GI_TYPELIB_PATH=typelib_dir)
        loaded = run([options.python, '-c', script], env=gi_env)
        tap.result(loaded.returncode == 0
                   and loaded.stdout.split() == [options.version, 'PtClientAdapter',
                                                 os.path.join(typelib_dir, 'Pt-1.typelib')],
                   'the installed typelib loads in Python', [loaded.stdout])

    # 7. The installed GIR says where its header and library are
    if not options.gir:
        tap.skip('the installed GIR', 'introspection is disabled')
    else:
        with open(os.path.join(datadir, 'gir-1.0', 'Pt-1.gir'), encoding='utf-8') as f:
            gir = f.read()
        tap.result('<c:include name="ptadapter/ptadapter.h"/>' in gir
                   and '<package name="ptadapter-1"/>' in gir
                   and 'shared-library="libptadapter-1.so.0"' in gir
                   and 'glib:error-domain="pt-error-quark"' in gir,
                   'the installed GIR names its header, package, library and error domain')

    # 8. Nothing outside the prefix
    outside = [path for path in installed
               if not ('/' + path).startswith(os.path.join(options.prefix, '').rstrip('/') + '/')
               and not ('/' + path).startswith('/etc/')]
    tap.result(not outside, 'every file is under the prefix %s' % options.prefix,
               ['outside: /' + path for path in outside])

    if tap.failed == 0:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if tap.failed else 0


if __name__ == '__main__':
    sys.exit(main())
