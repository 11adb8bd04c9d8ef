#!/usr/bin/env python3
# Selftest of tools/coverage.py: a good tree passes; an unknown idea tag, a covered idea without
# a rule, a tagged open idea, a rule without a test case and a stale coverage.md each fail.
# SPDX-License-Identifier: MIT
import os
import shutil
import subprocess
import sys
import tempfile

IDEAS = """# ideas
## Group one
| id | idea | sources | status | reason |
|---|---|---|---|---|
| X01 | first idea | m365_audit | covered | |
| X02 | second idea | m365_audit | open | no rule tags it yet |
| X03 | third idea | nothing read | out | needs logs mailward does not read |
"""

RULES = """title: Base of the fixture correlation
id: 11111111-1111-4111-8111-111111111111
name: fixture_base
logsource:
  product: m365
  service: exchange
detection:
  sel:
    Operation: FixtureOperation
  condition: sel
level: informational
---
title: Fixture correlation
id: 22222222-2222-4222-8222-222222222222
tags: [attack.collection, mailward.idea.x01]
correlation:
  type: event_count
  rules:
    - fixture_base
  group-by:
    - UserId
  timespan: 1h
  condition:
    gt: 1
level: medium
---
title: 'Fixture detection: quoted'
id: 33333333-3333-4333-8333-333333333333
tags:
  - attack.collection
  - mailward.idea.X01  # upper case is read as lower case
logsource:
  product: m365
detection:
  sel:
    Operation: Other
  condition: sel
"""


def make_tree(base):
    os.makedirs(os.path.join(base, "docs"))
    os.makedirs(os.path.join(base, "rules", "m365"))
    for case, rid in (("corr", "22222222-2222-4222-8222-222222222222"),
                      ("det", "33333333-3333-4333-8333-333333333333")):
        os.makedirs(os.path.join(base, "tests", "rules", case))
        with open(os.path.join(base, "tests", "rules", case, "rule"), "w") as f:
            f.write(rid + "\n")
    with open(os.path.join(base, "docs", "ideas.md"), "w") as f:
        f.write(IDEAS)
    write_rules(base, RULES)


def write_rules(base, text):
    with open(os.path.join(base, "rules", "m365", "fixture.yml"), "w") as f:
        f.write(text)


def run(script, binary, root, want_rc, want_msg, write_first=True):
    if write_first:
        subprocess.run([sys.executable, script, "--root", root, "--write"], capture_output=True)
    out = os.path.join(root, "out.md")
    p = subprocess.run([sys.executable, script, "--root", root, "--out", out, "--check",
                        os.path.join(root, "docs", "coverage.md"), "--mailward", binary],
                       capture_output=True, text=True)
    ok = p.returncode == want_rc and want_msg in p.stderr
    if not ok:
        print(f"FAIL: expected exit {want_rc} and '{want_msg}', got {p.returncode}:\n{p.stderr}")
    return ok, out


def main():
    script, binary = sys.argv[1], os.path.abspath(sys.argv[2])
    tmp = tempfile.mkdtemp()
    fails = 0
    try:
        def case(name, edit, rc, msg, write_first=True):
            nonlocal fails
            root = os.path.join(tmp, name)
            make_tree(root)
            edit(root)
            ok, out = run(script, binary, root, rc, msg, write_first)
            fails += not ok
            return root, out

        root, out = case("good", lambda r: None, 0, "")
        text = open(out).read()
        for want in ("| X01 | first idea | Fixture correlation (`rules/m365/fixture.yml`) | "
                     "`tests/rules/corr/` |",
                     "| X03 | third idea | out | needs logs mailward does not read |",
                     "`tests/rules/corr/` (through its correlation)",
                     "| **all** | 3 | 1 | 1 | 1 |"):
            if want not in text:
                print(f"FAIL: good: coverage.md lacks: {want}\n{text}")
                fails += 1
        case("unknown-idea", lambda r: write_rules(r, RULES.replace("idea.x01]", "idea.x99]")),
             1, "tags unknown idea mailward.idea.x99")
        case("covered-without-rule",
             lambda r: write_rules(r, RULES.replace(", mailward.idea.x01]", "]")
                                   .replace("  - mailward.idea.X01", "  - attack.t1114")),
             1, "idea X01 is marked covered but no rule tags")
        case("open-tagged", lambda r: write_rules(r, RULES.replace("idea.x01]", "idea.x02]")),
             1, "idea X02 is marked open but rules tag it")
        case("untested", lambda r: shutil.rmtree(os.path.join(r, "tests", "rules", "corr")),
             1, "has no tests/rules/<case>/")
        case("stale", lambda r: None, 1, "differs from the generated", write_first=False)
    finally:
        shutil.rmtree(tmp)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
