# bench/reference.jq -- the four benchmark detections written in jq, the reference mailward is
# timed and checked against. Input: JSON Lines of Defender DeviceFileEvents and/or Sentinel
# OfficeActivity rows. Output: one compact finding per line, {"detection":N,"key":"...",...}.
# Run: jq -c -f bench/reference.jq FILE   (jq -n -c -f ... works too). Works with jq >= 1.6.
# SPDX-License-Identifier: MIT

def s: if type == "string" then . elif . == null then "" else tostring end;

# ---- (1) DeviceFileEvents: mail stores touched by a non-mail process ------------------------
def file_actions: {"FileRead": 1, "FileCopied": 1, "FileCreated": 1, "FileRenamed": 1};
def excluded_procs: {"outlook.exe": 1, "thunderbird.exe": 1, "searchindexer.exe": 1,
  "searchprotocolhost.exe": 1, "msmpeng.exe": 1, "mssense.exe": 1, "msedge.exe": 1};
def tool_procs: {"cmd": 1, "powershell": 1, "pwsh": 1, "python": 1, "python3": 1, "wscript": 1,
  "cscript": 1, "mshta": 1, "robocopy": 1, "xcopy": 1, "7z": 1, "winrar": 1, "rar": 1,
  "curl": 1, "wget": 1};
# KQL `has` semantics: the term must not continue with an ASCII letter or digit.
def mail_ext_re: "\\.(pst|ost|mbox|eml|msg|dbx|nsf)($|[^a-z0-9])";
def mail_dir_re: "(^|[^a-z0-9])appdata\\\\(local\\\\microsoft\\\\outlook|roaming\\\\thunderbird|local\\\\microsoft\\\\windows mail|roaming\\\\mozilla thunderbird)($|[^a-z0-9])";

def d1:
  select(file_actions[.ActionType | s] != null)
  | select(.FileName | s | ascii_downcase | test(mail_ext_re))
  | (.InitiatingProcessFileName | s | ascii_downcase) as $p
  | select(excluded_procs[$p] == null)
  | select(tool_procs[$p | rtrimstr(".exe")] != null
           or (.FolderPath | s | ascii_downcase | test(mail_dir_re)))
  | (.DeviceName | s) as $dev | (.Timestamp | s) as $ts | (.FileName | s) as $fn
  | {detection: 1, key: "\($dev)|\($ts)|\($fn)", device: $dev, time: $ts, file: $fn};

# ---- Name/Value arrays carried as JSON text (Parameters, OperationProperties) --------------
def nv_list:
  (if type == "string" then (try fromjson catch null) else . end)
  | if type == "array" then
      [.[] | select(type == "object") | {name: (.Name | s | ascii_downcase), value: (.Value | s)}]
    else [] end;

# ---- (3) forwarding and (4) hiding rules ---------------------------------------------------
def fwd_params: {"forwardto": 1, "forwardasattachmentto": 1, "redirectto": 1};
def mbx_fwd_params: {"forwardingsmtpaddress": 1, "forwardingaddress": 1};
def hide_folders: {"rss feeds": 1, "rss subscriptions": 1, "archive": 1,
  "conversation history": 1, "deleted items": 1, "junk email": 1};
def rule_ops: {"New-InboxRule": 1, "Set-InboxRule": 1};

def forwards_actions:
  (if type == "string" then (try fromjson catch null) else . end)
  | (if type == "object" then [.] elif type == "array" then . else [] end)
  | any(.[]; type == "object"
             and (.ActionType | s | ascii_downcase | startswith("forward") or startswith("redirect")));

def rule_finding($n):
  (.UserId | s) as $u | (.TimeGenerated | s) as $t | (.Operation | s) as $op
  | {detection: $n, key: "\($u)|\($t)|\($op)", user: $u, time: $t, operation: $op};

