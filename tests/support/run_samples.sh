#!/bin/sh
# The real exports in the samples folder (MW_SAMPLES_DIR) must parse with zero malformed records. Skips (exit 77)
# with a message when the folder is absent.
set -u
dir=$1
bin=$2
if [ ! -d "$dir" ]; then
    echo "SKIP: no samples folder at $dir"
    exit 77
fi
fail=0
for f in "$dir"/otrf-golden-saml-mail-access/OfficeActivityEvents.json \
         "$dir"/otrf-golden-saml-mail-access/Microsoft365DefenderEvents.json \
         "$dir"/sentinel-training-lab/office_activity.csv \
         "$dir"/sentinel-training-lab/office_activity_inbox_rule.csv \
         "$dir"/sentinel-training-lab/signinLogs.csv \
         "$dir"/sentinel-training-lab/sign-in_adelete.csv \
         "$dir"/otrf-golden-saml-mail-access/AADAuditEvents.json \
         "$dir"/sentinel-training-lab/AuditLogs_Hunting.csv \
         "$dir"/otrf-golden-saml-mail-access/WindowsEvents.json; do
    [ -f "$f" ] || { echo "missing sample $f"; fail=1; continue; }
    err=$("$bin" parse "$f" 2>&1 >/dev/null)
    rc=$?
    if [ $rc -ne 0 ] || [ -n "$err" ]; then
        echo "FAIL: parse $f exited $rc: $err"; fail=1
    fi
    n=$("$bin" parse "$f" 2>/dev/null | wc -l)
    if [ "$n" -lt 1 ]; then
        echo "FAIL: parse $f gave no events"; fail=1
    fi
    case $f in
        */sign-in_*.csv|*/signinLogs.csv)
            m=$("$bin" parse "$f" 2>/dev/null | grep -c '"source":"entra_signin"')
            [ "$m" -eq "$n" ] || { echo "FAIL: $f: $m of $n events from entra_signin"; fail=1; } ;;
        */WindowsEvents.json)
            m=$("$bin" parse "$f" 2>/dev/null | grep -c '"source":"windows_event"')
            [ "$m" -eq 38 ] && [ "$n" -eq 38 ] ||
                { echo "FAIL: $f: $m of $n events from windows_event, 38 expected"; fail=1; } ;;
    esac
    echo "$f: $n events"
done
exit $fail
