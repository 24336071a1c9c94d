import { raw, translator, type Lang } from './i18n';
import { layout } from './layout';

/** The landing page at `/`: what this server is and where to go next. `carryLang`: a language chosen with `?lang=`, kept in the links. */
export function homePage(p: { lang: Lang; carryLang?: Lang; signedInAs?: string }): string {
  const t = translator(p.lang);
  const q = p.carryLang ? `?lang=${p.carryLang}` : '';
  const next = p.signedInAs
    ? `<p class="banner info" role="status">${t.html('home.signedInAs', { email: p.signedInAs })}</p>
<div class="actions">
<a class="button" href="/account${q}">${t.html('common.yourAccount')}</a>
<a class="button secondary" href="/logout">${t.html('common.signOut')}</a>
</div>`
    : `<div class="actions">
<a class="button" href="/login${q}">${t.html('common.signIn')}</a>
<a class="button secondary" href="/register${q}">${t.html('common.createAccount')}</a>
</div>`;
  return layout(
    t.text('home.title'),
    `<h1>Keyhaven</h1>
<p>${t.html('home.intro')}</p>
${next}
<p class="muted">${t.html('home.developers', {
      reference: raw(`<a href="/docs">${t.html('home.apiReference')}</a>`),
      discovery: raw('<a href="/.well-known/openid-configuration">/.well-known/openid-configuration</a>'),
    })}</p>`,
    p.lang,
  );
}
