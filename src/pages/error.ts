import { esc, layout } from './layout';

/** A dead end the user cannot fix by retrying the form (unknown client, bad redirect, expired request). */
export function errorPage(title: string, message: string): string {
  return layout(title, `<h1>${esc(title)}</h1>
<p class="banner error" role="alert">${esc(message)}</p>
<p class="muted">Return to the application and start again.</p>`);
}