def d3:
  (.Operation | s) as $op
  | if rule_ops[$op] != null then
      select(any(.Parameters | nv_list | .[]; fwd_params[.name] != null)) | rule_finding(3)
    elif $op == "Set-Mailbox" then
      select(any(.Parameters | nv_list | .[]; mbx_fwd_params[.name] != null and .value != ""))
      | rule_finding(3)
    elif $op == "UpdateInboxRules" then
      select(any(.OperationProperties | nv_list | .[];
                 .name == "ruleactions" and (.value | forwards_actions)))
      | rule_finding(3)
    else empty end;

def d4:
  select(rule_ops[.Operation | s] != null)
  | select(any(.Parameters | nv_list | .[];
      ((.name == "deletemessage" or .name == "softdeletemessage" or .name == "markasread")
       and (.value | ascii_downcase) == "true")
      or (.name == "movetofolder"
          and hide_folders[.value | split("\\") | (.[-1] | s) | ascii_downcase] != null)))
  | rule_finding(4);

# ---- (2) bulk mail access per UserId per 30-minute UTC bin -------------------------------
def access_ops: {"MailItemsAccessed": 1, "MessageBind": 1, "FolderBind": 1};
def ok_status:
  .ResultStatus == null
  or (.ResultStatus | s | ascii_downcase | . == "succeeded" or . == "success" or . == "true");
def strip0: if length > 1 and startswith("0") then .[1:] | strip0 else . end;
# IPv6 counted per /64: expand "::", keep the first four groups.
def v6_64:
  split("::") as $p
  | (if ($p | length) >= 2 then
       ($p[0] | if . == "" then [] else split(":") end) as $h
       | ($p[1] | if . == "" then [] else split(":") end) as $t
       | $h + [range(0; 8 - ($h | length) - ($t | length)) | "0"] + $t
     else split(":") end)
  | .[0:4] | map(strip0) | join(":") + "::/64";
def v6key: if startswith("::ffff:") and (index(".") != null) then .[7:] else v6_64 end;
def ip_norm:
  (s | ascii_downcase) as $ip
  | if $ip == "" then null
    elif ($ip | startswith("[")) then $ip[1:] | split("]") | .[0] | v6key
    elif ($ip | index(":")) == null then $ip
    elif ($ip | split(":") | length) == 2 then $ip | split(":") | .[0]
    else $ip | v6key end;
# No `?` or `//` on the update path: a pending fork point keeps a second reference to the state,
# and jq then copies the whole state object on every record (quadratic time).
def bin30: s | .[0:14] + (if .[14:16] < "30" then "00" else "30" end) + ":00Z";

# The keys are computed inside [...] so that no backtracking point of the helpers is pending
# while the state is updated (see bin30).
def d2_add($r):
  [($r.UserId | s) + "\u0001" + ($r.TimeGenerated | bin30),
   "\($r.OfficeId | s)|\($r.TimeGenerated | s)|\($r.Operation | s)",
   ($r.ClientIP | ip_norm)] as [$k, $d, $ip]
  | .[$k].n[$d] = 1
  | if $ip != null then .[$k].ip[$ip] = 1 else . end;

def d2_final:
  to_entries[]
  | (.value.n | length) as $n | ((.value.ip // {}) | length) as $d
  | select($n > 200 or $d > 3)
  | (.key | split("\u0001")) as $kb
  | {detection: 2, key: "\($kb[0])|\($kb[1])", user: $kb[0], bin: $kb[1], count: $n,
     distinct_ips: $d};

def records: if . == null then inputs else ., inputs end;

foreach ((records | select(type == "object") | {r: .}), {eof: true}) as $x
  ({};
   if $x.eof then .
   elif access_ops[$x.r.Operation | s] != null and ($x.r | ok_status) then d2_add($x.r)
   else . end;
   if $x.eof then d2_final
   elif $x.r.ActionType != null then $x.r | d1
   elif $x.r.Operation != null then $x.r | (d3, d4)
   else empty end)
