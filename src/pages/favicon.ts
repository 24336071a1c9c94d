/**
 * The pages' icon, inline (a data: URI), so that no page makes the browser ask for a /favicon.ico that
 * does not exist. The pages' CSP allows `img-src data:`.
 */
const SVG =
  "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'>" +
  "<rect width='32' height='32' rx='7' fill='#2d5bd7'/>" +
  "<circle cx='11' cy='16' r='5' fill='none' stroke='#fff' stroke-width='3'/>" +
  "<path d='M16 16h11M23 16v5M27 16v4' fill='none' stroke='#fff' stroke-width='3'/>" +
  '</svg>';

export const FAVICON_LINK = `<link rel="icon" type="image/svg+xml" href="data:image/svg+xml,${encodeURIComponent(SVG)}">`;
