#!/usr/bin/env python3
# tests/support/gen_history_rule_cases.py: writes the match/nomatch cases of the history rules
# (docs/rules.md, History correlations) into tests/rules/<case>/; run from tests/rules.
# SPDX-License-Identifier: MIT
import json, itertools, os
n=itertools.count(1)
def w(case, name, lines, count=None, levels=None):
    os.makedirs(case, exist_ok=True)
    open(f"{case}/{name}","w").write("\n".join(lines)+"\n")
    base=name.rsplit(".",1)[0]
    if count is not None: open(f"{case}/{base}.count","w").write(f"{count}\n")
    if levels is not None: open(f"{case}/{base}.levels","w").write("".join(l+"\n" for l in sorted(levels)))
def rule(case, rid): os.makedirs(case, exist_ok=True); open(f"{case}/rule","w").write(rid+"\n")
def mia(t, user, app=None, gapp=None, oc=None, ip="192.0.2.10", extra=None):
    r={"CreationTime":t,"Id":"00000000-0000-4000-a000-%012d"%next(n),"Operation":"MailItemsAccessed","RecordType":50,
       "ResultStatus":"Succeeded","Workload":"Exchange","UserId":user,"MailboxOwnerUPN":user,"ClientIPAddress":ip}
    if app: r["ClientAppId"]=app
    if gapp: r["AppId"]=gapp
    if oc is not None: r["OperationCount"]=oc
    if extra: r.update(extra)
    return json.dumps(r)
def ts(day, h, m=0, month=3): return "2025-%02d-%02dT%02d:%02d:00"%(month,day,h,m)
OUTLOOK="d3590ed6-52b3-4102-aeff-aad2292ab01c"; ROGUE="5f3c1a77-0000-4000-8000-00000000bad1"; OWA="00000002-0000-0ff1-ce00-000000000000"
GRAPH="00000003-0000-0000-c000-000000000000"

# ---- R03 mail read by a new application
c="mail_access_new_app"; rule(c,"47bce84d-5df8-4703-b62c-5cec6e040f64")
m=[mia(ts(d,9,mm),"alice@example.org",OUTLOOK) for d in range(1,6) for mm in (0,30)]
m.append(mia(ts(6,2,14),"alice@example.org",ROGUE,GRAPH))
m+= [mia(ts(d,10),"carol@example.org",None,OWA) for d in range(1,6)]
m.append(mia(ts(6,11),"Carol@Example.org",None,"aaaaaaaa-0000-4000-8000-0000000000c1"))
w(c,"match.jsonl",m,2,["low","low"])
x=[mia(ts(d,9,mm),"dave@example.org",OUTLOOK) for d in range(1,8) for mm in (0,30)]
x.append(mia(ts(2,9),"dave@example.org",OWA))          # new app inside the learning period: history
x.append(mia(ts(7,9),"dave@example.org",OWA))          # the same app days later: not new
w(c,"nomatch.jsonl",x)
s=[mia(ts(1,h),"bob@example.org",OUTLOOK) for h in (8,9,10)]+[mia(ts(2,9),"bob@example.org",ROGUE)]
w(c,"nomatch.short.jsonl",s)   # one day of data: a second app is not claimed new

# ---- R02 volume baseline
c="mail_access_baseline"; rule(c,"237829d2-1261-4b03-9190-91630edad9c0")
def hours(user, days, per, oc):
    return [mia(ts(d,h,5),user,OUTLOOK,oc=oc) for d in days for h in range(8,16) for _ in range(per)]
