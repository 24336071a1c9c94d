import { translator, type Lang } from './i18n';
import { hidden, layout } from './layout';

export interface LogoutConfirmInput {
  lang: Lang;
  csrf: string;
  userEmail?: string;
  clientName?: string;
  /** The original request's parameters, submitted again with the confirmation. */
  fields: Record<string, string | undefined>;
}

export function logoutConfirmPage(p: LogoutConfirmInput): string {
  const t = translator(p.lang);
  const vars = { client: p.clientName ?? '', email: p.userEmail ?? '' };
  const question = p.clientName
    ? t.html(p.userEmail ? 'logout.questionFromAs' : 'logout.questionFrom', vars)
    : t.html(p.userEmail ? 'logout.questionAs' : 'logout.question', vars);
  return layout(
    t.text('common.signOut'),
    `<h1>${t.html('logout.heading')}</h1>
<p>${question}</p>
<form method="post" action="/logout">
${hidden({ csrf_token: p.csrf, ...p.fields })}
<button type="submit">${t.html('common.signOut')}</button>
</form>`,
    p.lang,
  );
}

export function signedOutPage(lang: Lang): string {
  const t = translator(lang);
  return layout(
    t.text('logout.doneTitle'),
    `<h1>${t.html('logout.doneTitle')}</h1><p class="banner success" role="status">${t.html('logout.done')}</p><p><a href="/login">${t.html('logout.signInAgain')}</a></p>`,
    lang,
  );
}
