#!/usr/bin/env python3
# tests/property/run_order.py -- ctest property.order: a scan's alerts do not depend on the order
# of records, how they are split across files, or the order of files on the command line, with or
# without spilling (--max-memory), on a generated corpus (gen_audit.py) and the golden cases.
# SPDX-License-Identifier: MIT
"""Usage: run_order.py --mailward BIN [--root DIR] [--seed N] [--max-memory SIZE]
                     [--only corpus|golden] [--jobs N] [--keep]
       run_order.py --compare REF.jsonl REF.err GOT.jsonl GOT.err

Runs `mailward scan --format jsonl` on a reference (the sorted single file, or a golden case's own
inputs) and on reordered, split and duplicated copies of the same records, then compares every
alert field by field with the reference. Only the evidence's file, line and offset, and the order
of the alert lines, may differ. The summary's alert and duplicate counts must be equal too.
Exit status: 0 all equal, 1 a difference (the first differing alert and field are printed per
variant), 2 a scan failed (exited 2 or crashed), a --max-memory budget did not spill, or
mailward has no --max-memory."""

import argparse
import concurrent.futures
import gzip
import itertools
import json
import os
import random
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
BULK_RULE = "ae7f6179-869b-4ed0-a130-14c1f930b327"
# Options of `mailward scan` that take a value (the next argument), to tell inputs from values.
VALUE_OPTS = {"-f", "--format", "-o", "--output", "--since", "--until", "--min-level", "-c",
              "--config", "--internal-domains", "-r", "--rules", "--rule", "-s", "--source",
              "--input-timezone", "--date-order", "--year", "--max-lateness", "--max-memory", "--threads",
              "--learning-period", "--geoip"}
DROP_OPTS = {"--no-summary", "-q", "--quiet", "--no-color", "--no-progress"}
# Golden cases whose inputs cannot meaningfully be reordered.
SKIP_CASES = {
    "truncated-gzip": "the input is a deliberately cut gzip stream",
    "walk-skipped-verbose": "its unrecognised files are skipped only inside a directory walk",
    "quiet-keeps-notices": "its unrecognised file is skipped only inside a directory walk",
    "scan-input-timezone-globs": "its --input-timezone globs name input paths the copies do not keep",
    "linux-mail-incident": "Dovecot joins a session's login to its later lines in the order the "
                           "daemon wrote them (docs/formats/dovecot.md, Sessions): its lines are "
                           "not records that can be shuffled or split",
    "journald-scan": "its Dovecot logout is joined to the login before it, as for "
                     "linux-mail-incident",
    "auditd-scan": "the records of one audit event are grouped where they come, in one file "
                   "(docs/formats/auditd.md, Events): its lines are not records to reorder",
    "dovecot-rotated-scan": "its Dovecot session is joined across the files of one rotated log, "
                            "as for linux-mail-incident (docs/formats/syslog.md, Rotated files)",
    "auditd-via-syslog": "its audit records are grouped as in auditd-scan (docs/formats/auditd.md, "
                         "Through syslog)",
}
EVIDENCE_PLACE = ("file", "line", "offset")
# The timestamp of an access log line (decode/access_log.c, mw_access_is_line).
ACCESS_LINE = re.compile(r" \[\d\d/[A-Z][a-z][a-z]/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\]( |$)")
# Documents that wrap their records: Defender streaming ("records"), hunting API ("Results"),
# Graph ("value"). Any other single JSON object is one record.
WRAPPER_KEYS = ("records", "Results", "value")
SPILL_TURN = itertools.count()


class Fail(Exception):
    """The test cannot run (exit 2)."""


# ---- records: split an input file into records and write them back --------------------------

