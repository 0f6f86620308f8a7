"""xlsx_craft.py — writes .xlsx files by hand (python's zipfile), for the
tests that need what openpyxl does not write: inline strings, formulas
without a saved value, rich text with phonetic runs, the 1904 date system,
hostile parts. Used by tests/cli/xlsx_*.sh (imported, not run by itself).

book(path, sheets, strings=None, date1904=False, rels_extra='', parts=None,
     drop=()) writes a workbook: sheets is a list of (name, sheet_xml_body,
state) where the body is what goes inside <sheetData>, or a whole document
if it starts with '<?xml'; strings is a list of <si> bodies; parts adds or
replaces zip entries by name; drop leaves entries out."""
import zipfile

NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'
RNS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships'
PNS = 'http://schemas.openxmlformats.org/package/2006/relationships'


def book(path, sheets, strings=None, date1904=False, parts=None, drop=()):
    files = {}
    files['[Content_Types].xml'] = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
        '</Types>')
    files['_rels/.rels'] = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="%s"><Relationship Id="rId1" '
        'Type="%s/officeDocument" Target="xl/workbook.xml"/></Relationships>' % (PNS, RNS))
    sh = ''.join('<sheet name="%s" sheetId="%d" r:id="rId%d"%s/>'
                 % (n, i + 1, i + 1, ' state="%s"' % st if st else '')
                 for i, (n, _, st) in enumerate(sheets))
    files['xl/workbook.xml'] = (
        '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="%s" xmlns:r="%s">'
        '<workbookPr%s/><sheets>%s</sheets></workbook>'
        % (NS, RNS, ' date1904="1"' if date1904 else '', sh))
    rels = ''.join('<Relationship Id="rId%d" Type="%s/worksheet" Target="worksheets/sheet%d.xml"/>'
                   % (i + 1, RNS, i + 1) for i in range(len(sheets)))
    if strings is not None:
        rels += '<Relationship Id="rIdS" Type="%s/sharedStrings" Target="sharedStrings.xml"/>' % RNS
        files['xl/sharedStrings.xml'] = (
            '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="%s" count="%d" uniqueCount="%d">%s'
            '</sst>' % (NS, len(strings), len(strings), ''.join('<si>%s</si>' % s for s in strings)))
    files['xl/_rels/workbook.xml.rels'] = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="%s">%s</Relationships>'
        % (PNS, rels))
    for i, (_, body, _) in enumerate(sheets):
        if not body.startswith('<?xml'):
            body = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="%s"><sheetData>%s'
                    '</sheetData></worksheet>' % (NS, body))
        files['xl/worksheets/sheet%d.xml' % (i + 1)] = body
    files.update(parts or {})
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            if name not in drop:
                z.writestr(name, data)


def row(n, *cells):
    """<row r="n"> with cells given as (ref, type or None, inner xml)."""
    out = ''
    for ref, t, inner in cells:
        out += '<c r="%s"%s>%s</c>' % (ref, ' t="%s"' % t if t else '', inner)
    return '<row r="%d">%s</row>' % (n, out)
