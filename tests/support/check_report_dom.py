#!/usr/bin/env python3
# tests/support/check_report_dom.py: assertions on the DOM headless Chromium rendered from an HTML
# report (run_report_browser.sh), or on the HTML cmark-gfm rendered from a Markdown report
# (--markdown). Checks that no element a log string could have injected exists (script, img,
# iframe, object, embed, link, meta refresh, event-handler, javascript:, src or style attributes,
# elements inside SVG other than the writer's; in the HTML report no link out of the page), that the hostile strings are present as text, and, for the
# incident fixture, that the account, the four answers and the timeline rows are there; for the
# exposure fixture (tests/data/report/exposed.jsonl, --exposed), that the hostile folder path and
# message ids are cell and list text, the synchronised folder is marked, and the message ids are
# listed (HTML: all the scan listed, folded in <details>; Markdown: the first 50, then "and N more").
# Usage: check_report_dom.py [--markdown] [--incident | --exposed] FILE
# SPDX-License-Identifier: MIT
import sys
from html.parser import HTMLParser

IMG = '<img src=x onerror=alert(1)>'
SCR = '"><script>alert(2)</script>'
ACCOUNT = 'adele' + SCR + '@contoso.example'
FORBIDDEN = {'script', 'img', 'iframe', 'object', 'embed', 'frame', 'frameset', 'link', 'base',
             'form', 'input', 'button', 'audio', 'video', 'source', 'foreignobject', 'image',
             'use', 'animate', 'set', 'math'}
VOID = {'br', 'meta', 'hr', 'wbr', 'img', 'input', 'link', 'col', 'area', 'base', 'source',
        'embed'}
SVG_OK = {'svg', 'rect', 'line', 'text', 'title'}