class Records:
    """The records of one input file, with what is needed to write a subset back."""

    def __init__(self, kind, items, header="", wrapper=None, key=None, gz=False, ext=""):
        self.kind = kind          # jsonl | array | wrapper | csv
        self.items = items        # raw record texts (array, wrapper: parsed values)
        self.header = header      # csv: the header line(s) with its newline
        self.wrapper = wrapper    # wrapper: the parsed document
        self.key = key            # wrapper: the key of the record list
        self.gz = gz
        self.ext = ext            # extension of a written piece (".jsonl", ".csv.gz", ...)

    def render(self, items):
        if self.kind == "jsonl":
            text = "".join(line + "\n" for line in pin_bad_lines(items))
        elif self.kind == "csv":
            text = self.header + "".join(r if r.endswith("\n") else r + "\n" for r in items)
        elif self.kind == "array":
            text = "[" + ",\n".join(items) + "]\n"
        else:
            doc = dict(self.wrapper)
            doc[self.key] = list(items)
            text = json.dumps(doc, ensure_ascii=False) + "\n"
        data = text.encode("utf-8", "surrogateescape")
        return gzip.compress(data, mtime=0) if self.gz else data


def is_json(line):
    try:
        json.loads(line)
        return True
    except (ValueError, RecursionError):
        return False


def pin_bad_lines(lines):
    """A line that is not JSON never opens a piece: how a file's format is sniffed from its
    first record is not under test here, only the order of good records."""
    first = next((i for i, line in enumerate(lines) if is_json(line)), 0)
    if first == 0:
        return lines
    return [lines[first]] + lines[:first] + lines[first + 1:]


def csv_records(text):
    """Splits CSV text at newlines outside double quotes, keeping each record's raw bytes."""
    out, start, quoted, i, n = [], 0, False, 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            quoted = not quoted
        elif c == "\n" and not quoted:
            out.append(text[start:i + 1])
            start = i + 1
        i += 1
    if start < n:
        out.append(text[start:])
    return [r for r in out if r.strip()]


def array_elements(text):
    """Raw texts of the elements of a top-level JSON array."""
    dec = json.JSONDecoder()
    i = text.index("[") + 1
    out = []
    while True:
        while i < len(text) and text[i] in " \t\r\n,":
            i += 1
        if i >= len(text) or text[i] == "]":
            return out
        _, end = dec.raw_decode(text, i)
        out.append(text[i:end])
        i = end


def read_records(path):
    """Returns Records for path, or None when its records cannot be reordered."""
    with open(path, "rb") as fh:
        data = fh.read()
    gz = False
    ext = os.path.splitext(path)[1]
    if path.endswith(".gz"):
        data, gz = gzip.decompress(data), True
        ext = os.path.splitext(path[:-3])[1] + ".gz"
    elif path.endswith(".zst"):
        if not shutil.which("zstd"):
            return None
        data = subprocess.run(["zstd", "-dc", path], check=True, capture_output=True).stdout
        ext = os.path.splitext(path[:-4])[1]
    text = data.decode("utf-8", "surrogateescape")
    body = text.lstrip("\ufeff \t\r\n")
    if body.startswith("[") or body.startswith("{"):
        try:
            doc = json.loads(body)
        except (ValueError, RecursionError):
            doc = None  # junk or a record too deep for Python's parser: read as lines
        if isinstance(doc, list):
            return Records("array", array_elements(body), gz=gz, ext=ext)
        if isinstance(doc, dict):
            lists = [k for k, v in doc.items() if k in WRAPPER_KEYS and isinstance(v, list)
                     and v and all(isinstance(x, dict) for x in v)]
            if len(lists) == 1:
                return Records("wrapper", doc[lists[0]], wrapper=doc, key=lists[0], gz=gz, ext=ext)
        lines = [line for line in text.split("\n") if line.strip()]
        return Records("jsonl", lines, gz=gz, ext=ext)
    if body.startswith("<"):
        return None  # one XML document: its records are not lines (decode/xml.c)
    if "\0" in text:
        return None  # binary content: its own test (tests/e2e), not a question of order
    first = body.split("\n", 1)[0]
    if ACCESS_LINE.search(first[:400]):
        # a web server access log (docs/formats/web_access.md): every line a record, no header
        lines = [line for line in text.split("\n") if line.strip()]
        return Records("jsonl", lines, gz=gz, ext=ext)
    recs = csv_records(text)
    if not recs:
        return None
    # a PowerShell "#TYPE ..." line stays in front of the header of every piece
    nhead = 2 if recs[0].startswith("#TYPE") and len(recs) > 1 else 1
    header = "".join(r if r.endswith("\n") else r + "\n" for r in recs[:nhead])
    return Records("csv", recs[nhead:], header=header, gz=gz, ext=ext)


