/** The web inbox shell: styles and the script; everything else is rendered by `inbox-script.ts`. */
export const INBOX_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Heed inbox</title>
<style>
:root{--fg:#1d2330;--muted:#667085;--line:#e4e7ec;--bg:#f6f7f9;--accent:#2457d6;--ok:#157f3b;--bad:#b42318;--warn:#b54708}
*{box-sizing:border-box} body{margin:0;font:15px/1.5 system-ui,-apple-system,Segoe UI,sans-serif;color:var(--fg);background:var(--bg)}
header{display:flex;gap:12px;align-items:center;justify-content:space-between;padding:12px 16px;background:#fff;border-bottom:1px solid var(--line);position:sticky;top:0}
header h1{font-size:1.1rem;margin:0} header a{color:inherit;text-decoration:none}
main{max-width:860px;margin:0 auto;padding:16px}
.card{background:#fff;border:1px solid var(--line);border-radius:10px;padding:14px 16px;margin-bottom:10px}
a.card{display:block;color:inherit;text-decoration:none} a.card:hover{border-color:var(--accent)}
.row{display:flex;flex-wrap:wrap;gap:8px;align-items:center}
.badge{font-size:.75rem;padding:2px 8px;border-radius:999px;background:#eef2ff;color:#3538cd;white-space:nowrap}
.badge.pending{background:#fffaeb;color:var(--warn)} .badge.resolved,.badge.succeeded{background:#ecfdf3;color:var(--ok)}
.badge.expired,.badge.failed,.badge.cancelled{background:#fef3f2;color:var(--bad)}
.muted{color:var(--muted);font-size:.9rem} h2{font-size:1.2rem;margin:.2rem 0 .6rem}
pre{background:#f1f3f6;padding:10px;border-radius:8px;overflow:auto;font-size:.85rem}
label{display:block;margin:10px 0 4px;font-weight:600}
input,select,textarea{width:100%;font:inherit;padding:8px 10px;border:1px solid var(--line);border-radius:8px;background:#fff}
input[type=checkbox]{width:auto}
.field-error{color:var(--bad);font-size:.85rem;min-height:1em}
.invalid{border-color:var(--bad)}
.actions{display:flex;flex-wrap:wrap;gap:8px;margin-top:14px}
button{font:inherit;padding:10px 16px;border-radius:8px;border:1px solid var(--line);background:#fff;cursor:pointer}
button.primary{background:var(--accent);color:#fff;border-color:var(--accent)}
button.danger{color:var(--bad)}
.error{color:var(--bad);margin-top:8px} .success{color:var(--ok)}
table{width:100%;border-collapse:collapse;font-size:.9rem} td,th{border-bottom:1px solid var(--line);padding:6px 4px;text-align:left;vertical-align:top}
del{color:var(--bad)} ins{color:var(--ok);text-decoration:none}
@media (max-width:600px){main{padding:10px} header{flex-wrap:wrap} .actions button{flex:1}}
</style></head>
<body><header><h1><a href="#/">Heed inbox</a></h1><div id="who" class="muted"></div></header>
<main id="view"><p class="muted">Loading…</p></main>
<script type="module" src="/inbox.js"></script></body></html>`;