class Dom(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.counts = {}
        self.bad_attrs = []
        self.stack = []
        self.text = []
        self.tables = []   # [class, rows[[cell text]]]
        self.cell = None
        self.svg_bad = []
        self.pre = []
        self.in_pre = 0
        self.meta_refresh = 0
        self.links = []
        self.items = []    # [text of an <li>, inside <details>]
        self.item = None

    def handle_starttag(self, tag, attrs):
        self.counts[tag] = self.counts.get(tag, 0) + 1
        for name, value in attrs:
            if name.startswith('on') or (value or '').strip().lower().startswith('javascript:'):
                self.bad_attrs.append((tag, name, value))
            if name in ('src', 'srcset', 'xlink:href', 'style', 'background', 'action', 'formaction'):
                self.bad_attrs.append((tag, name, value))
            if name == 'href' and not (value or '').startswith('#'):
                self.links.append(value)
        if tag == 'meta' and any(n == 'http-equiv' and (v or '').lower() == 'refresh'
                                 for n, v in attrs):
            self.meta_refresh += 1
        if 'svg' in self.stack and tag not in SVG_OK:
            self.svg_bad.append(tag)
        if tag == 'table':
            self.tables.append([dict(attrs).get('class', ''), []])
        if tag == 'tr' and self.tables:
            self.tables[-1][1].append([])
        if tag in ('td', 'th'):
            self.cell = []
        if tag == 'pre':
            self.in_pre += 1
            self.pre.append('')
        if tag == 'li':
            self.item = []
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in ('td', 'th') and self.cell is not None and self.tables and self.tables[-1][1]:
            self.tables[-1][1][-1].append(''.join(self.cell).strip())
            self.cell = None
        if tag == 'pre':
            self.in_pre -= 1
        if tag == 'li' and self.item is not None:
            self.items.append((''.join(self.item).strip(), 'details' in self.stack))
            self.item = None
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_data(self, data):
        self.text.append(data)
        if self.cell is not None:
            self.cell.append(data)
        if self.in_pre:
            self.pre[-1] += data
        if self.item is not None:
            self.item.append(data)


def fail(msg):
    print('FAIL: ' + msg)
    sys.exit(1)


FOLDER = '\\Inbox' + IMG + '|`x`'
MSGID = '<m-hostile' + IMG + '@evil.example>'
MSGID2 = '<m|pipe`tick`**b**@evil.example>'


def check_exposed(dom, text, markdown):
    folders = [t for t in dom.tables if t[1] and t[1][0][:1] == ['Folder']]
    if not folders:
        fail('no folder table in What was exposed')
    rows = folders[0][1][1:]
    if [r[0] for r in rows] != [FOLDER, '\\Sent Items', '\\Finance']:
        fail('folder paths shown as %r' % [r[0] for r in rows])
    if 'whole folder synchronised' not in rows[1][3] or 'whole folder' in rows[0][3]:
        fail('synchronised folder not marked as such: %r' % [r[3] for r in rows])
    ids = [t for t, _ in dom.items if t.startswith('<m')]
    if ids[:2] != [MSGID, MSGID2]:
        fail('hostile message ids not shown as list text: %r' % ids[:2])
    want = 50 if markdown else 60
    if len(ids) != want:
        fail('%d message ids listed, expected %d' % (len(ids), want))
    more = 'and %d more' % (75 - want)
    if not any(t == more for t, _ in dom.items):
        fail('no "%s" after the listed message ids' % more)
    if not markdown and not all(inside for t, inside in dom.items if t.startswith('<m')):
        fail('message ids not inside a collapsible <details> element')
    for s in ('80 mail items read', '9.0 MiB (9450210 bytes)', 'Throttled:',
              '3 items came from records that name several folders',
              'by the incident\'s source IPs: 80', 'megan@contoso.example'):
        if s not in text:
            fail('What was exposed lacks %r' % s)
    print('ok: folders and %d message ids as text, synchronised folder marked, caveats, no '
          'injected element' % len(ids))


def main():
    args = sys.argv[1:]
    markdown = '--markdown' in args
    incident = '--incident' in args
    exposed = '--exposed' in args
    path = [a for a in args if not a.startswith('--')][0]
    html = open(path, encoding='utf-8').read()
    dom = Dom()
    dom.feed(html)
    dom.close()
    text = ''.join(dom.text)
    for tag in sorted(FORBIDDEN):
        if dom.counts.get(tag, 0):
            fail('%d <%s> element(s) in the page: log text became markup' % (dom.counts[tag], tag))
    if dom.bad_attrs:
        fail('event-handler or javascript: attributes: %r' % dom.bad_attrs[:3])
    if dom.svg_bad:
        fail('unexpected elements inside SVG: %r' % dom.svg_bad[:5])
    if dom.links and not markdown:
        fail('links out of the page (the report must need nothing else): %r' % dom.links[:3])
    if dom.meta_refresh:
        fail('meta refresh in the page')
    if not markdown and dom.counts.get('svg', 0) == 0:
        fail('no SVG chart in the page')
    if exposed:
        check_exposed(dom, text, markdown)
        return
    if not incident:
        print('ok: %d elements, no injected element' % sum(dom.counts.values()))
        return
    for s in (IMG, SCR, ACCOUNT, 'Inbox rule forwards mail ' + IMG, '</code></pre><script>alert(6)</script>',
              '**bold** [link](javascript:alert(5))', '&lt;b&gt;'):
        if s not in text:
            fail('hostile string not shown as text: %r' % s)
    if not any('</code></pre><script>alert(6)</script>' in p for p in dom.pre):
        fail('the containment command is not in a <pre> block')
    answers = [t for t in dom.tables if t[1] and 'Question' in t[1][0]]
    if not answers:
        fail('no playbook answers table')
    got = [row[2].lower() for row in answers[0][1][1:]]
    if got != ['yes', 'yes', 'no', 'unknown']:
        fail('the four answers: got %r' % got)
    timeline = [t for t in dom.tables if t[1] and t[1][0][:2] == ['Time (UTC)', 'Kind']]
    if not timeline:
        fail('no timeline table')
    kinds = [row[1] for row in timeline[0][1][1:]]
    if kinds != ['signin_failed', 'signin', 'rule_change', 'mail_access', 'mail_access']:
        fail('timeline rows: got %r' % kinds)
    accounts = [row[2] for row in timeline[0][1][1:]]
    if accounts[0] != ACCOUNT:
        fail('timeline account shown as %r' % accounts[0])
    print('ok: account, four answers, %d timeline rows, hostile strings as text, no injected '
          'element' % len(kinds))


main()
