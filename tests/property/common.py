"""common.py — what the property scripts share: check() prints a PASS or
FAIL line and counts the failures (done() exits with them), kam() runs the
kam binary the script was given (set KAM first)."""
import subprocess
import sys

KAM = None
fails = 0


def check(ok, what, detail=""):
    global fails
    print(("PASS " if ok else "FAIL ") + what)
    if not ok:
        fails += 1
        if detail:
            print("     " + str(detail)[:1500].replace("\n", "\n     "))


def kam(*args, stdin=None):
    p = subprocess.run([KAM, *args], input=stdin, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def done(summary=False):
    if summary:
        print(f"{fails} failed")
    sys.exit(1 if fails else 0)
