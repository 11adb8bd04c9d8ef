# tests/support/gen_report_fixture.py: writes tests/data/report/hostile.jsonl, a scan's JSON Lines by
# hand (alerts, one incident with its playbook, the summary line, a bad line, an unknown kind)
# whose every string a log could have written holds markup, script or Markdown meant to break
# out. Usage: python3 tests/support/gen_report_fixture.py > tests/data/report/hostile.jsonl
# SPDX-License-Identifier: MIT
import json, sys
IMG = '<img src=x onerror=alert(1)>'
SCR = '"><script>alert(2)</script>'
MD = '**bold** [link](javascript:alert(5)) ![i](http://x.example/y.png) `code` | pipe # h &lt;b&gt; _u_ ~~s~~'
rule_name = "Forward " + IMG + SCR
acct = "adele" + SCR + "@contoso.example"
acct2 = "megan@contoso.example"
cmd = ("Remove-InboxRule -Mailbox '" + acct + "' -Identity '" + rule_name.replace("'", "''") +
       "' -Confirm:$false\n``` \n</code></pre><script>alert(6)</script>")
alerts = [
 {"schema_version":1,"kind":"alert","id":"a-1111111111111111",
  "rule":{"id":"r-forward","title":"Inbox rule forwards mail " + IMG,"level":"high","file":"rules/m365/inbox_rule_forward.yml"},
  "technique":"T1114.003","techniques":["T1114.003"],
  "time":{"first":"2025-03-05T14:41:09Z","last":"2025-03-05T14:41:09Z"},
  "account":acct,"mailbox":None,"host":None,"source_ip":"175.45.176.99","source_ips":["175.45.176.99"],
  "summary":acct + " created inbox rule '" + rule_name + "' forwarding to x@evil.example " + MD,
  "reasons":["forwards to an external address " + SCR, "line one\n# not a heading\n- not a list \u001b[2J\u0000 end"],
  "destinations":["x@evil.example"],"aggregates":{},"evidence_total":1,
  "evidence":[{"file":"ual" + IMG + ".json","line":7,"offset":100,"source":"m365_audit","time":"2025-03-05T14:41:09Z","time_raw":"2025-03-05T14:41:09",
     "fields":{"Operation":"New-InboxRule","Parameters.Name":rule_name,"UserAgent":"Mozilla/5.0 " + SCR}}],
  "future_key":{"ignored":True}},
 {"schema_version":1,"kind":"alert","id":"a-2222222222222222",
  "rule":{"id":"r-bulk","title":"Bulk mailbox access","level":"high","file":"rules/m365/bulk_mailbox_access.yml"},
  "technique":"T1114.002","techniques":["T1114.002"],
  "time":{"first":"2025-03-05T15:00:00Z","last":"2025-03-05T16:20:00Z"},
  "window":{"start":"2025-03-05T15:00:00Z","end":"2025-03-05T15:30:00Z"},
  "account":acct,"mailbox":None,"host":None,"source_ip":"175.45.176.99","source_ips":["175.45.176.99"],
  "summary":acct + ": 300 mailbox access records in 30m, 300 items read (bind) and 0 folders synchronised",
  "reasons":["300 items read in 30m (threshold: more than 200 items)"],
  "destinations":[],"aggregates":{"count":300,"distinct":{"ClientIP":1,"Folders.Path":2},"values":{"ClientIP":["175.45.176.99"],"Folders.Path":["\\Inbox","\\Finance " + IMG]},"category":"HighVolumeAccess"},
  "evidence_total":300,
  "evidence":[{"file":"ual.json","line":10+i,"offset":1000+i,"source":"m365_audit","time":t,"time_raw":t,
     "fields":{"Operation":"MailItemsAccessed","Folders.Path":"\\Inbox"}} for i,t in enumerate(["2025-03-05T15:01:00Z","2025-03-05T15:10:00Z","2025-03-05T16:05:00Z","2025-03-05T16:20:00Z"])]},
 {"schema_version":1,"kind":"alert","id":"a-3333333333333333",
  "rule":{"id":"r-baseline","title":"Mailbox access volume above the account's baseline","level":"medium","file":"rules/m365/mail_access_history.yml"},
  "technique":"T1114.002","techniques":["T1114.002"],
  "time":{"first":"2025-03-05T15:00:00Z","last":"2025-03-05T15:59:59Z"},
  "window":{"start":"2025-03-05T15:00:00Z","end":"2025-03-05T16:00:00Z"},
  "account":acct,"mailbox":None,"host":None,"source_ip":None,"source_ips":[],
  "summary":acct + " read 250 mail item(s) in 1h, above the account's baseline",
  "reasons":["250 in this 1h window against a baseline of median 12, MAD 0 over 40 earlier active window(s) (threshold 22.4 = median + 3 x max(MAD, sqrt(median), 1); minimum 100)"],
  "destinations":[],"aggregates":{"count":10,"distinct":{},"values":{},"category":"BaselineSpike"},"evidence_total":10,"evidence":[]},
 {"schema_version":1,"kind":"alert","id":"a-4444444444444444",
  "rule":{"id":"r-signin","title":"Sign-in from a new country","level":"low","file":"rules/entra/signin_new_country.yml"},
  "technique":"T1078","techniques":["T1078"],"time":{"first":"2025-03-05T14:30:00Z","last":"2025-03-05T14:30:00Z"},
  "account":acct2,"mailbox":None,"host":None,"source_ip":"175.45.176.99","source_ips":["175.45.176.99"],
  "summary":acct2 + " signed in from KP","reasons":[],"destinations":[],"aggregates":{},"evidence_total":0,"evidence":[]},
]
incident = {"schema_version":1,"kind":"incident","id":"i-abcdef0123456789","level":"critical","incident_kind":"account",
 "accounts":[acct, "CONTOSO\\adele"],"hosts":[],"alerts":["a-1111111111111111","a-2222222222222222","a-3333333333333333","a-missing"],
 "technique":"T1114.003","techniques":["T1114.002","T1114.003"],
 "time":{"first":"2025-03-05T14:20:00Z","last":"2025-03-05T16:20:00Z"},
 "source_ip":"175.45.176.99","source_ips":["175.45.176.99"],
 "summary":"Forwarding rule then bulk reads from 175.45.176.99 " + IMG,
 "links":["shares source IP 175.45.176.99 with " + acct2],
 "timeline":[
  {"time":"2025-03-05T14:20:00Z","kind":"signin_failed","account":acct,"source_ip":"175.45.176.99","summary":"failed sign-in " + SCR,"alert":None,"file":"signin.json","line":3},
  {"time":"2025-03-05T14:22:00Z","kind":"signin","account":acct,"source_ip":"175.45.176.99","summary":"sign-in succeeded (KP)","alert":None,"file":"signin.json","line":4},
  {"time":"2025-03-05T14:41:09Z","kind":"rule_change","account":acct,"source_ip":"175.45.176.99","summary":"New-InboxRule '" + rule_name + "'","alert":"a-1111111111111111","file":"ual.json","line":7},
  {"time":"2025-03-05T15:00:00Z","kind":"mail_access","account":acct,"source_ip":"175.45.176.99","summary":"300 items read " + MD,"alert":"a-2222222222222222","file":"ual.json","line":10},
  {"time":None,"kind":"mail_access","account":acct,"source_ip":None,"summary":"undated record","alert":None,"file":"ual.json","line":99}],
 "playbook":{"questions":[
   {"id":"Q1","question":"Is there a new or modified email rule, or mailbox forwarding, that sends mail to an external address?","answer":"yes","evidence":["a-1111111111111111","ual.json:7"],"detail":"inbox rule '" + rule_name + "' forwards to x@evil.example (external)","missing":None},
   {"id":"Q2","question":"Are there logins from unusual places, or failed logins, from IPs never associated with this account before?","answer":"yes","evidence":["signin.json:3","signin.json:4"],"detail":"1 failure then a success from 175.45.176.99","missing":None},
   {"id":"Q3","question":"Is there a spike in email reads, downloads or exports by a single account compared with its own baseline?","answer":"no","evidence":[],"detail":"no " + IMG,"missing":None},
   {"id":"Q4","question":"Is there unauthorized remote access (legacy protocols, new applications, permissions, exports)?","answer":"unknown","evidence":[],"detail":None,"missing":"no Entra audit log was given " + SCR}],
  "escalate":True,"reasons":["external forwarding rule " + SCR,"success after failures from a new IP"],
  "containment":[
   {"finding":"inbox rule '" + rule_name + "' forwards mail externally","shell":"exchange-online-powershell","command":cmd},
   {"finding":"account " + acct,"shell":"graph-powershell","command":"Revoke-MgUserSignInSession -UserId '" + acct + "'"},
   {"finding":"credentials","shell":None,"command":"Reset the password and require MFA " + IMG}],
  "still_there":[{"what":"inbox rule '" + rule_name + "' on " + acct,"removed":False,"removed_at":None},
                 {"what":"mailbox forwarding on " + acct,"removed":True,"removed_at":"2025-03-06T09:00:00Z"}],
  "pivots":[{"kind":"ip","value":"175.45.176.99","accounts":[acct2, IMG]}],
  "warnings":["IsThrottled records: 24 hours of reads were not logged " + SCR]}}
summary = {"schema_version":1,"kind":"summary","mailward_version":"0.1.0",
 "inputs":[{"path":"ual" + IMG + ".json","bytes":123456,"sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","source":"m365_audit","records":900,"events":900,"malformed":0,"undated":1,"truncated":False,"export_cap":None,"skipped":False,"error":None},
           {"path":"signin.json","bytes":2048,"sha256":"2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae","source":"entra_signin","records":12,"events":12,"malformed":1,"undated":0,"truncated":True,"export_cap":50000,"skipped":False,"error":None}],
 "totals":{"records":912,"malformed":1,"alerts":4,"incidents":1},"coverage":{"signins":12,"mail_access":900},
 "warnings":[{"code":"no_entra_audit","message":"no Entra audit log was given " + IMG}]}
out = sys.stdout
for a in alerts: out.write(json.dumps(a, separators=(",",":")) + "\n")
out.write("this line is not JSON\n")
out.write(json.dumps({"schema_version":1,"kind":"future_kind"}) + "\n")
out.write(json.dumps(incident, separators=(",",":")) + "\n")
out.write(json.dumps(summary, separators=(",",":")) + "\n")
