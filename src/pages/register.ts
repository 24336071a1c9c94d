import { banner, esc, hidden, layout, type Banner } from './layout';
import { continuationQuery, type Continuation } from './login';

export interface RegisterPageInput extends Continuation {
  csrf: string;
  email?: string;
  fullName?: string;
  clientName?: string;
  banner?: Banner;
  lang?: string;
}

export function registerPage(p: RegisterPageInput): string {
  const to = p.clientName ? `<p class="muted">to continue to <strong>${esc(p.clientName)}</strong></p>` : '';
  return layout(
    'Create an account',
    `<h1>Create an account</h1>
${to}
${banner(p.banner)}
<form method="post" action="/register" novalidate>
${hidden({ csrf_token: p.csrf, req: p.req, return_to: p.returnTo })}
<label for="full_name">Full name</label>
<input id="full_name" name="full_name" type="text" autocomplete="name" maxlength="200" value="${esc(p.fullName)}">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required maxlength="320" value="${esc(p.email)}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="new-password" required minlength="8" maxlength="256" aria-describedby="password-hint">
<small id="password-hint" class="hint">At least 8 characters.</small>
<button type="submit">Create account</button>
</form>
<p>Already have an account? <a href="/login${esc(continuationQuery(p))}">Sign in</a></p>`,
    p.lang,
  );
}
