import { initManagementClient } from '../services/oauth/clients';
import { ADDRESS_OPTIONS, DATA_OPTION, addressInput, withDataDir, type Command } from './args';

export const initCommand: Command = {
  help: `usage: keyhaven init [--data DIR] [--issuer URL | --host HOST --port PORT] [--json]

Creates the management API's machine-to-machine application: a confidential client allowed the
client_credentials grant for the audience {issuer}/api. Prints its client_id and client_secret; the
secret is shown only this once and stored hashed. The issuer is resolved as 'keyhaven serve' resolves
it, so give init the same --issuer (or --host/--port, or KEYHAVEN_* variables) as the server.
Run again for the same issuer, it creates nothing. Run again for another issuer, it allows the
existing application that issuer's audience too (same client_id and secret).
${DATA_OPTION}
${ADDRESS_OPTIONS}
--json           print JSON: {client_id, client_secret, issuer, audience} when created,
                 {client_id, issuer, audience, existing: true[, audience_added: true]} afterwards
`,
  options: { data: { type: 'string' }, issuer: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' }, json: { type: 'boolean' } },
  async run({ values }) {
    const input = addressInput(values);
    const r = await withDataDir(values, initManagementClient, input);
    if (values.json) {
      const out = r.created
        ? { client_id: r.client_id, client_secret: r.client_secret, issuer: r.issuer, audience: r.audience }
        : { client_id: r.client_id, issuer: r.issuer, audience: r.audience, existing: true, ...(r.audienceAdded ? { audience_added: true } : {}) };
      return console.log(JSON.stringify(out));
    }
    if (r.created) {
      console.log(`created M2M application\nclient_id:     ${r.client_id}\nclient_secret: ${r.client_secret}  (shown once; stored hashed)\nissuer:        ${r.issuer}\naudience:      ${r.audience}`);
    } else if (r.audienceAdded) {
      console.log(`added audience ${r.audience} to the existing M2M application ${r.client_id} (same secret, not shown again); its audiences: ${r.audiences.join(', ')}`);
    } else {
      console.log(`already initialised: M2M application ${r.client_id} for ${r.audience} exists; its secret is not shown again`);
    }
  },
};
