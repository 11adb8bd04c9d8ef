#!/usr/bin/env python3
"""tests/support/gen_evtx.py: writes EVTX files (the Windows XML event log format) from readable
text, for mailward's test fixtures and benchmarks.

Input: JSON Lines, one event per line:
  {"channel": "Security", "provider": "Microsoft-Windows-Security-Auditing", "event_id": 4663,
   "time": "2025-03-04T10:03:12.004Z", "computer": "ws-042", "record_id": 7 (optional),
   "data": {"SubjectUserName": "alice", ...}      # named <Data Name=...> (EventData)
        or ["New-MailboxExportRequest", "..."]    # unnamed <Data> (MSExchange Management)
   "user_data": {"LogFileCleared": {"SubjectUserName": "alice"}},  # instead of data
   "user_sid": "S-1-5-18" (optional),
   "binxml_data": true (optional: the <EventData> is a BinXml value of the <Event>'s template,
                  with a template of its own, as Windows writes Security and Sysmon records)}
A data value is a string, or null (an optional substitution with no value), or a typed value
{"type": T, "value": V}: T one of string, int8, uint8, int16, uint16, int32, uint32, int64,
uint64, hex32, hex64, bool, real64, guid ("{...}"), sid ("S-1-..."), filetime (ISO 8601),
systime (ISO 8601, milliseconds), binary (hex digits), strings (a list: an array of strings).

What it writes (docs/formats/windows_event.md, EVTX): a 4096-byte file header ("ElfFile\\0",
CRC32 of its first 120 bytes), 64 KiB chunks ("ElfChnk\\0", header CRC32 over bytes 0-120 and
128-512, CRC32 of the records), records ("**\\0\\0", size, record id, FILETIME, binary XML, size
again). Each record's binary XML is a template instance: the template (an <Event> with <System>
and <EventData> or <UserData>, names written inline, values as substitutions) is defined inline
by the first record of a chunk that uses it and referred to by offset by the later ones.

Options: --records-per-chunk N starts a new chunk after N records; --truncate-chunk N cuts the file in the middle of chunk N (0-based) so that its later
records are lost; --corrupt-record K overwrites the binary XML of the K-th record (0-based) with
bytes no parser reads; --bench BYTES repeats the input events (new record ids and times) until
the file holds at least BYTES.
"""
import argparse
import binascii
import datetime
import json
import struct
import sys

CHUNK = 65536
CHUNK_HEADER = 512
FILE_HEADER = 4096

T_NULL, T_STRING, T_UINT8, T_UINT16, T_UINT32, T_UINT64 = 0x00, 0x01, 0x04, 0x06, 0x08, 0x0A
T_FILETIME, T_SID, T_HEX64 = 0x11, 0x13, 0x15
T_INT8, T_INT16, T_INT32, T_INT64, T_REAL64, T_BOOL, T_BINARY, T_GUID = \
    0x03, 0x05, 0x07, 0x09, 0x0C, 0x0D, 0x0E, 0x0F
T_SYSTIME, T_HEX32, T_BINXML, T_ARRAY = 0x12, 0x14, 0x21, 0x80

INT_TYPES = {"int8": (T_INT8, "<b"), "uint8": (T_UINT8, "<B"), "int16": (T_INT16, "<h"),
             "uint16": (T_UINT16, "<H"), "int32": (T_INT32, "<i"), "uint32": (T_UINT32, "<I"),
             "int64": (T_INT64, "<q"), "uint64": (T_UINT64, "<Q"), "hex32": (T_HEX32, "<I"),
             "hex64": (T_HEX64, "<Q"), "bool": (T_BOOL, "<I"), "real64": (T_REAL64, "<d")}


def zlib_hash(key):
    return binascii.crc32(repr(key).encode()) & 0xFFFFFFFF


def crc32(b):
    return binascii.crc32(b) & 0xFFFFFFFF


def name_hash(s):
    h = 0
    for c in s.encode("utf-16-le")[::2]:
        h = (h * 65599 + c) & 0xFFFFFFFF
    return h & 0xFFFF


