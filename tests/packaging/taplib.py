# SPDX-License-Identifier: LGPL-2.1-or-later
"""TAP output and subprocesses for the packaging checks."""

import subprocess
import sys


class Tap:
    def __init__(self, planned):
        self.number = 0
        self.failed = 0
        print('1..%d' % planned)

    def result(self, ok, what, details=(), quiet=False):
        """Prints one result; @details as comments, only on failure if @quiet."""
        self.number += 1
        if not ok:
            self.failed += 1
        print('%s %d - %s' % ('ok' if ok else 'not ok', self.number, what))
        for text in (details if not ok or not quiet else ()):
            for line in str(text).splitlines():
                print('# ' + line)
        sys.stdout.flush()
        return ok

    def skip(self, what, why):
        self.number += 1
        print('ok %d - %s # SKIP %s' % (self.number, what, why))
        sys.stdout.flush()


def run(command, **kwargs):
    """Runs @command; its stdout and stderr together in .stdout."""
    return subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, **kwargs)
