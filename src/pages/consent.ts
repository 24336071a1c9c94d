import { translator, type Lang } from './i18n';
import { esc, hidden, layout } from './layout';

/** A scope the page shows: its words from the catalogue (`scope.<name>`), else the scope itself. */
const scopeWords = (lang: Lang, scope: string) => {
  const key = `scope.${scope}`;
  const t = translator(lang);
  return t.has(key) ? t.html(key) : esc(scope);
};

export const scopeList = (lang: Lang, scopes: string[]) =>
  `<ul class="scopes">${scopes.map((s) => `<li>${scopeWords(lang, s)} <small>(${esc(s)})</small></li>`).join('')}</ul>`;

/** What a client asks for and the Approve / Deny form, shared by the consent and device pages. */
export const approvalForm = (p: { lang: Lang; clientName: string; userEmail: string; scopes: string[]; action: string; field: string; fields: Record<string, string | undefined> }) => {
  const t = translator(p.lang);
  return `<p class="muted">${t.html('approval.signedInAs', { email: p.userEmail })}</p>
<p>${t.html('approval.willBeAbleTo', { client: p.clientName })}</p>
${scopeList(p.lang, p.scopes)}
<form method="post" action="${esc(p.action)}">
${hidden(p.fields)}
<div class="actions">
<button type="submit" name="${esc(p.field)}" value="approve">${t.html('approval.approve')}</button>
<button type="submit" name="${esc(p.field)}" value="deny" class="secondary">${t.html('approval.deny')}</button>
</div>
</form>`;
};

export interface ConsentPageInput {
  lang: Lang;
  csrf: string;
  req: string;
  clientName: string;
  userEmail: string;
  /** The scopes asked for. */
  scopes: string[];
}

export function consentPage(p: ConsentPageInput): string {
  const t = translator(p.lang);
  return layout(
    t.text('consent.title'),
    `<h1>${t.html('consent.heading', { client: p.clientName })}</h1>
${approvalForm({ ...p, action: '/consent', field: 'decision', fields: { csrf_token: p.csrf, req: p.req } })}`,
    p.lang,
  );
}
