import type { AccountOverview } from '../services/accountOverview';
import type { SessionSummary } from '../services/sessions';
import { raw, translator, type Lang, type Translator } from './i18n';
import { banner, esc, hidden, layout, type Banner } from './layout';

export interface AccountPageInput {
  lang: Lang;
  /** A language chosen with `?lang=`, carried by the sessions form. */
  carryLang?: Lang;
  account: AccountOverview;
  /** CSRF tokens of the sign-out and sessions forms. */
  csrf: { logout: string; sessions: string };
  banner?: Banner;
}

/** Epoch milliseconds as `2026-04-23 14:05 UTC` (the page has no script to localise it). */
const when = (ms: number) => {
  const iso = new Date(ms).toISOString();
  return raw(`<time datetime="${iso}">${iso.slice(0, 16).replace('T', ' ')} UTC</time>`);
};

function sessionItem(t: Translator, s: SessionSummary): string {
  const kind = t.html(s.kind === 'browser' ? 'account.browserSession' : 'account.appSession');
  const mark = s.current ? ` <span class="tag">${t.html('account.thisSession')}</span>` : '';
  const end = s.current ? '' : `<button type="submit" name="end" value="${esc(s.id)}" class="secondary">${t.html('account.endSession')}</button>`;
  const times = s.ip
    ? t.html('account.sessionTimesFrom', { created: when(s.createdAt), seen: when(s.lastSeenAt), ip: s.ip })
    : t.html('account.sessionTimes', { created: when(s.createdAt), seen: when(s.lastSeenAt) });
  return `<li class="session">
<p><strong>${kind}</strong>${mark}</p>
<p><small>${s.userAgent ? esc(s.userAgent) : t.html('account.unknownDevice')}</small></p>
<p class="muted">${times}</p>
${end}
</li>`;
}

/** The account page: who is signed in, sign out, two-step verification and sessions. */
export function accountPage(p: AccountPageInput): string {
  const t = translator(p.lang);
  const a = p.account;
  const others = a.sessions.some((s) => !s.current) || a.totalSessions > a.sessions.length;
  const status = (on: boolean) => raw(`<strong id="mfa-status">${t.html(on ? 'account.on' : 'account.off')}</strong>`);
  const mfa = a.mfa.enabled
    ? `<p>${t.html('account.authenticatorApp', { status: status(true) })}</p>
<p id="backup-codes-left">${t.plural('account.backupCodesLeft', a.mfa.backupCodesLeft)}</p>`
    : `<p>${t.html('account.authenticatorApp', { status: status(false) })}</p>
<p class="muted">${t.html('account.mfaSetup', { api: raw(`<a href="/docs#/mfa">${t.html('account.mfaApi')}</a>`) })}</p>`;
  const more = a.totalSessions > a.sessions.length ? `<p class="muted">${t.html('account.more', { count: a.totalSessions - a.sessions.length })}</p>` : '';
  return layout(
    t.text('common.yourAccount'),
    `<h1>${t.html('common.yourAccount')}</h1>
${banner(p.banner)}
<dl class="facts">
<dt>${t.html('common.email')}</dt><dd id="account-email">${esc(a.email ?? '—')}</dd>
<dt>${t.html('account.name')}</dt><dd id="account-name">${esc(a.fullName || '—')}</dd>
</dl>
<form method="post" action="/logout">
${hidden({ csrf_token: p.csrf.logout })}
<button type="submit" class="secondary">${t.html('common.signOut')}</button>
</form>
<h2>${t.html('account.mfaHeading')}</h2>
${mfa}
<h2>${t.html('account.sessionsHeading')}</h2>
<p class="muted">${t.html('account.sessionsIntro')}</p>
<form method="post" action="/account/sessions">
${hidden({ csrf_token: p.csrf.sessions, lang: p.carryLang })}
<ul class="sessions">
${a.sessions.map((s) => sessionItem(t, s)).join('\n')}
</ul>
${more}
${others ? `<button type="submit" name="end" value="others">${t.html('account.endOthers')}</button>` : ''}
</form>`,
    p.lang,
  );
}