def filetime(text):
    t = text.replace("Z", "+00:00")
    frac = 0
    if "." in t:
        main, rest = t.split(".", 1)
        digits = ""
        while rest and rest[0].isdigit():
            digits, rest = digits + rest[0], rest[1:]
        frac = int((digits + "0000000")[:7])
        t = main + rest
    dt = datetime.datetime.fromisoformat(t)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=datetime.timezone.utc)
    epoch = datetime.datetime(1601, 1, 1, tzinfo=datetime.timezone.utc)
    secs = int((dt - epoch).total_seconds())
    return secs * 10000000 + frac


def guid_bytes(text):
    h = text.strip("{}").split("-")
    return struct.pack("<IHH", int(h[0], 16), int(h[1], 16), int(h[2], 16)) + \
        bytes.fromhex(h[3] + h[4])


def systime_bytes(text):
    dt = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return struct.pack("<8H", dt.year, dt.month, (dt.weekday() + 1) % 7, dt.day, dt.hour,
                       dt.minute, dt.second, dt.microsecond // 1000)


def typed_value(v):
    """A data value: (type, bytes)."""
    if v is None:
        return (T_NULL, b"")
    if not isinstance(v, dict):
        return (T_STRING, str(v).encode("utf-16-le"))
    t, x = v["type"], v["value"]
    if t in INT_TYPES:
        code, fmt = INT_TYPES[t]
        return (code, struct.pack(fmt, x))
    if t == "string":
        return (T_STRING, str(x).encode("utf-16-le") + b"\0\0")
    if t == "strings":
        return (T_STRING | T_ARRAY, b"".join(s.encode("utf-16-le") + b"\0\0" for s in x))
    if t == "guid":
        return (T_GUID, guid_bytes(x))
    if t == "sid":
        return (T_SID, sid_bytes(x))
    if t == "filetime":
        return (T_FILETIME, struct.pack("<Q", filetime(x)))
    if t == "systime":
        return (T_SYSTIME, systime_bytes(x))
    if t == "binary":
        return (T_BINARY, bytes.fromhex(x))
    raise SystemExit("gen_evtx: unknown value type " + t)


def sid_bytes(text):
    parts = text.split("-")
    rev, auth, subs = int(parts[1]), int(parts[2]), [int(x) for x in parts[3:]]
    return struct.pack("<BB", rev, len(subs)) + auth.to_bytes(6, "big") + b"".join(
        struct.pack("<I", s) for s in subs)


class Tmpl:
    """A template: the binary XML of its <Event> with substitution slots, built for a chunk
    offset (names are inline: their offsets depend on where the definition lands)."""

    def __init__(self, key, data_names, user_root, user_ns, nsubs, kind="event", types=None):
        self.kind = kind  # "event", "event_binxml" (EventData as a BinXml value), "data"
        self.types = types or [T_STRING] * len(data_names or [])
        self.key = key
        self.data_names = data_names  # list of names ("" for unnamed) or None
        self.user_root = user_root    # UserData root element name or None
        self.user_ns = user_ns
        self.nsubs = nsubs

    def build(self, base):
        """The definition's fragment bytes when its first byte lands at chunk offset base."""
        out = bytearray()

        def pos():
            return base + len(out)

        def elem(tag, attrs, content):
            nonlocal out
            # attrs: list of (name, ("text", str) | ("sub", idx, type, optional))
            start = len(out)
            out.append(0x41 if attrs else 0x01)
            out += struct.pack("<H", 0xFFFF)
            size_at = len(out)
            out += b"\0\0\0\0"
            here = pos()
            enc = tag.encode("utf-16-le")
            out += struct.pack("<I", here + 4) + struct.pack("<IHH", 0, name_hash(tag), len(tag)) \
                + enc + b"\0\0"
            if attrs:
                alen_at = len(out)
                out += b"\0\0\0\0"
                a0 = len(out)
                for i, (an, av) in enumerate(attrs):
                    out.append(0x46 if i + 1 < len(attrs) else 0x06)
                    here = pos()
                    enc = an.encode("utf-16-le")
                    out += struct.pack("<I", here + 4) + struct.pack(
                        "<IHH", 0, name_hash(an), len(an)) + enc + b"\0\0"
                    value(av)
                struct.pack_into("<I", out, alen_at, len(out) - a0)
            if content is None:
                out.append(0x03)
            else:
                out.append(0x02)
                for c in content:
                    if callable(c):
                        c()
                    else:
                        value(c)
                out.append(0x04)
            struct.pack_into("<I", out, size_at, len(out) - size_at - 4)
            return start

        def value(v):
            nonlocal out
            if v[0] == "text":
                out.append(0x05)
                out.append(0x01)
                out += struct.pack("<H", len(v[1])) + v[1].encode("utf-16-le")
            else:
                out.append(0x0E if v[3] else 0x0D)
                out += struct.pack("<HB", v[1], v[2])

        subs = iter(range(100000))

        def sub(t, optional=False):
            return ("sub", next(subs), t, optional)

        s_provider, s_eid, s_ver, s_level, s_task, s_op, s_kw, s_time, s_rid, s_pid, s_tid, \
            s_chan, s_comp, s_sid = (sub(T_STRING), sub(T_UINT16), sub(T_UINT8), sub(T_UINT8),
                                     sub(T_UINT16), sub(T_UINT8), sub(T_HEX64), sub(T_FILETIME),
                                     sub(T_UINT64), sub(T_UINT32), sub(T_UINT32), sub(T_STRING),
                                     sub(T_STRING), sub(T_SID, True))
        out += bytes([0x0F, 0x01, 0x01, 0x00])

        def system():
            elem("System", [], [
                lambda: elem("Provider", [("Name", s_provider)], None),
                lambda: elem("EventID", [], [s_eid]),
                lambda: elem("Version", [], [s_ver]),
                lambda: elem("Level", [], [s_level]),
                lambda: elem("Task", [], [s_task]),
                lambda: elem("Opcode", [], [s_op]),
                lambda: elem("Keywords", [], [s_kw]),
                lambda: elem("TimeCreated", [("SystemTime", s_time)], None),
                lambda: elem("EventRecordID", [], [s_rid]),
                lambda: elem("Correlation", [], None),
                lambda: elem("Execution", [("ProcessID", s_pid), ("ThreadID", s_tid)], None),
                lambda: elem("Channel", [], [s_chan]),
                lambda: elem("Computer", [], [s_comp]),
                lambda: elem("Security", [("UserID", s_sid)], None),
            ])

        def data_part():
            if self.kind == "event_binxml":
                value(sub(T_BINXML))
                return
            if self.user_root is not None:
                def root():
                    kids = [(lambda n=n: elem(n, [], [sub(T_STRING, True)]))
                            for n in self.data_names]
                    elem(self.user_root, [("xmlns", ("text", self.user_ns))], kids)
                elem("UserData", [], [root])
                return
            kids = []
            for n, t in zip(self.data_names, self.types):
                if n:
                    kids.append(lambda n=n, t=t: elem("Data", [("Name", ("text", n))],
                                                      [sub(t, True)]))
                else:
                    kids.append(lambda t=t: elem("Data", [], [sub(t, True)]))
            elem("EventData", [], kids)

        if self.kind == "data":
            subs = iter(range(100000))  # the data template's own values
            data_part()
            out.append(0x00)
            return bytes(out)
        elem("Event", [("xmlns", ("text", "http://schemas.microsoft.com/win/2004/08/events/event"))],
             [system, data_part])
        out.append(0x00)
        return bytes(out)


NSYS = 14  # substitutions of <System>


def data_items(ev):
    """(names, typed values) of the event's data."""
    if "user_data" in ev:
        kids = next(iter(ev["user_data"].values()))
        return list(kids.keys()), [typed_value(v) for v in kids.values()]
    d = ev.get("data", {})
    if isinstance(d, list):
        return [""] * len(d), [typed_value(v) for v in d]
    return list(d.keys()), [typed_value(v) for v in d.values()]


def data_types(vals):
    """The types the template declares: a null value's slot is a string."""
    return tuple(t if t != T_NULL else T_STRING for t, _ in vals)


def tmpl_key(ev):
    names, vals = data_items(ev)
    types = data_types(vals)
    if "user_data" in ev:
        root = next(iter(ev["user_data"].keys()))
        return ("U", root, tuple(names), types)
    if ev.get("binxml_data"):
        return ("B",)
    return ("D", tuple(names), types)


def values_of(ev, rid):
    """The substitution values of an event: (type, bytes) each."""
    vals = [
        (T_STRING, ev.get("provider", "").encode("utf-16-le")),
        (T_UINT16, struct.pack("<H", int(ev["event_id"]))),
        (T_UINT8, struct.pack("<B", int(ev.get("version", 0)))),
        (T_UINT8, struct.pack("<B", int(ev.get("level", 4)))),
        (T_UINT16, struct.pack("<H", int(ev.get("task", 0)))),
        (T_UINT8, struct.pack("<B", 0)),
        (T_HEX64, struct.pack("<Q", int(ev.get("keywords", 0x8020000000000000)))),
        (T_FILETIME, struct.pack("<Q", filetime(ev["time"]))),
        (T_UINT64, struct.pack("<Q", rid)),
        (T_UINT32, struct.pack("<I", int(ev.get("pid", 4)))),
        (T_UINT32, struct.pack("<I", int(ev.get("tid", 8)))),
        (T_STRING, ev.get("channel", "").encode("utf-16-le")),
        (T_STRING, ev.get("computer", "").encode("utf-16-le")),
        (T_SID, sid_bytes(ev["user_sid"])) if ev.get("user_sid") else (T_NULL, b""),
    ]
    if ev.get("binxml_data"):
        return vals
    for typ, b in data_items(ev)[1]:
        vals.append((typ, b))
    return vals


class Writer:
    def __init__(self, out):
        self.out = out
        self.chunks = 0
        self.next_rid = 1
        self.chunk = None
        self.records = []  # the byte offsets of records in the file (for --corrupt-record)
        self.new_chunk()

    def new_chunk(self):
        self.buf = bytearray(CHUNK_HEADER)
        self.tmpls = {}  # key -> chunk offset of the definition
        self.first_rid = None
        self.last_off = 0
        self.in_chunk = 0

    def record(self, ev):
        rid = int(ev.get("record_id", self.next_rid))
        self.next_rid = rid + 1
        key = tmpl_key(ev)
        for attempt in range(2):
            rec = self.encode(ev, key, rid)
            if len(self.buf) + len(rec) <= CHUNK:
                break
            if attempt or len(self.buf) == CHUNK_HEADER:
                raise SystemExit("gen_evtx: an event does not fit in a chunk")
            self.flush_chunk()
        self.records.append(FILE_HEADER + self.chunks * CHUNK + len(self.buf))
        self.last_off = len(self.buf)
        if self.first_rid is None:
            self.first_rid = rid
        self.last_rid = rid
        self.buf += rec
        self.in_chunk += 1

    def instance(self, t, key, at, vals, newly, binxml_tail=None):
        """A template instance token whose first byte lands at chunk offset at: the template
        (defined inline when the chunk has not got it yet), then its values; binxml_tail(pos)
        gives the bytes of a last BinXml value that lands at chunk offset pos."""
        defined = self.tmpls.get(key)
        tid = zlib_hash(key)
        body = bytearray([0x0C, 0x01]) + struct.pack("<I", tid)
        if defined is None:
            def_off = at + len(body) + 4
            body += struct.pack("<I", def_off)
            frag = t.build(def_off + 24)
            body += struct.pack("<I", 0) + struct.pack("<IIII", tid, 0, 0, 0) + \
                struct.pack("<I", len(frag)) + frag
            newly.append((key, def_off))
        else:
            body += struct.pack("<I", defined)
        n = len(vals) + (1 if binxml_tail else 0)
        body += struct.pack("<I", n)
        data = b"".join(b for _, b in vals)
        tail = b""
        if binxml_tail:
            tail = binxml_tail(at + len(body) + 4 * n + len(data))
        for typ, b in vals:
            body += struct.pack("<HBB", len(b), typ, 0)
        if binxml_tail:
            body += struct.pack("<HBB", len(tail), T_BINXML, 0)
        return bytes(body + data + tail)

    def encode(self, ev, key, rid):
        start = len(self.buf)
        names, dvals = data_items(ev)
        types = list(data_types(dvals))
        if "user_data" in ev:
            root = next(iter(ev["user_data"].keys()))
            t = Tmpl(key, names, root, ev.get("user_ns", "Event_NS"), NSYS + len(names),
                     types=types)
        elif ev.get("binxml_data"):
            t = Tmpl(key, [], None, None, NSYS + 1, kind="event_binxml")
        else:
            t = Tmpl(key, names, None, None, NSYS + len(names), types=types)
        newly = []
        tail = None
        if ev.get("binxml_data"):
            dkey = ("BD", tuple(names), tuple(types))
            dt = Tmpl(dkey, names, None, None, len(names), kind="data", types=types)

            def tail(pos):
                inner = self.instance(dt, dkey, pos + 4, dvals, newly)
                return bytes([0x0F, 0x01, 0x01, 0x00]) + inner + b"\0"
        body = bytes([0x0F, 0x01, 0x01, 0x00]) + \
            self.instance(t, key, start + 24 + 4, values_of(ev, rid), newly, tail) + b"\0"
        size = 24 + len(body) + 4
        rec = struct.pack("<IIQQ", 0x00002A2A, size, rid, filetime(ev["time"])) + body + \
            struct.pack("<I", size)
        if start + len(rec) <= CHUNK:
            for k, off in newly:
                self.tmpls[k] = off
        return rec

    def flush_chunk(self):
        if self.first_rid is None:
            return
        free = len(self.buf)
        self.buf += b"\0" * (CHUNK - free)
        h = self.buf
        nrec_first = self.first_rid
        struct.pack_into("<8sQQQQIIII", h, 0, b"ElfChnk\0", nrec_first, self.last_rid,
                         nrec_first, self.last_rid, 128, self.last_off, free,
                         crc32(bytes(h[512:free])))
        struct.pack_into("<I", h, 120, 0)
        struct.pack_into("<I", h, 124, crc32(bytes(h[0:120]) + bytes(h[128:512])))
        self.out.write(h)
        self.chunks += 1
        self.new_chunk()

    def header(self):
        h = bytearray(FILE_HEADER)
        struct.pack_into("<8sQQQIHHHH", h, 0, b"ElfFile\0", 0, max(self.chunks - 1, 0),
                         self.next_rid, 128, 1, 3, 4096, self.chunks)
        struct.pack_into("<I", h, 120, 0)
        struct.pack_into("<I", h, 124, crc32(bytes(h[0:120])))
        return bytes(h)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("input", help="JSON Lines of events ('-': standard input)")
    ap.add_argument("output")
    ap.add_argument("--truncate-chunk", type=int, default=None)
    ap.add_argument("--corrupt-record", type=int, default=None)
    ap.add_argument("--bench", type=int, default=0, help="repeat the events up to this size")
    ap.add_argument("--records-per-chunk", type=int, default=0,
                    help="start a new chunk after this many records")
    a = ap.parse_args()
    src = sys.stdin if a.input == "-" else open(a.input, encoding="utf-8")
    events = [json.loads(line) for line in src if line.strip()]
    with open(a.output, "w+b") as f:
        f.write(b"\0" * FILE_HEADER)
        w = Writer(f)
        rounds = 0
        while True:
            for ev in events:
                if a.bench:
                    ev = dict(ev)
                    ev.pop("record_id", None)
                if a.records_per_chunk and w.in_chunk >= a.records_per_chunk:
                    w.flush_chunk()
                w.record(ev)
            rounds += 1
            if not a.bench or FILE_HEADER + (w.chunks + 1) * CHUNK >= a.bench:
                break
        w.flush_chunk()
        f.seek(0)
        f.write(w.header())
        if a.corrupt_record is not None:
            off = w.records[a.corrupt_record]
            f.seek(off + 24)
            f.write(b"\xAA" * 16)
        if a.truncate_chunk is not None:
            f.truncate(FILE_HEADER + a.truncate_chunk * CHUNK + CHUNK // 2)


if __name__ == "__main__":
    main()
