/**
 * The inbox's stylesheet, served at `/inbox.css` (a file, not inline: the pages' CSP allows this
 * origin's styles). Phone first: nothing is wider than the screen at 390 px; wide tables scroll
 * inside their card.
 */
export const INBOX_CSS = `
:root{--fg:#1d2330;--muted:#5d6679;--line:#e3e6ec;--bg:#f5f6f8;--card:#fff;--accent:#2457d6;--accent-soft:#eef3ff;
--ok:#157f3b;--ok-soft:#ecfdf3;--bad:#b42318;--bad-soft:#fef3f2;--warn:#9a4a06;--warn-soft:#fff7e6;--radius:12px}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--accent)}
header{display:flex;flex-wrap:wrap;gap:6px 16px;align-items:center;justify-content:space-between;padding:10px 16px;background:var(--card);border-bottom:1px solid var(--line);position:sticky;top:0;z-index:2}
header h1{font-size:1.05rem;margin:0;display:flex;align-items:center;gap:8px} header h1 a{color:inherit;text-decoration:none}
header h1 img{width:22px;height:22px}
#who{font-size:.9rem;color:var(--muted)} #who a{color:var(--fg)}
main{max-width:860px;margin:0 auto;padding:16px}
.card{background:var(--card);border:1px solid var(--line);border-radius:var(--radius);padding:16px;margin-bottom:10px;min-width:0}
a.card{display:block;color:inherit;text-decoration:none} a.card:hover,a.card:focus-visible{border-color:var(--accent);outline:none}
.row{display:flex;flex-wrap:wrap;gap:6px 10px;align-items:center} .between{justify-content:space-between}
.title{font-size:1.02rem;overflow-wrap:anywhere}
.agent-waits{margin:8px 0 4px} .agent-tasks{margin:4px 0 0;padding-left:20px} .agent-tasks li{margin:4px 0;overflow-wrap:anywhere}
.chip{font-size:.78rem;padding:2px 9px;border-radius:999px;background:var(--accent-soft);color:#2a44a8;white-space:nowrap}
.badge{font-size:.8rem;padding:2px 9px;border-radius:999px;background:var(--accent-soft);color:#2a44a8}
.badge.succeeded{background:var(--ok-soft);color:var(--ok)} .badge.failed,.badge.cancelled{background:var(--bad-soft);color:var(--bad)}
.badge.waiting,.badge.pending{background:var(--warn-soft);color:var(--warn)}
.standing{font-size:.92rem;font-weight:600} .standing.pending{color:var(--warn)} .standing.resolved{color:var(--ok)}
.standing.expired,.standing.cancelled{color:var(--bad)}
.muted{color:var(--muted)} .small{font-size:.85rem}
h2{font-size:1.25rem;line-height:1.3;margin:.5rem 0 .3rem;overflow-wrap:anywhere} h3{font-size:1rem;margin:1.2rem 0 .4rem}
.md{overflow-wrap:anywhere} .md img{max-width:100%}
pre{background:#f1f3f6;padding:10px;border-radius:8px;overflow:auto;font-size:.85rem;max-width:100%}
code{font-size:.88em;background:#f1f3f6;padding:1px 5px;border-radius:5px;overflow-wrap:anywhere}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.tabs{display:flex;gap:4px;background:#e9ecf2;padding:4px;border-radius:10px;margin-bottom:12px;overflow-x:auto}
.tab{flex:1;text-align:center;padding:8px 10px;border-radius:8px;color:var(--fg);text-decoration:none;white-space:nowrap;font-weight:500;font-size:.95rem}
.tab.active{background:var(--card);box-shadow:0 1px 2px #0002}
.count:not(:empty){display:inline-block;min-width:1.4em;padding:0 6px;margin-left:4px;border-radius:999px;background:var(--accent);color:#fff;font-size:.75rem;line-height:1.4em}
.filters{display:flex;flex-wrap:wrap;gap:8px;margin-bottom:12px} .filters .search{flex:1 1 220px} .filters .filter{flex:0 1 auto}
.empty{padding:24px 8px;text-align:center}
label{display:block;margin:12px 0 4px;font-weight:600}
.filters label{margin:0}
input,select,textarea{width:100%;font:inherit;padding:9px 11px;border:1px solid #cfd4dc;border-radius:8px;background:#fff;color:inherit;min-width:0}
input[type=checkbox]{width:auto}
textarea#args,textarea#field-json{font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,monospace}
input:focus,select:focus,textarea:focus{outline:2px solid var(--accent);outline-offset:0;border-color:var(--accent)}
.field-error{color:var(--bad);font-size:.85rem;min-height:1em}
.invalid{border-color:var(--bad)}
.actions{display:flex;flex-wrap:wrap;gap:8px;margin-top:14px}
button{font:inherit;padding:10px 18px;border-radius:8px;border:1px solid #cfd4dc;background:#fff;cursor:pointer;color:inherit}
button.primary{background:var(--accent);color:#fff;border-color:var(--accent)}
button.danger{color:var(--bad);border-color:#f1b8b2}
button:disabled{opacity:.6;cursor:progress}
.error{color:var(--bad);margin-top:8px} .error:empty{display:none} .success{color:var(--ok)}
.back{margin:0 0 8px}
.tool{margin:.2rem 0 .4rem}
dl.fields{margin:0;border:1px solid var(--line);border-radius:8px;overflow:hidden}
dl.fields>div{display:grid;grid-template-columns:minmax(90px,35%) 1fr;gap:8px;padding:7px 10px;border-top:1px solid var(--line)}
dl.fields>div:first-child{border-top:0} dt{color:var(--muted)} dd{margin:0;overflow-wrap:anywhere;font-weight:500}
.decision{border-radius:10px;padding:12px 14px;margin:14px 0;background:var(--accent-soft)}
.decision.good{background:var(--ok-soft)} .decision.good strong{color:var(--ok)}
.decision.bad{background:var(--bad-soft)} .decision.bad strong{color:var(--bad)}
blockquote{margin:8px 0 0;padding-left:10px;border-left:3px solid #0002}
table{width:100%;border-collapse:collapse;font-size:.9rem;display:block;overflow-x:auto}
table.diff{display:table;table-layout:fixed} td,th{border-bottom:1px solid var(--line);padding:6px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
table.diff th:first-child{width:30%}
del{color:var(--bad)} ins{color:var(--ok);text-decoration:none;font-weight:600}
ol.history{list-style:none;margin:0;padding:0;border-left:2px solid var(--line)}
ol.history li{position:relative;padding:4px 0 8px 14px;overflow-wrap:anywhere}
ol.history li::before{content:"";position:absolute;left:-6px;top:11px;width:10px;height:10px;border-radius:50%;background:var(--card);border:2px solid #aab2c0}
ol.history time{white-space:nowrap}
@media (max-width:600px){main{padding:10px} .card{padding:14px} .actions button{flex:1 1 40%} .tab{font-size:.88rem;padding:8px 6px}
header{padding:8px 12px} #who{width:100%}}
`;
