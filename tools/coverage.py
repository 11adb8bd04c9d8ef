#!/usr/bin/env python3
# Writes docs/coverage.md from docs/ideas.md, the rules' mailward.idea.* tags and tests/rules/*,
# and checks that they agree (docs/ideas.md, "The check").
# SPDX-License-Identifier: MIT
"""Usage:
  coverage.py [--root DIR] --out FILE [--check FILE] [--mailward BIN]   write, then compare
  coverage.py [--root DIR] --write                                      rewrite docs/coverage.md

Exit 0 when everything agrees, 1 when a check fails (each failure on stderr), 2 on bad usage.
Rules are read with a small reader of the YAML the pack uses: top-level `key: value` scalars,
`tags:` as a block or flow list, and `rules:` inside a `correlation:` block; documents are split
on `---` lines. With --mailward, the ids found must equal those `mailward rules list` loads, so
the reader cannot silently miss a rule.
"""
import argparse
import difflib
import os
import re
import subprocess
import sys

IDEA_ROW = re.compile(r"^\|\s*([A-Za-z]\d\d)\s*\|(.*)\|\s*$")
TOP_KEY = re.compile(r"^([A-Za-z_][\w.-]*)\s*:\s*(.*)$")
ITEM = re.compile(r"^\s+-\s+(.*)$")
STATUSES = ("covered", "open", "out")


def unquote(v):
    v = v.strip()
    if v[:1] in ("'", '"'):
        q = v[0]
        end = v.find(q, 1)
        return v[1:end] if end > 0 else v[1:]
    return re.sub(r"\s+#.*$", "", v).strip()


def flow_list(v):
    v = re.sub(r"\s+#.*$", "", v.strip())
    if not (v.startswith("[") and v.endswith("]")):
        return None
    return [unquote(x) for x in v[1:-1].split(",") if x.strip()]


def read_ideas(path, errors):
    """Rows of docs/ideas.md: id -> dict(id, what, sources, status, reason, section)."""
    ideas, order, section = {}, [], ""
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.startswith("## "):
                section = line[3:].strip()
            m = IDEA_ROW.match(line.rstrip("\n"))
            if not m:
                continue
            cells = [c.strip() for c in m.group(2).split("|")]
            if len(cells) != 4:
                errors.append(f"{path}:{n}: an idea row needs 5 cells (id, idea, sources, status, reason)")
                continue
            iid = m.group(1).lower()
            what, sources, status, reason = cells
            if status not in STATUSES:
                errors.append(f"{path}:{n}: status '{status}' is not one of {', '.join(STATUSES)}")
            if status != "covered" and not reason:
                errors.append(f"{path}:{n}: idea {m.group(1)} is {status} without a reason")
            if iid in ideas:
                errors.append(f"{path}:{n}: idea {m.group(1)} listed twice")
                continue
            ideas[iid] = dict(id=m.group(1), what=what, sources=sources, status=status,
                              reason=reason, section=section)
            order.append(iid)
    return ideas, order


def split_docs(text):
    doc, start = [], 1
    for n, line in enumerate(text.split("\n"), 1):
        if line.rstrip() == "---":
            yield start, doc
            doc, start = [], n + 1
        else:
            doc.append(line)
    yield start, doc


def parse_doc(lines):
    """Top-level scalars, the tags list and correlation.rules of one YAML document."""
    d = {"tags": [], "corr_rules": []}
    key = None
    sub = None
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            m = TOP_KEY.match(line)
            key, sub = (m.group(1), None) if m else (None, None)
            if not m:
                continue
            val = m.group(2)
            if key == "tags":
                d["tags"] = flow_list(val) or []
            elif key in ("id", "title", "name") and val.strip():
                d[key] = unquote(val)
            elif key == "correlation":
                d["correlation"] = True
            continue
        im = ITEM.match(line)
        if key == "tags" and im:
            d["tags"].append(unquote(im.group(1)))
        elif key == "correlation":
            sm = re.match(r"^\s+([\w-]+)\s*:\s*(.*)$", line)
            if sm:
                sub = sm.group(1)
                if sub == "rules":
                    d["corr_rules"] = flow_list(sm.group(2)) or []
            elif sub == "rules" and im:
                d["corr_rules"].append(unquote(im.group(1)))
    return d


