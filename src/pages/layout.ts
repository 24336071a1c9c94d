import { createHash } from 'node:crypto';
import { esc } from './escape';
import { FAVICON_LINK } from './favicon';
import type { Lang } from './i18n';

export { esc };

/** Hidden inputs for the values a form carries through (only the defined ones). */
export function hidden(fields: Record<string, string | undefined | null>): string {
  return Object.entries(fields)
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
    .join('\n');
}

export type Banner = { kind: 'error' | 'info' | 'success'; text: string };

export const banner = (b?: Banner) => (b ? `<p class="banner ${b.kind}" role="${b.kind === 'error' ? 'alert' : 'status'}">${esc(b.text)}</p>` : '');

const CSS = `
*{box-sizing:border-box}
body{margin:0;padding:0 1rem;font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;background:#f4f5f7;color:#1d2330}
main{max-width:26rem;margin:4rem auto;padding:2rem;background:#fff;border-radius:.75rem;box-shadow:0 1px 4px rgba(0,0,0,.08);overflow-wrap:anywhere}
@media (max-width:30rem){main{margin:1.5rem auto;padding:1.5rem 1.25rem}}
h1{font-size:1.4rem;margin:0 0 1rem}
h2{font-size:1.1rem;margin:1.75rem 0 .5rem}
label{display:block;margin:.75rem 0 .25rem;font-weight:600}
input[type=email],input[type=password],input[type=text]{width:100%;padding:.6rem;border:1px solid #c5cad3;border-radius:.4rem;font:inherit}
button,a.button{display:inline-block;margin-top:1rem;padding:.6rem 1.2rem;border:0;border-radius:.4rem;background:#2d5bd7;color:#fff;font:inherit;text-decoration:none;cursor:pointer}
button.secondary,a.button.secondary{background:#e4e7ec;color:#1d2330}
.actions{display:flex;flex-wrap:wrap;gap:0 .75rem}
.hint{display:block;margin-top:.25rem}
dl.facts{display:grid;grid-template-columns:auto 1fr;gap:.25rem 1rem;margin:0}
dl.facts dt{font-weight:600}dl.facts dd{margin:0;min-width:0}
ul.sessions{list-style:none;padding:0;margin:0}
li.session{padding:.75rem 0;border-top:1px solid #e4e7ec}
li.session p{margin:0}
li.session button{margin-top:.5rem;padding:.35rem .9rem}
.tag{display:inline-block;margin-left:.5rem;padding:0 .5rem;border-radius:1rem;background:#e6f4ea;color:#1e5b2f;font-size:.85rem}
.banner{padding:.6rem .8rem;border-radius:.4rem}
.error{background:#fdecea;color:#8a1c13}.info{background:#e8f0fe;color:#1a3d8f}.success{background:#e6f4ea;color:#1e5b2f}
.code{font:600 1.4rem ui-monospace,monospace;letter-spacing:.15em}
ul.scopes{padding-left:1.2rem}
ul.choices{list-style:none;padding:0;margin:0}
ul.choices button{width:100%;text-align:left}
small,.muted{color:#5b6472}
`;

/** Pages carry no script at all; the one inline stylesheet is allowed by its hash. */
const STYLE_HASH = createHash('sha256').update(CSS).digest('base64');
export const PAGE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${STYLE_HASH}'`,
  "img-src 'self' data:",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers of every hosted page (and of redirects answered by them). */
export const PAGE_HEADERS: Record<string, string> = {
  'Content-Security-Policy': PAGE_CSP,
  'Cache-Control': 'no-store',
  'X-Frame-Options': 'DENY',
  // Not no-referrer: with it, browsers send `Origin: null` on form posts, which the CSRF checks refuse.
  'Referrer-Policy': 'same-origin',
};

/** A hosted page in the language its words come from (`<html lang>`). */
export function layout(title: string, body: string, lang: Lang): string {
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · Keyhaven</title>
${FAVICON_LINK}
<style>${CSS}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>`;
}