# ---- running mailward -------------------------------------------------------------------------

class Run:
    def __init__(self, alerts, counts, spilled, reread=False):
        self.alerts = alerts
        self.counts = counts
        self.spilled = spilled
        self.reread = reread      # the summary says the inputs were read twice


def parse_run(out, err, label):
    """Alerts of `scan --format jsonl` standard output and the summary counts of its stderr."""
    alerts = []
    for n, line in enumerate(out.splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except ValueError as e:
            raise Fail("%s: output line %d is not JSON (%s)" % (label, n, e))
        if isinstance(rec, dict) and rec.get("kind", "alert") == "alert":
            alerts.append(rec)
    counts = {}
    for name, pat in (("alerts", r"^Alerts: (\d+)"), ("duplicates", r"^Duplicate records dropped: (\d+)")):
        m = re.search(pat, err, re.M)
        counts[name] = int(m.group(1)) if m else (None if name == "alerts" else 0)
    return Run(alerts, counts, bool(re.search(r"spill", err, re.I)),
               bool(re.search(r"^Read twice:", err, re.M)))


def run_mailward(mw, opts, inputs, cwd, env_extra=None):
    cmd = [mw, "scan", "--format", "jsonl", "--no-progress"] + opts + inputs
    env = dict(os.environ, LC_ALL="C", TZ="UTC", NO_COLOR="1", MW_TEST="1", **(env_extra or {}))
    return cmd, subprocess.run(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                               capture_output=True, timeout=600)


def scan(mw, opts, inputs, cwd, label):
    cmd, proc = run_mailward(mw, opts, inputs, cwd)
    err = proc.stderr.decode("utf-8", "replace")
    if proc.returncode not in (0, 1):
        raise Fail("%s: mailward exited %d (0 or 1 expected): %s\n  command: %s\n%s" % (
            label, proc.returncode, "crashed" if proc.returncode < 0 else "error",
            " ".join(shlex.quote(c) for c in cmd), indent(err, 20)))
    try:
        run = parse_run(proc.stdout.decode("utf-8", "surrogateescape"), err, label)
    except Fail as e:
        raise Fail("%s\n%s" % (e, indent(err, 20)))
    want_rc = 1 if run.alerts else 0
    if proc.returncode != want_rc:
        raise Fail("%s: exit status %d with %d alerts\n%s" % (label, proc.returncode,
                                                              len(run.alerts), indent(err, 20)))
    if run.counts["alerts"] is None:
        raise Fail("%s: no 'Alerts:' line in the summary on stderr:\n%s" % (label, indent(err, 10)))
    return run


def indent(text, limit):
    lines = text.splitlines()
    more = ["  ... (%d more lines)" % (len(lines) - limit)] if len(lines) > limit else []
    return "\n".join("  | " + line for line in lines[:limit] + more)


# ---- comparing alerts -------------------------------------------------------------------------

def normal(alert):
    a = json.loads(json.dumps(alert))
    for ev in a.get("evidence") or []:
        if isinstance(ev, dict):
            for k in EVIDENCE_PLACE:
                ev.pop(k, None)
    return a


def canon(a):
    return json.dumps(a, sort_keys=True, ensure_ascii=False)


def sort_key(a):
    rule = a.get("rule") or {}
    t = a.get("time") or {}
    return (str(rule.get("id")), str(t.get("first")), str(a.get("account")), str(a.get("host")),
            str(a.get("id")), canon(a))


def first_diff(ref, got, path=""):
    """Path and the two values of the first field (in sorted key order) that differ."""
    if isinstance(ref, dict) and isinstance(got, dict):
        for k in sorted(set(ref) | set(got)):
            if k not in got:
                return path + "." + k, ref[k], "(absent)"
            if k not in ref:
                return path + "." + k, "(absent)", got[k]
            d = first_diff(ref[k], got[k], path + "." + k)
            if d:
                return d
        return None
    if isinstance(ref, list) and isinstance(got, list):
        for i, (r, g) in enumerate(zip(ref, got)):
            d = first_diff(r, g, "%s[%d]" % (path, i))
            if d:
                return d
        if len(ref) != len(got):
            return path + " (length)", len(ref), len(got)
        return None
    return None if ref == got and type(ref) is type(got) else (path or ".", ref, got)


def describe(a):
    rule = a.get("rule") or {}
    t = a.get("time") or {}
    who = a.get("account") or a.get("host") or "-"
    return "%s [%s] %s %s id %s" % (rule.get("title"), rule.get("level"), who, t.get("first"),
                                   a.get("id"))


def short(v):
    s = json.dumps(v, ensure_ascii=False)
    return s if len(s) <= 160 else s[:157] + "..."


def compare(ref, got, counts=True):
    """Returns None when equal, else a message naming the first differing alert and field."""
    r = sorted((normal(a) for a in ref.alerts), key=sort_key)
    g = sorted((normal(a) for a in got.alerts), key=sort_key)
    msgs = []
    if [canon(a) for a in r] != [canon(a) for a in g]:
        gset = {}
        for a in g:
            gset.setdefault(canon(a), []).append(a)
        rset = {canon(a) for a in r}
        missing = [a for a in r if canon(a) not in gset]
        extra = [a for a in g if canon(a) not in rset]
        msgs.append("%d alerts in the reference, %d here; %d reference alerts not found, %d new" % (
            len(r), len(g), len(missing), len(extra)))
        if missing:
            a = missing[0]
            twin = best_twin(a, extra or g)
            msgs.append("first differing alert: %s" % describe(a))
            if twin is not None:
                path, rv, gv = first_diff(a, twin) or (".", "?", "?")
                msgs.append("  closest alert here: %s" % describe(twin))
                msgs.append("  first differing field %s: reference %s, here %s" % (
                    path, short(rv), short(gv)))
            else:
                msgs.append("  no alert of this rule and account here")
        elif extra:
            msgs.append("first alert not in the reference: %s" % describe(extra[0]))
        else:  # same set, different multiplicity
            msgs.append("the same alerts with different repetition counts")
    if counts:
        for k in ("alerts", "duplicates"):
            if ref.counts[k] != got.counts[k]:
                msgs.append("summary %s: reference %s, here %s" % (k, ref.counts[k], got.counts[k]))
    return "\n".join(msgs) if msgs else None


def best_twin(a, pool):
    """The alert of pool most like a: same id, else same rule and account with the most equal
    top-level fields."""
    same_id = [b for b in pool if b.get("id") == a.get("id")]
    if same_id:
        return same_id[0]
    rid = (a.get("rule") or {}).get("id")
    cands = [b for b in pool if (b.get("rule") or {}).get("id") == rid and
             b.get("account") == a.get("account") and b.get("host") == a.get("host")]
    if not cands:
        return None
    return max(cands, key=lambda b: sum(1 for k in a if b.get(k) == a[k]))


# ---- variants -----------------------------------------------------------------------------

def piece_names(rng, n, ext):
    names = set()
    while len(names) < n:
        names.add("%s%s" % ("".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789")
                                    for _ in range(6)), ext))
    names = sorted(names)
    rng.shuffle(names)
    return names


