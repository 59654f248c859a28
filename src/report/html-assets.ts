/**
 * The HTML report's style sheet and script, inlined into every report (no network fetches). The
 * page's Content-Security-Policy allows exactly these two by hash, so nothing else can run even if
 * a capture managed to smuggle markup in. Both are constants: no capture data ever goes in here.
 */

/** Colours of the severities; findings, badges and ladder arrows share them. */
export const HTML_CSS = `
:root {
  --fg: #1d2430; --muted: #5b6575; --line: #d8dde5; --bg: #f5f7fa; --card: #fff;
  --accent: #2456a6; --client: #2456a6; --server: #6b3fa0; --lifeline: #b7c0cc;
  --error: #c0262d; --error-bg: #fdecec; --warning: #a85f00; --warning-bg: #fff3df;
  --info: #1f6fb2; --info-bg: #e6f0fa; --none: #6b7686; --none-bg: #eef1f5; --ok: #1d7a3e;
  --mono: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace;
  --sans: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif;
  --hover: #f0f4fa; --thead: #f0f3f7; --secret-bg: #fde2e2; --secret-fg: #7a1016; --left-out-fg: #5c3400;
  color-scheme: light dark;
}
@media (prefers-color-scheme: dark) {
  :root {
    --fg: #dfe5ee; --muted: #9aa6b6; --line: #343d4b; --bg: #11161e; --card: #1a212c;
    --accent: #8fb8ff; --client: #8fb8ff; --server: #c9a4f5; --lifeline: #4a5566;
    --error: #ff7b7b; --error-bg: #3a1c20; --warning: #f0b350; --warning-bg: #352812;
    --info: #7cc0ff; --info-bg: #162a3e; --none: #8d97a6; --none-bg: #232b36; --ok: #6fd48f;
    --hover: #212a36; --thead: #202834; --secret-bg: #4a1a1f; --secret-fg: #ffc9c9; --left-out-fg: #f7d9a8;
  }
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
html { background: var(--bg); color: var(--fg); font: 15px/1.45 var(--sans); }
body { margin: 0; }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, summary:focus-visible, input:focus-visible { outline: 3px solid #f0b400; outline-offset: 2px; }
code, .mono { font-family: var(--mono); font-size: 0.92em; }
h1, h2, h3, h4 { line-height: 1.2; margin: 0; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.top { background: #17202e; color: #fff; padding: 1.1rem 2rem; display: flex; flex-wrap: wrap; gap: 0.4rem 2rem; align-items: baseline; }
.top h1 { font-size: 1.35rem; font-weight: 650; letter-spacing: 0.01em; }
.top h1 .brand { color: #8fb8ff; }
.top .meta { margin: 0; color: #c5cedb; font-size: 0.9rem; }
.top .meta code { color: #fff; }
.top .meta a { color: #8fb8ff; }
.secrets-banner { background: #7a1016; color: #fff; padding: 0.7rem 2rem; font-weight: 600; border-bottom: 3px solid #f0b400; }
main { padding: 1.25rem 2rem 2rem; max-width: 1600px; margin: 0 auto; }
main > section { margin-bottom: 1.75rem; }
main > section > h2 { font-size: 1.15rem; margin-bottom: 0.75rem; }
.panel { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 1rem 1.25rem; overflow-x: auto; }
table.grid td code { overflow-wrap: anywhere; }
.nowrap, table.grid td.nowrap code { white-space: nowrap; overflow-wrap: normal; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(13rem, 1fr)); gap: 0.75rem; margin-bottom: 1rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 0.8rem 1rem; }
.card .label { color: var(--muted); font-size: 0.8rem; text-transform: uppercase; letter-spacing: 0.06em; }
.card .value { font-size: 1.6rem; font-weight: 650; }
.card .sub { color: var(--muted); font-size: 0.88rem; }
.card .sub .ok { color: var(--ok); font-weight: 600; }
.card .sub .bad { color: var(--error); font-weight: 600; }
.logins tr.bad td:nth-child(9) { color: var(--error); font-weight: 600; }
.crack code { word-break: break-all; }
.card.sevs .value { display: flex; gap: 1.1rem; }
.card.sevs .value span { display: inline-flex; align-items: baseline; gap: 0.3rem; }
.card.sevs .value small { font-size: 0.8rem; font-weight: 600; color: var(--muted); }
.card.sevs .n-error { color: var(--error); }
.card.sevs .n-warning { color: var(--warning); }
.card.sevs .n-info { color: var(--info); }
.card.sevs .zero { color: var(--muted); }
.two { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 30rem), 1fr)); gap: 0.75rem; }
table.grid { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
table.grid th, table.grid td { text-align: left; padding: 0.35rem 0.6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
table.grid th { color: var(--muted); font-weight: 600; font-size: 0.8rem; text-transform: uppercase; letter-spacing: 0.04em; }
table.grid td.num, table.grid th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.grid tbody tr:hover { background: var(--hover); }
.panel h3 { font-size: 0.95rem; margin-bottom: 0.5rem; }
.note { color: var(--muted); font-size: 0.88rem; }
.warn-text { color: var(--warning); }
.badge { display: inline-block; min-width: 4.2em; text-align: center; border-radius: 999px; padding: 0.05rem 0.55rem; font-size: 0.75rem; font-weight: 700; text-transform: uppercase; letter-spacing: 0.04em; border: 1px solid currentColor; }
.badge.sev-error { color: var(--error); background: var(--error-bg); }
.badge.sev-warning { color: var(--warning); background: var(--warning-bg); }
.badge.sev-info { color: var(--info); background: var(--info-bg); }
.badge.sev-none { color: var(--none); background: var(--none-bg); }
.count { display: inline-block; border-radius: 4px; padding: 0 0.35rem; margin-right: 0.2rem; font-size: 0.8rem; font-weight: 700; }
.count.sev-error { color: var(--error); background: var(--error-bg); }
.count.sev-warning { color: var(--warning); background: var(--warning-bg); }
.count.sev-info { color: var(--info); background: var(--info-bg); }
.filters { display: flex; flex-wrap: wrap; gap: 0.75rem 1.5rem; align-items: flex-end; margin-bottom: 0.75rem; }
.filters fieldset { border: 1px solid var(--line); border-radius: 6px; padding: 0.3rem 0.8rem 0.5rem; margin: 0; background: var(--card); }
.filters legend { font-size: 0.78rem; color: var(--muted); text-transform: uppercase; letter-spacing: 0.05em; padding: 0 0.3rem; }
.filters label { margin-right: 0.9rem; white-space: nowrap; cursor: pointer; }
.filters input[type=checkbox] { accent-color: var(--accent); width: 1rem; height: 1rem; vertical-align: -0.15rem; }
.filters input[type=search] { font: inherit; padding: 0.3rem 0.5rem; border: 1px solid var(--line); border-radius: 6px; min-width: min(21rem, 100%); background: var(--card); color: var(--fg); }
.filters .search label { display: block; font-size: 0.78rem; color: var(--muted); text-transform: uppercase; letter-spacing: 0.05em; }
.filters button { font: inherit; font-size: 0.88rem; padding: 0.3rem 0.7rem; border: 1px solid var(--line); border-radius: 6px; background: var(--card); color: var(--fg); cursor: pointer; }
.filters button:hover { background: var(--hover); }
.filter-status { font-weight: 600; margin: 0.25rem 0 0.6rem; }
.conv-list td.sev { width: 6rem; }
.conv-list td.mono { font-family: var(--mono); font-size: 0.82rem; }
.conv-list td.ep { font-family: var(--mono); font-size: 0.85rem; white-space: nowrap; }
.conv { background: var(--card); border: 1px solid var(--line); border-left: 5px solid var(--none); border-radius: 8px; margin-bottom: 1rem; }
.conv.sev-error { border-left-color: var(--error); }
.conv.sev-warning { border-left-color: var(--warning); }
.conv.sev-info { border-left-color: var(--info); }
.conv > details > summary { list-style: none; cursor: pointer; padding: 0.75rem 1rem; border-radius: 8px; }
.conv > details > summary::-webkit-details-marker { display: none; }
.conv > details > summary::before { content: "\\25B8"; display: inline-block; width: 1.1rem; color: var(--muted); transition: transform 0.1s; }
.conv > details[open] > summary::before { transform: rotate(90deg); }
.conv > details > summary h3 { display: inline; font-size: 1rem; font-weight: 600; }
.conv > details > summary h3 .ep { font-family: var(--mono); font-size: 0.9rem; font-weight: 500; }
.conv > details > summary .outcome { color: var(--muted); font-weight: 500; margin-left: 0.5rem; }
.conv > details > summary .outcome.bad { color: var(--error); }
.conv > details > summary .outcome.ok { color: var(--ok); }
.conv-inner { padding: 0 1rem 1rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; margin: 0 0 0.9rem; font-size: 0.9rem; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
dl.facts ul { margin: 0; padding-left: 1.1rem; }
.secret { background: var(--secret-bg); color: var(--secret-fg); border-radius: 3px; padding: 0 0.2rem; }
.conv-body { display: grid; grid-template-columns: minmax(0, 1fr) minmax(18rem, 27rem); gap: 1rem; align-items: start; }
@media (max-width: 1000px) { .conv-body { grid-template-columns: minmax(0, 1fr); } }
.transcript-wrap { overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; }
table.transcript { border-collapse: collapse; width: 100%; font-size: 0.84rem; }
table.transcript thead th { position: sticky; top: 0; background: var(--thead); color: var(--muted); font-weight: 600; font-size: 0.75rem; text-transform: uppercase; letter-spacing: 0.04em; padding: 0.35rem 0.5rem; text-align: left; border-bottom: 1px solid var(--line); z-index: 1; }
table.transcript td { padding: 0 0.5rem; vertical-align: top; }
table.transcript td.t, table.transcript td.fr { font-family: var(--mono); color: var(--muted); white-space: nowrap; text-align: right; padding-top: 0.3rem; font-variant-numeric: tabular-nums; }
table.transcript td.fr a { color: inherit; text-decoration: none; }
table.transcript td.fr a:hover { text-decoration: underline; }
table.transcript td.ln { font-family: var(--mono); white-space: pre-wrap; overflow-wrap: anywhere; padding-top: 0.3rem; padding-bottom: 0.3rem; width: 100%; }
table.transcript tr.ev:hover td { background: var(--hover); }
th.lad-h { white-space: nowrap; }
th.lad-h span { display: inline-block; width: 50%; }
th.lad-h span + span { text-align: right; }
td.lad { position: relative; width: 9.5rem; min-width: 9.5rem; padding: 0 !important; }
td.lad::before, td.lad::after { content: ""; position: absolute; top: 0; bottom: 0; width: 2px; background: var(--lifeline); }
td.lad::before { left: 0.9rem; }
td.lad::after { right: 0.9rem; }
tr.pause td.lad::before, tr.pause td.lad::after { background: repeating-linear-gradient(to bottom, var(--lifeline) 0 3px, transparent 3px 6px); }
td.lad .arrow { position: absolute; left: calc(0.9rem + 2px); right: calc(0.9rem + 2px); top: 1.05rem; height: 2px; background: currentColor; }
td.lad .arrow::after { content: ""; position: absolute; top: -4px; border-top: 5px solid transparent; border-bottom: 5px solid transparent; }
tr.c2s td.lad { color: var(--client); }
tr.s2c td.lad { color: var(--server); }
tr.c2s td.lad .arrow::after { right: -1px; border-left: 9px solid currentColor; }
tr.s2c td.lad .arrow::after { left: -1px; border-right: 9px solid currentColor; }
td.lad .lbl { position: absolute; left: 0; right: 0; bottom: 3px; text-align: center; font: 600 0.66rem/1 var(--sans); letter-spacing: 0.02em; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; padding: 0 0.3rem; }
tr.k-gap td.lad .arrow, tr.k-note td.lad .arrow, tr.k-tls td.lad .arrow { background: repeating-linear-gradient(to right, currentColor 0 5px, transparent 5px 9px); }
tr.k-tls td.lad, tr.k-note td.lad { color: var(--muted); }
tr.k-gap td.lad, tr.k-malformed td.lad { color: var(--warning); }
tr.k-tcp td.lad { color: #7d8794; }
tr.k-gap td.ln, tr.k-tls td.ln, tr.k-note td.ln, tr.k-tcp td.ln, tr.k-conn td.ln { color: var(--muted); font-style: italic; }
tr.k-malformed td.ln { color: var(--warning); }
tr.ev.sev-error td { background: var(--error-bg); }
tr.ev.sev-warning td { background: var(--warning-bg); }
tr.ev.sev-info td { background: var(--info-bg); }
tr.ev.sev-error td.lad { color: var(--error); }
tr.ev.sev-warning td.lad { color: var(--warning); }
tr.ev.sev-info td.lad { color: var(--info); }
tr.ev.sev-error td.lad .arrow, tr.ev.sev-warning td.lad .arrow, tr.ev.sev-info td.lad .arrow { height: 3px; }
tr.ev:target td { outline: 2px solid #f0b400; outline-offset: -2px; }
tr.pause td { padding: 0.1rem 0.5rem; }
tr.pause td.ln { color: var(--muted); font: italic 0.78rem var(--sans); }
.side { font-weight: 700; }
tr.c2s .side { color: var(--client); }
tr.s2c .side { color: var(--server); }
.tag { font: 600 0.7rem var(--sans); color: var(--muted); border: 1px solid var(--line); border-radius: 3px; padding: 0 0.25rem; margin-left: 0.4rem; }
a.mark { font: 700 0.75rem var(--sans); text-decoration: none; border-radius: 3px; padding: 0.05rem 0.35rem; margin-left: 0.5rem; white-space: nowrap; }
a.mark.sev-error { color: #fff; background: var(--error); }
a.mark.sev-warning { color: #fff; background: var(--warning); }
a.mark.sev-info { color: #fff; background: var(--info); }
.more-rows { padding: 0.5rem; color: var(--warning); font-size: 0.88rem; }
.findings { position: sticky; top: 0.75rem; max-height: calc(100vh - 1.5rem); overflow-y: auto; }
.findings h4 { font-size: 0.8rem; color: var(--muted); text-transform: uppercase; letter-spacing: 0.05em; margin-bottom: 0.5rem; }
.findings ol { list-style: none; margin: 0; padding: 0; }
.finding { border: 1px solid var(--line); border-left: 4px solid var(--none); border-radius: 6px; padding: 0.6rem 0.8rem; margin-bottom: 0.6rem; background: var(--card); font-size: 0.88rem; }
.finding.sev-error { border-left-color: var(--error); }
.finding.sev-warning { border-left-color: var(--warning); }
.finding.sev-info { border-left-color: var(--info); }
.finding:target { box-shadow: 0 0 0 3px #f0b400; }
.finding p { margin: 0 0 0.35rem; }
.finding .fhead code { font-weight: 600; margin-left: 0.35rem; }
.finding .ftitle { font-weight: 600; }
.finding .where { color: var(--muted); font-size: 0.82rem; }
.finding dl { margin: 0.4rem 0 0; }
.finding dt { font-weight: 700; font-size: 0.75rem; text-transform: uppercase; letter-spacing: 0.05em; color: var(--muted); margin-top: 0.3rem; }
.finding dd { margin: 0; }
.finding .refs { font-size: 0.8rem; color: var(--muted); overflow-wrap: anywhere; }
ol.findings-across { list-style: none; margin: 0; padding: 0; }
.findings-across .finding { margin-bottom: 0.6rem; max-width: 70rem; }
.no-findings { color: var(--muted); font-size: 0.88rem; border: 1px dashed var(--line); border-radius: 6px; padding: 0.6rem 0.8rem; }
.left-out { background: var(--warning-bg); border: 1px solid var(--warning); color: var(--left-out-fg); border-radius: 6px; padding: 0.6rem 1rem; margin: 0.75rem 0; }
footer { color: var(--muted); font-size: 0.8rem; text-align: center; padding: 1rem 2rem 2rem; }
.conv > details > summary .verdict { display: block; margin: 0.2rem 0 0 1.1rem; font-size: 0.88rem; color: var(--muted); }
.conv.sev-error > details > summary .verdict { color: var(--error); }
.conv.sev-warning > details > summary .verdict { color: var(--warning); }
/* Sections off screen are not laid out until scrolled to. */
section.conv { content-visibility: auto; contain-intrinsic-size: auto 3.5rem; }
ul.verdicts { list-style: none; margin: 0; padding: 0; }
ul.verdicts li { background: var(--card); border: 1px solid var(--line); border-left: 5px solid var(--none); border-radius: 6px; padding: 0.5rem 0.9rem; margin-bottom: 0.45rem; }
ul.verdicts li.sev-error { border-left-color: var(--error); }
ul.verdicts li.sev-warning { border-left-color: var(--warning); }
ul.verdicts li.clean { border-left-color: var(--ok); color: var(--ok); }
ul.verdicts .fix { color: var(--muted); }
.finding .times { font: 700 0.8rem var(--sans); color: var(--muted); margin-left: 0.4rem; }
.finding details.also { font-size: 0.82rem; margin: 0.2rem 0 0.35rem; }
.finding details.also summary { cursor: pointer; color: var(--muted); }
.finding details.also ul { margin: 0.2rem 0 0; padding-left: 1.1rem; }
.table-wrap { overflow-x: auto; max-width: 100%; }
#logins h3 { font-size: 0.95rem; margin: 0.6rem 0 0.4rem; }
#logins details.ok-logins > summary { cursor: pointer; }
#logins details.ok-logins > summary h3 { display: inline; }
table.grid td { overflow-wrap: break-word; }
/* Phones: narrower margins, tables become one block per row. */
@media (max-width: 700px) {
  .top, .secrets-banner { padding: 0.8rem 0.75rem; }
  main { padding: 0.75rem 0.5rem 1.5rem; }
  .panel { padding: 0.6rem; }
  .conv-inner { padding: 0 0.5rem 0.75rem; }
  dl.facts { grid-template-columns: minmax(0, 1fr); }
  dl.facts dd { margin-bottom: 0.3rem; }
  table.grid, table.grid tbody, table.grid tr, table.grid td { display: block; width: 100%; }
  table.grid thead { display: none; }
  table.grid tr { border-bottom: 1px solid var(--line); padding: 0.3rem 0; }
  table.grid td { border: 0; padding: 0.1rem 0.3rem; }
  .conv-list td.ep { white-space: normal; }
  .filters label { white-space: normal; }
  td.lad { width: 5rem; min-width: 5rem; }
}
@media print {
  .filters, .filter-status { display: none; }
  .findings { position: static; max-height: none; }
  .conv { break-inside: avoid-page; }
}
`;

