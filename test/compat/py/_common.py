"""Shared bits for the compatibility scripts: assertions that exit non-zero with a message, and the JSON summary.

Each script prints progress to stderr and, as its very last stdout line, one JSON object that the node test parses.
"""
import json
import os
import sys
import time
import traceback


class CheckFailed(Exception):
    pass


def check(cond, msg, *details):
    if not cond:
        raise CheckFailed(msg + ('' if not details else ': ' + ' | '.join(repr(d) for d in details)))


def eq(actual, expected, msg):
    if actual != expected:
        raise CheckFailed('%s: expected %r, got %r' % (msg, expected, actual))


def log(*parts):
    print(time.strftime('%H:%M:%S'), *parts, file=sys.stderr, flush=True)


def _hard_exit(code):
    # Client background threads (and their atexit hooks) can hang on a broken broker; a failing script must not.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main(fn):
    """Runs fn(argv) -> dict; prints the dict as JSON last. Any failure exits 1 with the reason on stderr."""
    try:
        summary = fn(sys.argv[1:])
    except CheckFailed as e:
        print('CHECK FAILED: %s' % e, file=sys.stderr, flush=True)
        print(json.dumps({'ok': False, 'error': str(e)}), flush=True)
        _hard_exit(1)
    except Exception as e:  # a client exception is a failure too; keep its traceback for the report
        traceback.print_exc()
        print(json.dumps({'ok': False, 'error': '%s: %s' % (type(e).__name__, e)}), flush=True)
        _hard_exit(1)
    summary = dict(summary or {})
    summary['ok'] = True
    print(json.dumps(summary), flush=True)
    sys.exit(0)
