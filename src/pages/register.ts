import { raw, translator, type Lang } from './i18n';
import { banner, esc, hidden, layout, type Banner } from './layout';
import { continuationFields, continuationQuery, continueTo, type Continuation } from './login';

export interface RegisterPageInput extends Continuation {
  /** The page's language. */
  pageLang: Lang;
  csrf: string;
  email?: string;
  fullName?: string;
  clientName?: string;
  banner?: Banner;
}

export function registerPage(p: RegisterPageInput): string {
  const t = translator(p.pageLang);
  return layout(
    t.text('common.createAccount'),
    `<h1>${t.html('common.createAccount')}</h1>
${continueTo(p.pageLang, p.clientName)}
${banner(p.banner)}
<form method="post" action="/register" novalidate>
${hidden({ csrf_token: p.csrf, ...continuationFields(p) })}
<label for="full_name">${t.html('register.fullName')}</label>
<input id="full_name" name="full_name" type="text" autocomplete="name" maxlength="200" value="${esc(p.fullName)}">
<label for="email">${t.html('common.email')}</label>
<input id="email" name="email" type="email" autocomplete="username" required maxlength="320" value="${esc(p.email)}">
<label for="password">${t.html('common.password')}</label>
<input id="password" name="password" type="password" autocomplete="new-password" required minlength="8" maxlength="256" aria-describedby="password-hint">
<small id="password-hint" class="hint">${t.html('register.passwordHint')}</small>
<button type="submit">${t.html('register.submit')}</button>
</form>
<p>${t.html('register.haveAccount', { link: raw(`<a href="/login${esc(continuationQuery(p))}">${t.html('common.signIn')}</a>`) })}</p>`,
    p.pageLang,
  );
}