def split_random(rng, items, k):
    """Each record to a random one of k non-empty pieces, each piece keeping the given order."""
    idx = list(range(len(items)))
    rng.shuffle(idx)
    parts = [[] for _ in range(k)]
    for j, i in enumerate(idx):
        parts[j % k if j < k else rng.randrange(k)].append(i)
    return [[items[i] for i in sorted(p)] for p in parts]


def split_contiguous(rng, items, k):
    """k consecutive slices (exports covering consecutive time ranges)."""
    cuts = sorted(rng.sample(range(1, len(items)), k - 1))
    bounds = [0] + cuts + [len(items)]
    return [items[a:b] for a, b in zip(bounds, bounds[1:])]


def spread_duplicates(rng, items, k):
    """Random split into k pieces, with every copy of a repeated record in a different piece."""
    parts = [[] for _ in range(k)]
    last = {}
    for i, line in enumerate(items):
        if line in last:
            choices = [p for p in range(k) if p != last[line]]
            p = rng.choice(choices)
        else:
            p = i % k if i < k else rng.randrange(k)
        last[line] = p
        parts[p].append(line)
    return parts


def shuffled(rng, items):
    out = list(items)
    rng.shuffle(out)
    return out


class Variant:
    def __init__(self, label, files, counts=True, as_dir=False, spill=True):
        self.label = label
        self.spill = spill     # also run with --max-memory ("only": only with it)
        self.files = files     # list of (source Records, items) written one file each
        self.counts = counts   # compare the summary counts too
        self.as_dir = as_dir   # pass the directory of the pieces rather than the files


