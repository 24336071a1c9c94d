import { esc, layout } from './layout';

/** The landing page at `/`: what this server is and where to go next. */
export function homePage(p: { signedInAs?: string }): string {
  const next = p.signedInAs
    ? `<p class="banner info" role="status">Signed in as ${esc(p.signedInAs)}.</p>
<div class="actions">
<a class="button" href="/account">Your account</a>
<a class="button secondary" href="/logout">Sign out</a>
</div>`
    : `<div class="actions">
<a class="button" href="/login">Sign in</a>
<a class="button secondary" href="/register">Create an account</a>
</div>`;
  return layout(
    'Welcome',
    `<h1>Keyhaven</h1>
<p>This server signs you in to the applications that use it, and keeps your account, sessions and two-step verification in one place.</p>
${next}
<p class="muted">Building an application? The <a href="/docs">API reference</a> describes every endpoint, with OAuth 2 and OpenID Connect discovery at <a href="/.well-known/openid-configuration">/.well-known/openid-configuration</a>.</p>`,
  );
}
