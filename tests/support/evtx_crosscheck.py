#!/usr/bin/env python3
"""tests/support/evtx_crosscheck.py: mailward's EVTX reader against evtxexport (Debian
libevtx-utils) on the same generated files: every System value and every named EventData /
UserData value evtxexport -f xml renders must be the value of that field in `mailward parse`
(docs/formats/windows_event.md, EVTX). Exits 77 (skipped) when evtxexport is not installed.

Files: tests/support/evtx_crosscheck.jsonl (templates reused later in a chunk, EventData as a
nested BinXml value with a template of its own, optional values left out, arrays of strings,
SID, GUID, FILETIME, SYSTEMTIME, hex, bool, binary, UserData, unnamed Data, entities and
non-ASCII text) and tests/e2e/windows-event-evtx/events.jsonl (split 4104 blocks left out: mailward
joins them), written by gen_evtx.py with 3
records per chunk and with all in one chunk.

Usage: evtx_crosscheck.py MAILWARD ROOT
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

NS = "{http://schemas.microsoft.com/win/2004/08/events/event}"

SYSTEM_ATTRS = {
    ("Provider", "Name"): "Provider_Name",
    ("Provider", "Guid"): "Provider_Guid",
    ("Provider", "EventSourceName"): "EventSourceName",
    ("EventID", "Qualifiers"): "Qualifiers",
    ("TimeCreated", "SystemTime"): "TimeCreated",
    ("Correlation", "ActivityID"): "ActivityID",
    ("Correlation", "RelatedActivityID"): "RelatedActivityID",
    ("Execution", "ProcessID"): "Execution.ProcessID",
    ("Execution", "ThreadID"): "Execution.ThreadID",
    ("Security", "UserID"): "Security.UserID",
}


def local(tag):
    return tag.split("}", 1)[-1]


def leaves(el):
    kids = list(el)
    if not kids:
        yield el
    for k in kids:
        yield from leaves(k)


def expected_pairs(event):
    """(name, value) pairs of one <Event> as docs/formats/windows_event.md (EVTX) names them;
    unnamed <Data> left out (mailward names them by position)."""
    out = []
    for part in event:
        name = local(part.tag)
        if name == "System":
            for el in part:
                en = local(el.tag)
                for an, av in el.attrib.items():
                    key = SYSTEM_ATTRS.get((en, an))
                    if key:
                        out.append((key, av))
                if en not in ("Provider", "TimeCreated", "Execution", "Security") and \
                        not list(el) and el.text:
                    out.append((en, el.text))
        elif name == "EventData":
            for el in part:
                if local(el.tag) == "Data" and "Name" in el.attrib and not list(el):
                    out.append((el.attrib["Name"], el.text or ""))
        elif name == "UserData":
            for root in part:
                for leaf in leaves(root):
                    if leaf is not root:
                        out.append((local(leaf.tag), leaf.text or ""))
    return out


def evtxexport_events(path):
    text = subprocess.run(["evtxexport", "-f", "xml", path], check=True,
                          capture_output=True).stdout.decode("utf-8")
    events = []
    at = 0
    while True:
        s = text.find("<Event ", at)
        if s < 0:
            break
        e = text.index("</Event>", s) + len("</Event>")
        # keep carriage returns (an XML parser turns CR LF into LF)
        events.append(ET.fromstring(text[s:e].replace("\r", "&#13;")))
        at = e
    return events


def check(mailward, jsonl, tmp, extra):
    evtx = os.path.join(tmp, "x.evtx")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    subprocess.run([sys.executable, os.path.join(root, "support", "gen_evtx.py"), jsonl, evtx]
                   + extra, check=True)
    want = evtxexport_events(evtx)
    got = subprocess.run([mailward, "parse", evtx], capture_output=True, text=True,
                         encoding="utf-8")
    if got.returncode != 0 or got.stderr:
        return ["mailward parse: exit %d, stderr: %s" % (got.returncode, got.stderr)]
    recs = [json.loads(line) for line in got.stdout.splitlines() if line.strip()]
    by_id = {r["fields"].get("EventRecordID"): r for r in recs}
    errors = []
    # the parts of a split 4104 script block come out of mailward as one event (the last part,
    # with the text joined: docs/formats/windows_event.md, PowerShell script blocks)
    want = [(ev, expected_pairs(ev)) for ev in want]
    def split_part(p):
        d = dict(p)
        return d.get("EventID") == "4104" and d.get("MessageTotal", "1") != "1"
    want = [(ev, [(n, v) for n, v in p if not (split_part(p) and n == "ScriptBlockText")])
            for ev, p in want
            if not (split_part(p) and dict(p).get("MessageNumber") != dict(p)["MessageTotal"])]
    if len(want) != len(recs):
        errors.append("evtxexport renders %d records, mailward parse gives %d"
                      % (len(want), len(recs)))
    for ev, pairs in want:
        rid = dict(pairs).get("EventRecordID")
        rec = by_id.get(rid)
        if rec is None:
            errors.append("record %s: not in mailward's output" % rid)
            continue
        names = {}
        for n, v in pairs:
            names.setdefault(n, []).append(v)
        for n, vs in names.items():
            have = rec["fields"].get(n)
            have = have if isinstance(have, list) else [have]
            if have != vs:
                errors.append("record %s, %s: evtxexport %r, mailward %r" % (rid, n, vs, have))
    return errors


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    mailward, root = sys.argv[1], sys.argv[2]
    if not shutil.which("evtxexport"):
        print("skipped: evtxexport (Debian libevtx-utils) is not installed")
        sys.exit(77)
    cases = [
        (os.path.join(root, "tests/support/evtx_crosscheck.jsonl"), ["--records-per-chunk", "3"]),
        (os.path.join(root, "tests/support/evtx_crosscheck.jsonl"), []),
        (os.path.join(root, "tests/e2e/windows-event-evtx/events.jsonl"), []),
    ]
    errors = []
    with tempfile.TemporaryDirectory() as tmp:
        for jsonl, extra in cases:
            for e in check(mailward, jsonl, tmp, extra):
                errors.append("%s %s: %s" % (os.path.basename(jsonl), " ".join(extra), e))
    for e in errors:
        print(e)
    if errors:
        sys.exit(1)
    print("evtx crosscheck: mailward and evtxexport agree on %d files" % len(cases))


if __name__ == "__main__":
    main()
