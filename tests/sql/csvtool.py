#!/usr/bin/python3
"""csvtool.py — the small steps of tests/sql/lib/engines.sh done in Python.

  csvtool.py sqlite-prep CSV TABLE OUTCSV FIXSQL
      For the sqlite3 shell's `.import --csv`, which reads every field as
      text and cannot tell a quoted "\\N" (the string \\N) from an unquoted
      \\N (NULL, in kam's canonical CSV): when CSV has a quoted "\\N",
      writes OUTCSV, a copy in which each such string is a marker text
      found nowhere in the file (else OUTCSV is not written); and FIXSQL,
      the UPDATE that turns \\N into NULL in every column and the markers
      back into \\N.
  csvtool.py sqlite-query DB SQLFILE OUTCSV
      Runs the query in SQLFILE on the SQLite database DB (Python's sqlite3
      module, the system's libsqlite3) and writes the result as CSV.
  csvtool.py pg-copy SQLFILE OUTSQL
      Wraps the one query of SQLFILE in COPY (...) TO STDOUT (FORMAT csv,
      HEADER) for psql.

The CSV written: a header, then the rows; NULL an empty unquoted field; a
text quoted when it is empty or holds a comma, quote, CR or LF; a double
as the shortest text that reads back to it (repr). Exit 1 with a message
on errors.
"""
import csv
import io
import re
import sqlite3
import sys


def die(msg):
    sys.stderr.write("csvtool: %s\n" % msg)
    sys.exit(1)


def q_ident(name):
    return '"' + name.replace('"', '""') + '"'


# one field of a canonical CSV: quoted, or not; then its end
FIELD = re.compile(r'("(?:[^"]|"")*"|[^,"\r\n]*)(,|\r\n|\n|$)')


def sqlite_prep(src, table, out_csv, fix_sql):
    with open(src, "rb") as f:
        data = f.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        die("%s: not UTF-8: %s" % (src, e))
    first = text.split("\n", 1)[0].rstrip("\r")
    header = next(csv.reader([first]))
    if not header or header == [""]:
        die("%s: no header line" % src)
    marker = None
    if '"\\N"' in text:
        n = 0
        while True:
            marker = "kam-literal-backslash-N-%d" % n
            if marker not in text:
                break
            n += 1
        out = []
        pos = 0
        while pos < len(text):
            m = FIELD.match(text, pos)
            if m is None or (m.end() == pos and pos < len(text)):
                die("%s: cannot read the CSV at byte %d" % (src, pos))
            field, end = m.group(1), m.group(2)
            out.append(('"%s"' % marker if field == '"\\N"' else field) + end)
            pos = m.end()
        with open(out_csv, "w", encoding="utf-8", newline="") as f:
            f.write("".join(out))
    sets = ["%s = NULLIF(%s, '\\N')" % (q_ident(c), q_ident(c)) for c in header]
    sql = "UPDATE %s SET %s;\n" % (q_ident(table), ", ".join(sets))
    if marker:
        sets = ["%s = CASE WHEN %s = '%s' THEN '\\N' ELSE %s END" % (q_ident(c), q_ident(c), marker, q_ident(c))
                for c in header]
        sql += "UPDATE %s SET %s;\n" % (q_ident(table), ", ".join(sets))
    with open(fix_sql, "w", encoding="utf-8") as f:
        f.write(sql)


def csv_field(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, bytes):
        v = v.decode("utf-8", "replace")
    s = str(v)
    if s == "" or any(ch in s for ch in ',"\r\n'):
        return '"' + s.replace('"', '""') + '"'
    return s


def sqlite_query(db, sqlfile, out_csv):
    with open(sqlfile, encoding="utf-8") as f:
        sql = f.read()
    con = sqlite3.connect(db)
    try:
        cur = con.cursor()
        # executescript would drop the rows: run the statements one by one,
        # keeping the rows of the last that returns any
        stmts = split_sqlite(sql)
        if not stmts:
            die("%s: no statement" % sqlfile)
        rows, names = None, None
        for st in stmts:
            cur.execute(st)
            if cur.description is not None:
                names = [d[0] for d in cur.description]
                rows = cur.fetchall()
        if names is None:
            die("%s: no statement returned rows" % sqlfile)
    except sqlite3.Error as e:
        die("%s: %s" % (sqlfile, e))
    finally:
        con.close()
    with open(out_csv, "w", encoding="utf-8", newline="") as f:
        f.write(",".join(csv_field(n) for n in names) + "\n")
        for r in rows:
            f.write(",".join(csv_field(v) for v in r) + "\n")


def split_sqlite(sql):
    """The statements of a script, split where sqlite3 says one is complete."""
    out, cur = [], ""
    for line in io.StringIO(sql):
        cur += line
        if sqlite3.complete_statement(cur):
            if cur.strip():
                out.append(cur)
            cur = ""
    if cur.strip() and not re.fullmatch(r"(\s|--[^\n]*\n?)*", cur):
        out.append(cur)
    return out


def pg_copy(sqlfile, out_sql):
    with open(sqlfile, encoding="utf-8") as f:
        sql = f.read()
    body = sql.rstrip()
    # the one statement's closing semicolon, if any (and comments after it)
    while True:
        stripped = re.sub(r"--[^\n]*$", "", body).rstrip()
        if stripped == body:
            break
        body = stripped
    if body.endswith(";"):
        body = body[:-1].rstrip()
    if not body:
        die("%s: no query" % sqlfile)
    with open(out_sql, "w", encoding="utf-8") as f:
        f.write("COPY (\n%s\n) TO STDOUT WITH (FORMAT csv, HEADER);\n" % body)


def main(argv):
    if len(argv) == 6 and argv[1] == "sqlite-prep":
        sqlite_prep(argv[2], argv[3], argv[4], argv[5])
    elif len(argv) == 5 and argv[1] == "sqlite-query":
        sqlite_query(argv[2], argv[3], argv[4])
    elif len(argv) == 4 and argv[1] == "pg-copy":
        pg_copy(argv[2], argv[3])
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main(sys.argv)
