import { translator, type Lang, type MessageKey } from './i18n';
import { esc, layout } from './layout';

/** The error pages of the catalogue: each has `error.<name>.title` and `error.<name>.message`. */
export type PageError = { [K in MessageKey]: K extends `error.${infer E}.title` ? (`error.${E}.message` extends MessageKey ? E : never) : never }[MessageKey];

/** A dead end the user cannot fix by retrying the form (unknown client, bad redirect, expired request). */
export function errorPage(lang: Lang, error: PageError): string {
  const t = translator(lang);
  const title = t.text(`error.${error}.title`);
  return layout(title, `<h1>${esc(title)}</h1>
<p class="banner error" role="alert">${t.html(`error.${error}.message`)}</p>
<p class="muted">${t.html('error.startAgain')}</p>`, lang);
}
