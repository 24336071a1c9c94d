import { approvalForm, type ScopeLine } from './consent';
import { banner, esc, hidden, layout, type Banner } from './layout';

export function deviceEntryPage(p: { csrf: string; userCode?: string; banner?: Banner }): string {
  return layout(
    'Connect a device',
    `<h1>Connect a device</h1>
<p>Enter the code shown on your device.</p>
${banner(p.banner)}
<form method="post" action="/oauth/device">
${hidden({ csrf_token: p.csrf, action: 'lookup' })}
<label for="user_code">Code</label>
<input id="user_code" name="user_code" type="text" autocomplete="off" autocapitalize="characters" required maxlength="32" placeholder="ABCD-EFGH" value="${esc(p.userCode)}">
<button type="submit">Continue</button>
</form>`,
  );
}

export interface DeviceConfirmInput {
  csrf: string;
  userCode: string;
  clientName: string;
  userEmail: string;
  scopes: ScopeLine[];
}

export function deviceConfirmPage(p: DeviceConfirmInput): string {
  return layout(
    'Connect a device',
    `<h1>Connect ${esc(p.clientName)}?</h1>
<p>Check that this code matches the one on your device:</p>
<p class="code" id="user-code">${esc(p.userCode)}</p>
${approvalForm({ ...p, action: '/oauth/device', field: 'action', fields: { csrf_token: p.csrf, user_code: p.userCode } })}`,
  );
}

/** The outcome page the form's answer redirects to; `clientName` is looked up by the server, never taken from the URL. */
export function deviceDonePage(approved: boolean, clientName: string | undefined): string {
  const who = esc(clientName ?? 'The device');
  return approved
    ? layout('Device connected', `<h1>Device connected</h1><p class="banner success" role="status">${who} is now signed in. You can return to your device.</p>`)
    : layout('Request denied', `<h1>Request denied</h1><p class="banner info" role="status">${who} was not given access. You can close this page.</p>`);
}
