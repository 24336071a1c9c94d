import { esc, hidden, layout } from './layout';

export interface LogoutConfirmInput {
  csrf: string;
  userEmail?: string;
  clientName?: string;
  /** The original request's parameters, submitted again with the confirmation. */
  fields: Record<string, string | undefined>;
}

export function logoutConfirmPage(p: LogoutConfirmInput): string {
  const from = p.clientName ? ` from ${esc(p.clientName)}` : '';
  return layout(
    'Sign out',
    `<h1>Sign out?</h1>
<p>Do you want to sign out${from}${p.userEmail ? ` (${esc(p.userEmail)})` : ''}?</p>
<form method="post" action="/logout">
${hidden({ csrf_token: p.csrf, ...p.fields })}
<button type="submit">Sign out</button>
</form>`,
  );
}

export function signedOutPage(): string {
  return layout('Signed out', `<h1>Signed out</h1><p class="banner success" role="status">You are signed out.</p><p><a href="/login">Sign in again</a></p>`);
}
