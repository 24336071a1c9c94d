import { esc, hidden, layout } from './layout';

export interface ScopeLine {
  scope: string;
  description: string;
}

export const scopeList = (scopes: ScopeLine[]) =>
  `<ul class="scopes">${scopes.map((s) => `<li>${esc(s.description)} <small>(${esc(s.scope)})</small></li>`).join('')}</ul>`;

/** What a client asks for and the Approve / Deny form, shared by the consent and device pages. */
export const approvalForm = (p: { clientName: string; userEmail: string; scopes: ScopeLine[]; action: string; field: string; fields: Record<string, string> }) =>
  `<p class="muted">Signed in as ${esc(p.userEmail)}</p>
<p>${esc(p.clientName)} will be able to:</p>
${scopeList(p.scopes)}
<form method="post" action="${esc(p.action)}">
${hidden(p.fields)}
<div class="actions">
<button type="submit" name="${esc(p.field)}" value="approve">Approve</button>
<button type="submit" name="${esc(p.field)}" value="deny" class="secondary">Deny</button>
</div>
</form>`;

export interface ConsentPageInput {
  csrf: string;
  req: string;
  clientName: string;
  userEmail: string;
  scopes: ScopeLine[];
  lang?: string;
}

export function consentPage(p: ConsentPageInput): string {
  return layout(
    'Allow access',
    `<h1>${esc(p.clientName)} wants to access your account</h1>
${approvalForm({ ...p, action: '/consent', field: 'decision', fields: { csrf_token: p.csrf, req: p.req } })}`,
    p.lang,
  );
}
