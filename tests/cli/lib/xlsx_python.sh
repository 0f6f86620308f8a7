# xlsx_python.sh — sourced by tests/cli/xlsx_*.sh: sets $PY to a python3
# that has openpyxl (the one on PATH, else the system's /usr/bin/python3,
# where Debian's python3-openpyxl goes), or exits 77 (skipped) saying so.
PY=
for p in python3 /usr/bin/python3; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import openpyxl' 2>/dev/null; then
        PY=$p
        break
    fi
done
if [ -z "$PY" ]; then
    echo "skipped: no python3 with openpyxl (Debian: apt-get install python3-openpyxl)"
    exit 77
fi