m=hours("alice@example.org",range(1,6),2,6)            # 12 items an hour
m+= [mia(ts(6,3,k),"alice@example.org",ROGUE,GRAPH,oc=50) for k in range(10)]   # 500 items at 03:00
w(c,"match.jsonl",m,1,["medium"])
s=hours("bob@example.org",[1],2,6)+[mia(ts(1,20,k),"bob@example.org",ROGUE,oc=50) for k in range(10)]
w(c,"match.short.jsonl",s,1,["informational"])   # no history to compare: reported, not judged
x=hours("dave@example.org",range(1,6),2,6)+[mia(ts(6,3,k),"dave@example.org",OUTLOOK,oc=9) for k in range(10)]  # 90 < min 100
x+=[mia(ts(d,h,5),"erin@example.org",OUTLOOK,oc=o) for d in range(1,6) for h in range(8,16) for o in ([500] if h%2 else [450])]
x+=[mia(ts(6,9,5),"erin@example.org",OUTLOOK,oc=505)]   # a busy account within its own baseline
w(c,"nomatch.jsonl",x)

# ---- R04 Graph volume per application
c="graph_mail_access_baseline"; rule(c,"46bfdb95-073f-48bf-a74f-0ac85f9fd926")
APP="6b2a0c3e-0000-4000-8000-0000000000a4"
m=[mia(ts(d,12),"u%d@example.org"%k,APP,GRAPH,oc=10) for d in range(1,8) for k in range(5)]
m+=[mia(ts(8,1,k),"u%d@example.org"%k,APP,GRAPH,oc=400) for k in range(5)]
w(c,"match.jsonl",m,1,["medium"])
x=[mia(ts(d,12),"u%d@example.org"%k,APP,GRAPH,oc=10) for d in range(1,8) for k in range(5)]
x+=[mia(ts(8,1,k),"u%d@example.org"%k,APP,OWA,oc=400) for k in range(5)]   # not through Graph
x+=[mia(ts(8,2,k),"u%d@example.org"%k,None,GRAPH,oc=400) for k in range(5)] # no client app id
w(c,"nomatch.jsonl",x)

# ---- sign-ins
def si(t, user, country="DE", asn="3320", ua="Mozilla/5.0 (Windows NT 10.0; Win64; x64) Edge/120.0", ip="198.51.100.10", rt="0"):
    return json.dumps({"TimeGenerated":t+"Z","Type":"SigninLogs","Id":"99990000-0000-4000-b000-%012d"%next(n),"UserPrincipalName":user,
        "AppDisplayName":"Office 365 Exchange Online","ClientAppUsed":"Browser","IPAddress":ip,"Location":country,"AutonomousSystemNumber":asn,
        "UserAgent":ua,"ResultType":rt,"IsInteractive":True})
hist=lambda u: [si(ts(d,8),u) for d in range(1,6)]
for c, rid, kw in (("signin_new_country","afd385fb-cdb4-4f0f-846a-29b310025cbe",{"country":"NG"}),
                   ("signin_new_asn","1f05872e-aaf9-4ac1-afa7-041c39365775",{"asn":"14061"}),
                   ("signin_new_user_agent","997a6363-cc78-4b10-9064-9ab072ec9dcb",{"ua":"python-requests/2.31.0"})):
    rule(c,rid)
    m=hist("alice@example.org")+[si(ts(6,3),"alice@example.org",**kw)]
    w(c,"match.jsonl",m,1,["informational"])
    x=hist("dave@example.org")+[si(ts(6,3),"dave@example.org")]
    x+=[si(ts(2,3),"erin@example.org")]+hist("erin@example.org")[2:]+[si(ts(2,9),"erin@example.org",**kw)]  # new inside the learning period
    x+=hist("frank@example.org")+[si(ts(6,3),"frank@example.org",rt="50126",**kw)]                      # failed sign-in
    w(c,"nomatch.jsonl",x)
    w(c,"nomatch.short.jsonl",[si(ts(1,8),"bob@example.org"),si(ts(1,20),"bob@example.org",**kw)])

# ---- IIS
HDR=["#Software: Microsoft Internet Information Services 10.0","#Version: 1.0","#Date: 2025-03-01 00:00:00",
     "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken"]