/**
 * Client-side filters: reads the conversation index (a JSON data block, see html.ts) and hides the
 * list rows and detail sections that do not match the chosen severities, protocols and search text.
 * Works on ids only; it never inserts markup, so captured text never reaches an HTML parser here.
 */
export const HTML_JS = `
(function () {
  'use strict';
  var dataEl = document.getElementById('mw-index');
  var form = document.getElementById('mw-filters');
  if (!dataEl || !form) return;
  var index = JSON.parse(dataEl.textContent || '{"conversations":[]}');
  var status = document.getElementById('mw-filter-status');
  var convs = index.conversations;
  function checked(name) {
    var set = {};
    var boxes = form.querySelectorAll('input[name="' + name + '"]');
    for (var i = 0; i < boxes.length; i++) if (boxes[i].checked) set[boxes[i].value] = true;
    return set;
  }
  function apply() {
    var sev = checked('severity');
    var proto = checked('protocol');
    var q = (form.elements.namedItem('q').value || '').trim().toLowerCase();
    var shown = 0;
    for (var i = 0; i < convs.length; i++) {
      var c = convs[i];
      var ok = !!sev[c.severity] && !!proto[c.protocol] && (q === '' || c.text.indexOf(q) !== -1);
      var row = document.getElementById('row-c' + c.id);
      var sec = document.getElementById('c' + c.id);
      if (row) row.hidden = !ok;
      if (sec) sec.hidden = !ok;
      if (ok) shown++;
    }
    if (status) status.textContent = 'Showing ' + shown + ' of ' + convs.length + ' conversations';
  }
  // A collapsed conversation carries its details in a <template> (markup written and escaped by
  // mailwire, inert until used): opening it moves that markup into place.
  function fill(d) {
    var t = d.querySelector(':scope > template.lazy');
    if (t) d.replaceChild(t.content, t);
  }
  document.addEventListener('toggle', function (ev) {
    var d = ev.target;
    if (d && d.open && d.parentNode && d.parentNode.classList && d.parentNode.classList.contains('conv')) fill(d);
  }, true);
  function setOpen(open) {
    var all = document.querySelectorAll('section.conv > details');
    for (var i = 0; i < all.length; i++) {
      if (open) fill(all[i]);
      all[i].open = open;
    }
  }
  form.addEventListener('input', apply);
  form.addEventListener('change', apply);
  form.addEventListener('submit', function (e) { e.preventDefault(); apply(); });
  form.addEventListener('reset', function () { setTimeout(apply, 0); });
  var expand = document.getElementById('mw-expand');
  var collapse = document.getElementById('mw-collapse');
  if (expand) expand.addEventListener('click', function () { setOpen(true); });
  if (collapse) collapse.addEventListener('click', function () { setOpen(false); });
  // A link to a row or finding inside a closed conversation opens it first.
  function reveal() {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id ? document.getElementById(id) : null;
    // An anchor inside a conversation not yet opened (#c9-e3): fill that conversation, then look again.
    var m = !el && /^c(\\d+)-/.exec(id);
    var owner = m ? document.getElementById('c' + m[1]) : null;
    if (owner) {
      fill(owner.querySelector('details'));
      el = document.getElementById(id);
    }
    if (!el) return;
    var sec = el.closest ? el.closest('section.conv') : null;
    if (sec) {
      sec.hidden = false;
      var d = sec.querySelector('details');
      if (d && !d.open) { d.open = true; el.scrollIntoView(); }
    }
  }
  window.addEventListener('hashchange', reveal);
  var controls = document.querySelectorAll('.needs-js');
  for (var i = 0; i < controls.length; i++) controls[i].hidden = false;
  apply();
  reveal();
})();
`;
