# bench/normalize.jq -- turns findings into comparable lines "detection<TAB>k1<TAB>k2[<TAB>k3]".
# Reads reference findings (reference.jq / reference_duckdb.mjs) and mailward alerts (JSON Lines
# alert schema of DESIGN.md) alike. Accounts and hosts are lowercased and times cut to whole
# seconds, because mailward prints normalised UTC times; bulk-access bins are floored to 30 min.
# Run: jq -r -f bench/normalize.jq FILE | sort
# SPDX-License-Identifier: MIT

# Map of mailward rule ids (rules/**/*.yml) to the benchmark's detection numbers. Edit here when
# rules are added or renamed; alerts of rules not listed are ignored (run.sh counts them).
def rule_map: {
  "2fa389a1-0b92-4222-bf29-0d10b8e0d9d5": 1,   # rules/defender/local_mail_store_access.yml
  "ae7f6179-869b-4ed0-a130-14c1f930b327": 2,   # rules/m365/bulk_mailbox_access.yml (correlation)
  "ba3097c9-1e99-4099-b5e5-1673bea4e9c8": 3,   # rules/m365/inbox_rule_forward.yml
  "7d816fe3-ae5c-475a-b5db-957d688e771d": 3,   # rules/m365/mailbox_forwarding.yml
  "3da3385c-faa3-4906-88e2-3f40d08d049b": 4    # rules/m365/inbox_rule_hiding.yml
};

def s: if type == "string" then . elif . == null then "" else tostring end;
def sec: s | .[0:19];
def bin30: s | .[0:14] + (if .[14:16] < "30" then "00" else "30" end) + ":00";
def ev: (.evidence // [])[0].fields // {};
def row: map(s) | join("\t");

if .detection != null then
  if .detection == 1 then [1, (.device | s | ascii_downcase), (.time | sec), .file]
  elif .detection == 2 then [2, (.user | s | ascii_downcase), (.bin | sec)]
  else [.detection, (.user | s | ascii_downcase), (.time | sec), .operation] end
  | row
elif .kind == "alert" then
  rule_map[.rule.id | s] as $d
  | if $d == null then "unmapped\t\(.rule.id | s)\t\(.rule.title | s)"
    elif $d == 1 then
      [1, ((.host // ev.DeviceName) | s | ascii_downcase), (.time.first | sec), ev.FileName] | row
    elif $d == 2 then [2, (.account | s | ascii_downcase), (.time.first | bin30)] | row
    else [$d, (.account | s | ascii_downcase), (.time.first | sec), ev.Operation] | row end
else empty end