def iis(day,h,m,s,stem,q,user,ua,ip="198.51.100.23"):
    return "2025-03-%02d %02d:%02d:%02d 192.0.2.10 POST %s %s 443 %s %s %s - 200 0 0 15"%(day,h,m,s,stem,q,user,ip,ua)
OL="Microsoft+Office/16.0+(Windows+NT+10.0;+Microsoft+Outlook+16.0.17328)"
def ews(day,h,m,s,user,ua=OL): return iis(day,h,m,s,"/EWS/Exchange.asmx","-",user,ua)
def eas(day,h,m,s,user,dev,ua="Apple-iPhone13C2/2001.405"):
    return iis(day,h,m,s,"/Microsoft-Server-ActiveSync/default.eas","Cmd=Sync&User=x&DeviceId=%s&DeviceType=iPhone"%dev,user,ua)
c="iis_mail_volume_baseline"; rule(c,"ebf9bdb3-bb0e-4162-b8d1-3cbfb63a7974")
base=lambda u: [ews(d,h,k,0,u) for d in range(1,6) for h in range(8,16) for k in range(0,60,6)]   # 10 an hour
m=HDR+base("CORP\\alice")+[ews(6,2,k//60,k%60,"CORP\\alice","python-requests/2.31.0") for k in range(0,900,3)]  # 300 in an hour
w(c,"match.log",m,1,["medium"])
s=HDR+[ews(1,h,k,0,"CORP\\bob") for h in range(8,10) for k in range(0,60,6)]+[ews(1,20,k//60,k%60,"CORP\\bob") for k in range(0,900,3)]
w(c,"match.short.log",s,1,["informational"])
x=HDR+base("CORP\\dave")+[ews(6,2,k//60,k%60,"CORP\\dave") for k in range(0,540,3)]  # 180 < 200
x+=[iis(6,3,k//60,k%60,"/Autodiscover/Autodiscover.xml","-","-","-") for k in range(0,900,3)]  # anonymous
x+=[iis(6,4,k//60,k%60,"/mapi/emsmdb/","-","CORP\\dave",OL) for k in range(0,900,3)]  # MAPI: not counted
w(c,"nomatch.log",x)

c="iis_ews_new_user_agent"; rule(c,"1f71eff1-ffe5-4d9a-9b58-f3cf81aae231")
m=HDR+[ews(d,9,0,0,"CORP\\alice") for d in range(1,6)]+[ews(6,2,0,0,"CORP\\alice","MailSniper/1.0")]
w(c,"match.log",m,1,["informational"])
x=HDR+[ews(d,9,0,0,"CORP\\dave") for d in range(1,7)]+[ews(2,9,0,0,"CORP\\dave","MailSniper/1.0")]
x+=[iis(6,2,0,0,"/owa/service.svc","action=GetItem","CORP\\dave","MailSniper/1.0")]   # OWA, not EWS
w(c,"nomatch.log",x)
w(c,"nomatch.short.log",HDR+[ews(1,9,0,0,"CORP\\bob"),ews(1,12,0,0,"CORP\\bob","MailSniper/1.0")])

c="iis_activesync_new_device"; rule(c,"80e40d85-c746-4f26-ad91-4959d67fabb6")
m=HDR+[eas(d,9,0,0,"alice@corp.example.org","ABC123") for d in range(1,6)]+[eas(6,2,0,0,"alice@corp.example.org","ZZZ999","Android/13")]
w(c,"match.log",m,1,["low"])
x=HDR+[eas(d,9,0,0,"dave@corp.example.org","ABC123") for d in range(1,7)]+[eas(2,9,0,0,"dave@corp.example.org","DEF456")]
x+=[iis(6,2,0,0,"/Microsoft-Server-ActiveSync/default.eas","Cmd=Options","dave@corp.example.org","Android/13")]  # no DeviceId
w(c,"nomatch.log",x)
w(c,"nomatch.short.log",HDR+[eas(1,9,0,0,"bob@corp.example.org","ABC123"),eas(1,12,0,0,"bob@corp.example.org","ZZZ999")])
