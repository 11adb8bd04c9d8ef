# Generates the inputs of tests/e2e/bulk-access-{split-files,spilled,read-twice,newest-first,shuffled}: 250
# MailItemsAccessed reads by alice in 09:00-09:30 and a day of background reads (5 accounts,
# one read each 90 s, never 200 in a bin), both exports holding the whole background.
import gzip, json, os, random
def rec(i, user, ip, s):
    t = "2025-03-04T%02d:%02d:%02d" % (s // 3600, s // 60 % 60, s % 60)
    return json.dumps({"CreationTime": t, "Id": "00000000-0000-4000-9000-%012d" % i,
                       "Operation": "MailItemsAccessed", "RecordType": 50, "Workload": "Exchange", "ResultStatus": "Succeeded",
                       "UserId": user, "ClientIP": ip}, separators=(",", ":"))
bg = [(s, rec(10000 + 1000 * u + k, "u%d@example.org" % u, "203.0.113.%d" % u, s))
      for u in range(5) for k, s in enumerate(range(u * 17, 86400, 90))]
alice = [(32400 + 7 * k, rec(k + 1, "alice@example.org",
                             "198.51.100.8" if k % 5 == 0 else "198.51.100.7", 32400 + 7 * k))
         for k in range(250)]
def write(path, rows):
    with gzip.GzipFile(path, "wb", mtime=0) as f:
        f.write("".join(r[1] + "\n" for r in rows).encode())
def by_time(rows, newest_first=False):
    return sorted(rows, key=lambda r: (r[0], r[1]), reverse=newest_first)
here = os.path.dirname(os.path.abspath(__file__))
up = os.path.dirname(here)
for case in ("bulk-access-split-files", "bulk-access-spilled", "bulk-access-read-twice"):
    write(os.path.join(up, case, "export-1.jsonl.gz"), by_time(bg + alice[:125]))
    write(os.path.join(up, case, "export-2.jsonl.gz"), by_time(bg + alice[125:], newest_first=True))
write(os.path.join(up, "bulk-access-newest-first", "ual-newest-first.jsonl.gz"),
      by_time(bg + alice, newest_first=True))
rows = by_time(bg + alice)
random.Random(5).shuffle(rows)
write(os.path.join(up, "bulk-access-shuffled", "ual-shuffled.jsonl.gz"), rows)
