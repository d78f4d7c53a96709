import { escapeHtml } from '../text/escape-html.ts';

export { escapeHtml };

/** A small standalone page (one-click links), readable on a phone. */
export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} · Heed</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<style>
*{box-sizing:border-box}
body{font:16px/1.5 system-ui,sans-serif;margin:0;padding:16px;background:#f6f7f9;color:#1d2330}
main{max-width:560px;margin:6vh auto;background:#fff;padding:24px;border-radius:12px;box-shadow:0 1px 4px #0002;overflow-wrap:anywhere}
@media (max-width:600px){body{padding:12px} main{margin:0 auto;padding:18px}}
h1{font-size:1.3rem;margin-top:0} .muted{color:#667} .error{color:#b00020} .success{color:#157f3b}
button{font:inherit;padding:10px 18px;border-radius:8px;border:0;background:#2457d6;color:#fff;cursor:pointer}
button.danger{background:#b42318}
.md img{max-width:100%} code{background:#f1f3f6;padding:1px 5px;border-radius:5px}
textarea{width:100%;box-sizing:border-box;font:inherit;margin:8px 0}
pre{background:#f1f3f6;padding:8px;border-radius:6px;overflow:auto}
</style></head><body><main>${body}</main></body></html>`;
}
