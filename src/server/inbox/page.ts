/** The web inbox shell: the stylesheet, the favicon and the script; `public/app.js` renders the rest. */
export const INBOX_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="theme-color" content="#2457d6">
<title>Heed inbox</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/inbox/inbox.css">
</head>
<body><header><h1><a href="#/"><img src="/favicon.svg" alt="">Heed</a></h1><div id="who" class="muted"></div></header>
<main id="view"><p class="muted">Loading…</p></main>
<script type="module" src="/inbox/app.js"></script></body></html>`;

/** The favicon: a speech bubble with a check mark, in the inbox's accent colour. */
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
<path fill="#2457d6" d="M6 3h20a4 4 0 0 1 4 4v13a4 4 0 0 1-4 4H14l-7 6v-6H6a4 4 0 0 1-4-4V7a4 4 0 0 1 4-4z"/>
<path fill="none" stroke="#fff" stroke-width="3" stroke-linecap="round" stroke-linejoin="round" d="M10 13.5l4 4 8-8"/>
</svg>`;