def merge_bad_pieces(group):
    """A JSON Lines piece without one good record joins the next piece: a file that holds only
    malformed lines is an error of its own (exit 2), not a question of order."""
    out, carry = [], []
    for recs, items in group:
        items = carry + list(items)
        if recs.kind == "jsonl" and not any(is_json(x) for x in items):
            carry = items
            continue
        carry = []
        out.append((recs, items))
    if carry and out:
        out[-1] = (out[-1][0], out[-1][1] + carry)
    elif carry:
        out.append((group[-1][0], carry))
    return out


def write_variant(v, workdir, rng):
    d = os.path.join(workdir, re.sub(r"[^A-Za-z0-9_.-]+", "_", v.label))
    os.makedirs(d)
    paths = []
    groups = {}
    for recs, items in v.files:
        groups.setdefault(recs.ext, []).append((recs, items))
    for ext, group in groups.items():
        group = merge_bad_pieces(group)
        for name, (recs, items) in zip(piece_names(rng, len(group), ext), group):
            p = os.path.join(d, name)
            with open(p, "wb") as fh:
                fh.write(recs.render(items))
            paths.append(p)
    rng.shuffle(paths)
    return [d] if v.as_dir else paths


def record_variants(recs_list, seed, newest=None, full=True):
    """Variants for the files of one case (recs_list: its Records). full (the corpus): reversed,
    newest first, shuffled twice, consecutive slices, random subsets in file order, shuffled
    subsets (one split passed as a directory), all but newest first also spilled; else (golden
    cases) reversed, and shuffled subsets in up to 3 files in shuffled order, spilled only (when
    the option exists), to keep the number of scans down."""
    rng = random.Random(seed)
    maxk = max(len(r.items) for r in recs_list)

    def whole(f):
        return [(r, f(r)) for r in recs_list]

    def split(k, how, shuffle):
        files = []
        for r in recs_list:
            kk = min(k, len(r.items))
            parts = how(rng, r.items, kk) if kk > 1 else [r.items]
            files.extend((r, shuffled(rng, p) if shuffle else p) for p in parts)
        return files

    out = [Variant("reversed", whole(lambda r: r.items[::-1]), spill=full)]
    if newest:
        out.append(Variant("newest-first", whole(newest), spill=False))
    for n in range(2 if full else 0):
        srng = random.Random(seed * 31 + n)
        out.append(Variant("shuffled-%d" % n, whole(lambda r, srng=srng: shuffled(srng, r.items)),
                           spill=full))
    if full:
        out.append(Variant("split-2-slices", split(2, split_contiguous, False)))
        out.append(Variant("split-3-subsets", split(3, split_random, False)))
        out.append(Variant("split-4-shuffled-dir", split(4, split_random, True), as_dir=True))
        out.append(Variant("split-5-shuffled", split(5, split_random, True)))
    else:
        k = min(3, maxk)
        out.append(Variant("split-%d-shuffled" % k, split(k, split_random, True), spill="only"))
    return out


# ---- the generated corpus ----------------------------------------------------------------------

