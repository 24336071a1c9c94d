import { translator, type Lang } from './i18n';
import { banner, esc, hidden, layout, type Banner } from './layout';

export interface OrganizationChooserInput {
  lang: Lang;
  csrf: string;
  req: string;
  clientName: string;
  userEmail: string;
  organizations: { code: string; name: string }[];
  banner?: Banner;
}

/** The organization chooser of a user in several organizations: one button per organization. */
export function organizationChooserPage(p: OrganizationChooserInput): string {
  const t = translator(p.lang);
  const choices = p.organizations
    .map((o) => `<li><button type="submit" name="org_code" value="${esc(o.code)}" class="secondary">${esc(o.name)}</button></li>`)
    .join('\n');
  return layout(
    t.text('org.title'),
    `<h1>${t.html('org.title')}</h1>
<p class="muted">${t.html('approval.signedInAs', { email: p.userEmail })}</p>
<p>${t.html('org.intro', { client: p.clientName })}</p>
${banner(p.banner)}
<form method="post" action="/organizations/select">
${hidden({ csrf_token: p.csrf, req: p.req })}
<ul class="choices">
${choices}
</ul>
</form>`,
    p.lang,
  );
}
