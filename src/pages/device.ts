import { approvalForm } from './consent';
import { translator, type Lang } from './i18n';
import { banner, esc, hidden, layout, type Banner } from './layout';

/** `lang` is carried in the forms only when it was chosen with `?lang=` (`carryLang`). */
export function deviceEntryPage(p: { lang: Lang; carryLang?: Lang; csrf: string; userCode?: string; banner?: Banner }): string {
  const t = translator(p.lang);
  return layout(
    t.text('device.title'),
    `<h1>${t.html('device.title')}</h1>
<p>${t.html('device.intro')}</p>
${banner(p.banner)}
<form method="post" action="/oauth/device">
${hidden({ csrf_token: p.csrf, action: 'lookup', lang: p.carryLang })}
<label for="user_code">${t.html('device.code')}</label>
<input id="user_code" name="user_code" type="text" autocomplete="off" autocapitalize="characters" required maxlength="32" placeholder="ABCD-EFGH" value="${esc(p.userCode)}">
<button type="submit">${t.html('device.continue')}</button>
</form>`,
    p.lang,
  );
}

export interface DeviceConfirmInput {
  lang: Lang;
  carryLang?: Lang;
  csrf: string;
  userCode: string;
  clientName: string;
  userEmail: string;
  /** The scopes asked for. */
  scopes: string[];
}

export function deviceConfirmPage(p: DeviceConfirmInput): string {
  const t = translator(p.lang);
  return layout(
    t.text('device.title'),
    `<h1>${t.html('device.confirmHeading', { client: p.clientName })}</h1>
<p>${t.html('device.checkCode')}</p>
<p class="code" id="user-code">${esc(p.userCode)}</p>
${approvalForm({ ...p, action: '/oauth/device', field: 'action', fields: { csrf_token: p.csrf, user_code: p.userCode, lang: p.carryLang } })}`,
    p.lang,
  );
}

/** The outcome page the form's answer redirects to; `clientName` is looked up by the server, never taken from the URL. */
export function deviceDonePage(lang: Lang, approved: boolean, clientName: string | undefined): string {
  const t = translator(lang);
  const who = clientName ?? t.text('device.unnamed');
  return approved
    ? layout(t.text('device.connectedTitle'), `<h1>${t.html('device.connectedTitle')}</h1><p class="banner success" role="status">${t.html('device.connected', { client: who })}</p>`, lang)
    : layout(t.text('device.deniedTitle'), `<h1>${t.html('device.deniedTitle')}</h1><p class="banner info" role="status">${t.html('device.denied', { client: who })}</p>`, lang);
}