def read_rules(root, errors):
    rules = []
    base = os.path.join(root, "rules")
    for dirpath, dirs, files in os.walk(base):
        dirs.sort()
        for fn in sorted(files):
            if not fn.endswith((".yml", ".yaml")):
                continue
            path = os.path.join(dirpath, fn)
            rel = os.path.relpath(path, root).replace(os.sep, "/")
            with open(path, encoding="utf-8") as f:
                text = f.read()
            for line, lines in split_docs(text):
                d = parse_doc(lines)
                if not d.get("id"):
                    if any(x.strip() and not x.lstrip().startswith("#") for x in lines):
                        errors.append(f"{rel}:{line}: a rule document without an id")
                    continue
                d["file"], d["line"] = rel, line
                d["ideas"] = [t.split(".", 2)[2].lower() for t in d["tags"]
                              if t.lower().startswith("mailward.idea.") and t.count(".") >= 2]
                rules.append(d)
    return rules


def read_tests(root):
    """rule id (lower case) -> sorted test case dirs."""
    tests = {}
    base = os.path.join(root, "tests", "rules")
    if not os.path.isdir(base):
        return tests
    for case in sorted(os.listdir(base)):
        p = os.path.join(base, case, "rule")
        if os.path.isfile(p):
            with open(p, encoding="utf-8") as f:
                rid = "".join(f.read().split()).lower()
            tests.setdefault(rid, []).append(f"tests/rules/{case}/")
    return tests


def link_tests(rules, tests):
    """Each rule's cases; a base rule of a correlation is proved by the correlation's cases."""
    by_ref = {}
    for r in rules:
        r["tests"] = list(tests.get(r["id"].lower(), []))
        for ref in (r["id"].lower(), r.get("name", "").lower()):
            if ref:
                by_ref.setdefault(ref, []).append(r)
    for r in rules:
        for ref in r["corr_rules"]:
            for b in by_ref.get(ref.lower(), []):
                for t in r["tests"]:
                    if t not in b["tests"]:
                        b["tests"].append(t)
                b.setdefault("via", []).append(r["id"])


def check(ideas, rules, errors):
    tagged = {}
    for r in rules:
        for i in r["ideas"]:
            if i not in ideas:
                errors.append(f"{r['file']}:{r['line']}: rule {r['id']} tags unknown idea "
                              f"mailward.idea.{i} (not in docs/ideas.md)")
            else:
                tagged.setdefault(i, []).append(r)
        if not r["tests"]:
            errors.append(f"{r['file']}:{r['line']}: rule {r['id']} ({r.get('title', '')}) has no "
                          f"tests/rules/<case>/ whose `rule` names it")
    for i, idea in ideas.items():
        if idea["status"] == "covered" and i not in tagged:
            errors.append(f"docs/ideas.md: idea {idea['id']} is marked covered but no rule tags "
                          f"mailward.idea.{i}")
        if idea["status"] != "covered" and i in tagged:
            files = ", ".join(sorted({r["file"] for r in tagged[i]}))
            errors.append(f"docs/ideas.md: idea {idea['id']} is marked {idea['status']} but rules "
                          f"tag it ({files}): mark it covered")
    return tagged


def cell(s):
    return s.replace("|", "\\|")


