import type { AccountOverview } from '../services/accountOverview';
import type { SessionSummary } from '../services/sessions';
import { banner, esc, hidden, layout, type Banner } from './layout';

export interface AccountPageInput {
  account: AccountOverview;
  /** CSRF tokens of the sign-out and sessions forms. */
  csrf: { logout: string; sessions: string };
  banner?: Banner;
}

/** Epoch milliseconds as `2026-04-23 14:05 UTC` (the page has no script to localise it). */
const when = (ms: number) => {
  const iso = new Date(ms).toISOString();
  return `<time datetime="${iso}">${iso.slice(0, 16).replace('T', ' ')} UTC</time>`;
};

function sessionItem(s: SessionSummary): string {
  const kind = s.kind === 'browser' ? 'Browser session' : 'App session';
  const mark = s.current ? ' <span class="tag">This session</span>' : '';
  const end = s.current ? '' : `<button type="submit" name="end" value="${esc(s.id)}" class="secondary">End session</button>`;
  return `<li class="session">
<p><strong>${kind}</strong>${mark}</p>
<p><small>${esc(s.userAgent ?? 'Unknown device')}</small></p>
<p class="muted">Signed in ${when(s.createdAt)} · Last active ${when(s.lastSeenAt)}${s.ip ? ` · from ${esc(s.ip)}` : ''}</p>
${end}
</li>`;
}

/** The account page: who is signed in, sign out, two-step verification and sessions. */
export function accountPage(p: AccountPageInput): string {
  const a = p.account;
  const others = a.sessions.some((s) => !s.current) || a.totalSessions > a.sessions.length;
  const mfa = a.mfa.enabled
    ? `<p>Authenticator app: <strong id="mfa-status">On</strong></p>
<p id="backup-codes-left">${a.mfa.backupCodesLeft === 1 ? '1 backup code left' : `${a.mfa.backupCodesLeft} backup codes left`}</p>`
    : `<p>Authenticator app: <strong id="mfa-status">Off</strong></p>
<p class="muted">Two-step verification is set up through the <a href="/docs#/mfa">MFA API</a>.</p>`;
  const more = a.totalSessions > a.sessions.length ? `<p class="muted">And ${a.totalSessions - a.sessions.length} more, used less recently.</p>` : '';
  return layout(
    'Your account',
    `<h1>Your account</h1>
${banner(p.banner)}
<dl class="facts">
<dt>Email</dt><dd id="account-email">${esc(a.email ?? '—')}</dd>
<dt>Name</dt><dd id="account-name">${esc(a.fullName || '—')}</dd>
</dl>
<form method="post" action="/logout">
${hidden({ csrf_token: p.csrf.logout })}
<button type="submit" class="secondary">Sign out</button>
</form>
<h2>Two-step verification</h2>
${mfa}
<h2>Sessions</h2>
<p class="muted">Where your account is signed in. Ending a session signs that browser or app out at once.</p>
<form method="post" action="/account/sessions">
${hidden({ csrf_token: p.csrf.sessions })}
<ul class="sessions">
${a.sessions.map(sessionItem).join('\n')}
</ul>
${more}
${others ? '<button type="submit" name="end" value="others">End all other sessions</button>' : ''}
</form>`,
  );
}
