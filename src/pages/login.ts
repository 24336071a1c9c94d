import { raw, translator, type Lang } from './i18n';
import { banner, esc, hidden, layout, type Banner } from './layout';

export interface Continuation {
  /** Pending authorization request handle. */
  req?: string;
  /** Local page to return to (device verification). */
  returnTo?: string;
  /** A language chosen with `?lang=` on the page (a pending request's own `lang` still wins). */
  lang?: Lang;
}

const query = (c: Continuation) => {
  const q = new URLSearchParams();
  if (c.req) q.set('req', c.req);
  if (c.returnTo) q.set('return_to', c.returnTo);
  if (c.lang) q.set('lang', c.lang);
  const s = q.toString();
  return s ? `?${s}` : '';
};

export const continuationQuery = query;

/** The hidden fields that carry a continuation through a form. */
export const continuationFields = (c: Continuation) => ({ req: c.req, return_to: c.returnTo, lang: c.lang });

/** "to continue to <client>" under a heading, when an application is waiting. */
export const continueTo = (lang: Lang, clientName: string | undefined) =>
  clientName ? `<p class="muted">${translator(lang).html('common.continueTo', { client: raw(`<strong>${esc(clientName)}</strong>`) })}</p>` : '';

export interface LoginPageInput extends Continuation {
  /** The page's language. */
  pageLang: Lang;
  csrf: string;
  email?: string;
  clientName?: string;
  signedInAs?: string;
  banner?: Banner;
}

export function loginPage(p: LoginPageInput): string {
  const t = translator(p.pageLang);
  const signedIn = p.signedInAs
    ? `<p class="banner info" role="status">${t.html('login.signedInAs', { email: p.signedInAs })} <a href="/account${esc(query({ lang: p.lang }))}">${t.html('common.yourAccount')}</a> · <a href="/logout">${t.html('common.signOut')}</a></p>`
    : '';
  return layout(
    t.text('common.signIn'),
    `<h1>${t.html('common.signIn')}</h1>
${continueTo(p.pageLang, p.clientName)}
${banner(p.banner)}
${signedIn}
<form method="post" action="/login" novalidate>
${hidden({ csrf_token: p.csrf, ...continuationFields(p) })}
<label for="email">${t.html('common.email')}</label>
<input id="email" name="email" type="email" autocomplete="username" required maxlength="320" value="${esc(p.email)}">
<label for="password">${t.html('common.password')}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="256">
<button type="submit">${t.html('common.signIn')}</button>
</form>
<p>${t.html('login.newHere', { link: raw(`<a href="/register${esc(query(p))}">${t.html('common.createAccount')}</a>`) })}</p>`,
    p.pageLang,
  );
}

export interface MfaPageInput extends Continuation {
  pageLang: Lang;
  csrf: string;
  mfaToken: string;
  banner?: Banner;
}

export function mfaPage(p: MfaPageInput): string {
  const t = translator(p.pageLang);
  return layout(
    t.text('mfa.title'),
    `<h1>${t.html('mfa.title')}</h1>
<p>${t.html('mfa.intro')}</p>
${banner(p.banner)}
<form method="post" action="/login/mfa">
${hidden({ csrf_token: p.csrf, mfa_token: p.mfaToken, ...continuationFields(p) })}
<label for="code">${t.html('mfa.code')}</label>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" required maxlength="64">
<button type="submit">${t.html('mfa.submit')}</button>
</form>`,
    p.pageLang,
  );
}
