import { banner, esc, hidden, layout, type Banner } from './layout';

export interface Continuation {
  /** Pending authorization request handle. */
  req?: string;
  /** Local page to return to (device verification). */
  returnTo?: string;
}

const query = (c: Continuation) => {
  const q = new URLSearchParams();
  if (c.req) q.set('req', c.req);
  if (c.returnTo) q.set('return_to', c.returnTo);
  const s = q.toString();
  return s ? `?${s}` : '';
};

export const continuationQuery = query;

export interface LoginPageInput extends Continuation {
  csrf: string;
  email?: string;
  clientName?: string;
  signedInAs?: string;
  banner?: Banner;
  lang?: string;
}

export function loginPage(p: LoginPageInput): string {
  const to = p.clientName ? `<p class="muted">to continue to <strong>${esc(p.clientName)}</strong></p>` : '';
  const signedIn = p.signedInAs
    ? `<p class="banner info" role="status">You are signed in as ${esc(p.signedInAs)}. <a href="/account">Your account</a> · <a href="/logout">Sign out</a></p>`
    : '';
  return layout(
    'Sign in',
    `<h1>Sign in</h1>
${to}
${banner(p.banner)}
${signedIn}
<form method="post" action="/login" novalidate>
${hidden({ csrf_token: p.csrf, req: p.req, return_to: p.returnTo })}
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required maxlength="320" value="${esc(p.email)}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="256">
<button type="submit">Sign in</button>
</form>
<p>New here? <a href="/register${esc(query(p))}">Create an account</a></p>`,
    p.lang,
  );
}

export interface MfaPageInput extends Continuation {
  csrf: string;
  mfaToken: string;
  banner?: Banner;
}

export function mfaPage(p: MfaPageInput): string {
  return layout(
    'Two-step verification',
    `<h1>Two-step verification</h1>
<p>Enter the code from your authenticator app, or a backup code.</p>
${banner(p.banner)}
<form method="post" action="/login/mfa">
${hidden({ csrf_token: p.csrf, mfa_token: p.mfaToken, req: p.req, return_to: p.returnTo })}
<label for="code">Verification code</label>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" required maxlength="64">
<button type="submit">Verify</button>
</form>`,
  );
}