def render(ideas, order, rules, tagged):
    out = ["# Coverage of the detection ideas", "",
           "Generated by `tools/coverage.py` from [ideas.md](ideas.md), the `mailward.idea.<id>` "
           "tags of `rules/**/*.yml` and `tests/rules/*/rule`; do not edit: `make test` fails when "
           "this file differs from what the script writes (`python3 tools/coverage.py --write`).",
           ""]
    sections = []
    for i in order:
        s = ideas[i]["section"]
        if s not in sections:
            sections.append(s)
    covered = [i for i in order if i in tagged]
    out += ["## Totals", "", "| ideas | listed | covered | open | out |", "|---|---|---|---|---|"]
    for s in sections + [None]:
        ids = [i for i in order if s is None or ideas[i]["section"] == s]
        nc = sum(1 for i in ids if i in tagged)
        no = sum(1 for i in ids if i not in tagged and ideas[i]["status"] == "open")
        nx = sum(1 for i in ids if i not in tagged and ideas[i]["status"] == "out")
        out.append(f"| {cell(s) if s else '**all**'} | {len(ids)} | {nc} | {no} | {nx} |")
    out += ["", f"{len(rules)} rules, {sum(1 for r in rules if r['ideas'])} of them tagged with "
            f"ideas; {len(covered)} of {len(order)} ideas covered.", ""]
    out += ["## Covered ideas", "", "| idea | what | rule (file) | tests |", "|---|---|---|---|"]
    for i in covered:
        for r in sorted(tagged[i], key=lambda r: (r["file"], r["line"])):
            tests = ", ".join(f"`{t}`" for t in sorted(r["tests"])) or "none"
            out.append(f"| {ideas[i]['id']} | {cell(ideas[i]['what'])} | "
                       f"{cell(r.get('title', ''))} (`{r['file']}`) | {tests} |")
    out += ["", "## Ideas not covered", "", "| idea | what | status | reason |", "|---|---|---|---|"]
    for i in order:
        if i not in tagged:
            out.append(f"| {ideas[i]['id']} | {cell(ideas[i]['what'])} | {ideas[i]['status']} | "
                       f"{cell(ideas[i]['reason'])} |")
    out += ["", "## Rules", "", "| file | id | title | ideas | tests |", "|---|---|---|---|---|"]
    for r in sorted(rules, key=lambda r: (r["file"], r["line"])):
        ids = ", ".join(ideas[i]["id"] if i in ideas else i for i in r["ideas"]) or "–"
        tests = ", ".join(f"`{t}`" for t in sorted(r["tests"])) or "none"
        if r.get("via"):
            tests += " (through its correlation)"
        out.append(f"| `{r['file']}` | `{r['id']}` | {cell(r.get('title', ''))} | {ids} | {tests} |")
    return "\n".join(out) + "\n"


def loaded_ids(binary, root, errors):
    cmd = [binary, "rules", "list", "--no-builtin-rules", "--rules", os.path.join(root, "rules")]
    p = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, LC_ALL="C"))
    if p.returncode != 0 or p.stderr:
        errors.append(f"`{' '.join(cmd)}` exited {p.returncode}: {p.stderr.strip()}")
        return None
    return {line.split()[0].lower() for line in p.stdout.splitlines() if line.strip()}


def main():
    ap = argparse.ArgumentParser(description="write and check docs/coverage.md")
    ap.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    ap.add_argument("--out", help="where to write the generated coverage.md")
    ap.add_argument("--check", help="committed coverage.md the output must equal")
    ap.add_argument("--write", action="store_true", help="rewrite ROOT/docs/coverage.md")
    ap.add_argument("--mailward", help="binary whose `rules list` must load the same rule ids")
    a = ap.parse_args()
    if not a.out and not a.write:
        ap.error("give --out FILE or --write")
    root = os.path.abspath(a.root)
    errors = []
    ideas, order = read_ideas(os.path.join(root, "docs", "ideas.md"), errors)
    rules = read_rules(root, errors)
    link_tests(rules, read_tests(root))
    tagged = check(ideas, rules, errors)
    if a.mailward:
        ids = loaded_ids(a.mailward, root, errors)
        mine = {r["id"].lower() for r in rules}
        if ids is not None and ids != mine:
            errors.append(f"rule ids read here and by mailward differ: only here {sorted(mine - ids)}, "
                          f"only in mailward {sorted(ids - mine)}")
    text = render(ideas, order, rules, tagged)
    out = os.path.join(root, "docs", "coverage.md") if a.write else a.out
    with open(out, "w", encoding="utf-8") as f:
        f.write(text)
    if a.check:
        try:
            with open(a.check, encoding="utf-8") as f:
                old = f.read()
        except OSError as e:
            old = ""
            errors.append(f"{a.check}: {e.strerror}")
        if old != text:
            diff = difflib.unified_diff(old.splitlines(True), text.splitlines(True), a.check, out)
            sys.stderr.write("".join(diff))
            errors.append(f"{a.check} differs from the generated {out}: run "
                          f"`python3 tools/coverage.py --write` and commit docs/coverage.md")
    for e in errors:
        print(f"coverage: {e}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