def corpus_case(args, workdir):
    gen_dir = os.path.join(workdir, "corpus")
    subprocess.run([sys.executable, os.path.join(HERE, "gen_audit.py"), "--out", gen_dir,
                    "--seed", str(args.seed)], check=True)
    src = os.path.join(gen_dir, "audit.jsonl")
    with open(os.path.join(gen_dir, "audit.expected.json"), encoding="utf-8") as fh:
        planted = json.load(fh)["bulk"]
    recs = read_records(src)

    def newest(r):
        return sorted(r.items, key=lambda line: json.loads(line)["CreationTime"], reverse=True)

    variants = record_variants([recs], args.seed, newest)
    rng = random.Random(args.seed + 7)
    variants.append(Variant("duplicates-spread-3", [(recs, p) for p in spread_duplicates(rng, recs.items, 3)]))
    n = len(recs.items)
    overlap = [recs.items[:n * 3 // 5], recs.items[n * 2 // 5:]]
    variants.append(Variant("overlapping-exports", [(recs, shuffled(rng, p)) for p in overlap],
                            counts=False))
    return {"name": "corpus", "cwd": gen_dir, "opts": [], "inputs": [src], "variants": variants,
            "planted": planted, "prove_spill": True}


def check_planted(ref, planted):
    got = {}
    for a in ref.alerts:
        if (a.get("rule") or {}).get("id") == BULK_RULE:
            got[a.get("account")] = (a.get("rule") or {}).get("level")
    bad = []
    for acct, level in sorted(planted.items()):
        if acct not in got:
            bad.append("planted window of %s raised no alert" % acct)
        elif level is not None and got[acct] != level:
            bad.append("planted window of %s raised %s, planted %s" % (acct, got[acct], level))
    bad += ["%s raised a bulk-access alert no window was planted for" % acct
            for acct in sorted(set(got) - set(planted))]
    return bad


# ---- the golden cases -----------------------------------------------------------------------

def golden_cases(args, workdir):
    e2e = os.path.join(args.root, "tests", "e2e")
    cases, skipped = [], []
    for name in sorted(os.listdir(e2e)):
        cdir = os.path.join(e2e, name)
        cmdfile = os.path.join(cdir, "cmd")
        if not os.path.isfile(cmdfile):
            continue
        with open(cmdfile, encoding="utf-8") as fh:
            argv = shlex.split(fh.read())
        why = SKIP_CASES.get(name)
        exp_exit = os.path.join(cdir, "expected.exit")
        if not why and (not argv or argv[0] != "scan"):
            why = "not a scan"
        if not why and os.path.isfile(os.path.join(cdir, "setup")):
            why = "its inputs are made by its setup script"
        if not why and os.path.isfile(exp_exit) and open(exp_exit).read().strip() == "2":
            why = "an error case (exit 2)"
        if why:
            skipped.append((name, why))
            continue
        opts, inputs = split_argv(argv[1:], cdir)
        if not inputs:
            skipped.append((name, "no input file"))
            continue
        files = []
        for p in inputs:
            files += walk(p)
        recs = [r for r in (read_records(p) for p in files) if r is not None]
        if len(recs) != len(files):
            skipped.append((name, "an input cannot be split into records"))
            continue
        if sum(len(r.items) for r in recs) < 2:
            skipped.append((name, "fewer than two records"))
            continue
        seed = args.seed + sum(map(ord, name))
        cases.append({"name": "e2e/" + name, "cwd": cdir, "opts": opts, "inputs": inputs,
                      "variants": record_variants(recs, seed, full=False)})
    return cases, skipped


def split_argv(argv, cdir):
    """Options (rewritten for JSON Lines on standard output with a summary) and input paths of
    a golden cmd. A word that names no file is kept as an option value (options added later)."""
    opts, inputs = [], []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in DROP_OPTS or a.startswith("--format=") or a.startswith("--output="):
            pass
        elif a in ("-f", "--format", "-o", "--output"):
            i += 1
        elif a in VALUE_OPTS:
            opts += argv[i:i + 2]
            i += 1
        elif a.startswith("-") and a != "-":
            opts.append(a)
        else:
            path = os.path.normpath(os.path.join(cdir, "stdin" if a == "-" else a))
            if os.path.exists(path):
                inputs.append(path)
            else:
                opts.append(a)
        i += 1
    return opts, inputs


def walk(path):
    if not os.path.isdir(path):
        return [path]
    out = []
    for base, dirs, names in os.walk(path):
        dirs.sort()
        out += [os.path.join(base, n) for n in sorted(names)]
    return out


# ---- driver -------------------------------------------------------------------------------

def run_case(args, case, workdir, spill_opts, pool):
    ref = scan(args.mailward, case["opts"], case["inputs"], case["cwd"], case["name"] + " reference")
    failures, errors = [], []
    if "planted" in case:
        for msg in check_planted(ref, case["planted"]):
            failures.append("%s reference: %s" % (case["name"], msg))
    cdir = os.path.join(workdir, "runs-" + re.sub(r"[^A-Za-z0-9_.-]+", "_", case["name"]))
    os.makedirs(cdir)
    rng = random.Random(args.seed)
    jobs = []  # (label, extra options, inputs, compare the counts)
    for opts in spill_opts if case.get("prove_spill") else []:
        jobs.append(("reference " + " ".join(opts), opts, case["inputs"], True))
    written = {}
    for v in case["variants"]:
        paths = written[v.label] = write_variant(v, cdir, rng)
        if not (spill_opts and v.spill == "only"):
            jobs.append((v.label, [], paths, v.counts))
        if spill_opts and v.spill:  # the budgets take turns, across cases too
            opts = spill_opts[next(SPILL_TURN) % len(spill_opts)]
            jobs.append((v.label + " " + " ".join(opts), opts, paths, v.counts))
    if case.get("prove_spill"):
        errors += prove_spill(args, case, spill_opts, written["shuffled-0"], cdir)

    def one(job):
        label, extra, paths, counts = job
        label = "%s %s" % (case["name"], label)
        try:
            got = scan(args.mailward, case["opts"] + extra, paths, case["cwd"], label)
        except Fail as e:
            return None, str(e), False, None
        msg = compare(ref, got, counts)
        return ("%s: alerts differ from the reference\n%s" % (label, indent(msg, 12)) if msg
                else None), None, bool(extra) and got.spilled, got.reread and label

    spilled = 0
    reread = []
    for fail, err, spill, again in pool.map(one, jobs):
        if fail:
            failures.append(fail)
        if err:
            errors.append(err)
        spilled += spill
        if again:
            reread.append(again)
    case["spilled"] = spilled
    case["reread"] = reread
    if case.get("prove_spill") and spill_opts:
        # Sorted input closes windows early and never needs a second reading; some reordered
        # variant under a budget does, so the second reading is compared too.
        for label in reread:
            if " reference " in label:
                failures.append("%s: the time-ordered input was read twice" % label)
        if not any(" reference " not in label for label in reread):
            errors.append("%s: no scan read its inputs twice: the second reading was not "
                          "tested (lower --max-memory)" % case["name"])
    return len(jobs) - len(errors), len(ref.alerts), failures, errors


def prove_spill(args, case, spill_opts, paths, cdir):
    """Each budget really spills on this case: with $TMPDIR unusable the scan must exit 2 (it
    could not create its temporary file), where a scan that kept everything in memory would not
    notice."""
    errors = []
    for opts in spill_opts:
        cmd, proc = run_mailward(args.mailward, case["opts"] + opts, paths, case["cwd"],
                                 {"TMPDIR": os.path.join(cdir, "no-such-dir")})
        if proc.returncode != 2:
            errors.append("%s %s: did not spill (with $TMPDIR missing it exited %d, not 2); "
                          "lower --max-memory so that the spilling runs test spilling" % (
                              case["name"], " ".join(opts), proc.returncode))
    return errors


def compare_files(paths):
    """--compare REF.jsonl REF.err GOT.jsonl GOT.err: the same comparison on two saved runs
    (bench/order.sh); an empty .err path ('') compares the alerts only."""
    runs = []
    for out, err in ((paths[0], paths[1]), (paths[2], paths[3])):
        with open(out, encoding="utf-8", errors="surrogateescape") as fh:
            text = fh.read()
        etext = ""
        if err:
            with open(err, encoding="utf-8", errors="replace") as fh:
                etext = fh.read()
        runs.append(parse_run(text, etext, out))
    msg = compare(runs[0], runs[1], counts=bool(paths[1] and paths[3]))
    if msg:
        print("%s differs from %s:\n%s" % (paths[2], paths[0], indent(msg, 12)))
        return 1
    print("%s: %d alerts, equal to %s" % (paths[2], len(runs[1].alerts), paths[0]))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--compare", nargs=4, metavar=("REF", "REF_ERR", "GOT", "GOT_ERR"),
                    help="compare two saved runs instead (see compare_files)")
    ap.add_argument("--mailward")
    ap.add_argument("--root", default=os.path.dirname(os.path.dirname(HERE)))
    ap.add_argument("--seed", type=int, default=5114)
    ap.add_argument("--max-memory", default=os.environ.get("PROPERTY_MAX_MEMORY", "256K,1"),
                    help="budgets for the spilling runs, taking turns (default 256K,1: 1 byte is\n"
                         "the smallest --max-memory accepts; '' skips the spilling runs)")
    ap.add_argument("--only", choices=["corpus", "golden"])
    ap.add_argument("--keep", action="store_true", help="keep the generated files")
    ap.add_argument("--jobs", type=int, default=int(os.environ.get("PROPERTY_JOBS", "2")),
                    help="scans run at once (default 2)")
    args = ap.parse_args()
    if args.compare:
        try:
            return compare_files(args.compare)
        except (Fail, OSError) as e:
            print("property.order: %s" % e)
            return 2
    if not args.mailward:
        ap.error("--mailward is required")
    args.mailward = os.path.abspath(args.mailward)
    spill_opts = [["--max-memory", m] for m in args.max_memory.split(",") if m]
    failures, errors, total_runs = [], [], 0
    if spill_opts and not has_option(args.mailward, "--max-memory"):
        errors.append("mailward scan has no --max-memory option: the spilling runs were not made")
        spill_opts = []
    workdir = tempfile.mkdtemp(prefix="mw-order-")
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs)
    try:
        cases = []
        if args.only != "golden":
            cases.append(corpus_case(args, workdir))
        if args.only != "corpus":
            gcases, skipped = golden_cases(args, workdir)
            cases += gcases
            for name, why in skipped:
                print("property.order: e2e/%s not reordered: %s" % (name, why))
        for case in cases:
            try:
                runs, nref, fails, errs = run_case(args, case, workdir, spill_opts, pool)
            except Fail as e:
                errors.append(str(e))
                continue
            total_runs += runs
            print("property.order: %s: %d alerts in the reference, %d scans, %s%s%s%s" % (
                case["name"], nref, runs, "%d differ" % len(fails) if fails else "all equal",
                ", %d failed" % len(errs) if errs else "",
                ", %d summaries mention spilling" % case["spilled"] if case["spilled"] else "",
                ", %d read the inputs twice" % len(case["reread"]) if case["reread"] else ""))
            for label in case["reread"]:
                print("property.order:   read twice: %s" % label)
            failures += fails
            errors += errs
    finally:
        pool.shutdown()
        if args.keep:
            print("property.order: files kept in %s" % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    for f in failures:
        print("property.order: DIFFERS: " + f)
    for e in errors:
        print("property.order: ERROR: " + e)
    print("property.order: %d scans compared, %d differ from their reference, %d errors" % (
        total_runs, len(failures), len(errors)))
    return 2 if errors else 1 if failures else 0


def has_option(mw, opt):
    proc = subprocess.run([mw, "scan", "--help"], capture_output=True)
    if proc.returncode != 0:
        raise SystemExit("property.order: %s scan --help exited %d" % (mw, proc.returncode))
    return opt in proc.stdout.decode("utf-8", "replace")


if __name__ == "__main__":
    sys.exit(main())
