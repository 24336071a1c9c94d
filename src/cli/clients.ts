import { createOAuthClient, validateNewClient, type FieldNames, type NewClient } from '../services/oauth/clientRegistration';
import { DATA_OPTION, UsageError, withDataDir, type Command } from './args';

const CLIENTS_HELP = `usage: keyhaven clients create --name NAME [--redirect-uri URI]... [--logout-uri URI]... [--grant GRANT]... [--scope SCOPE]...
         [--confidential] [--first-party] [--token-format jwt|opaque] [--json] [--data DIR]

create registers an OAuth application and prints its client_id (and, for a confidential one, its
client_secret: shown only this once, stored hashed).
  --name NAME          the name shown on the consent page (at most 100 characters)
  --redirect-uri URI   repeatable; https, http only on loopback hosts, or a private-use scheme
                       (com.example.app:/callback) for public clients; authorization_code needs one
  --logout-uri URI     repeatable; where /logout?redirect=URI (or post_logout_redirect_uri) may send the
                       browser after sign-out; the same rules as --redirect-uri
  --grant GRANT        repeatable: authorization_code (default), refresh_token, client_credentials,
                       urn:ietf:params:oauth:grant-type:device_code
  --scope SCOPE        repeatable; default openid profile email
  --confidential       a client with a secret (client_credentials needs it); default public
  --first-party        skip the consent page
  --token-format F     jwt (default) or opaque access tokens
  --json               print {client_id, client_secret?, name, type, redirect_uris, grant_types, scopes, first_party}`;

const CLIENTS_OPTIONS = {
  data: { type: 'string' },
  name: { type: 'string' },
  'redirect-uri': { type: 'string', multiple: true },
  'logout-uri': { type: 'string', multiple: true },
  grant: { type: 'string', multiple: true },
  scope: { type: 'string', multiple: true },
  'token-format': { type: 'string' },
  confidential: { type: 'boolean' },
  'first-party': { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

/** The rules' messages name command-line flags. */
const FLAGS: FieldNames = {
  name: '--name',
  redirectUri: '--redirect-uri',
  logoutUri: '--logout-uri',
  grant: '--grant',
  scope: '--scope',
  confidential: '--confidential',
};

type ClientValues = { [K in keyof typeof CLIENTS_OPTIONS]?: (typeof CLIENTS_OPTIONS)[K] extends { multiple: true } ? string[] : (typeof CLIENTS_OPTIONS)[K] extends { type: 'boolean' } ? boolean : string };

function newClient(values: ClientValues): NewClient {
  const tokenFormat = values['token-format'] ?? 'jwt';
  if (tokenFormat !== 'jwt' && tokenFormat !== 'opaque') throw new Error('--token-format must be jwt or opaque');
  return {
    name: values.name ?? '',
    redirectUris: values['redirect-uri'] ?? [],
    logoutUris: values['logout-uri'] ?? [],
    grantTypes: values.grant ?? ['authorization_code'],
    confidential: values.confidential ?? false,
    firstParty: values['first-party'] ?? false,
    scopes: values.scope ?? ['openid', 'profile', 'email'],
    tokenFormat,
  };
}

export const clientsCommand: Command = {
  help: `${CLIENTS_HELP}
${DATA_OPTION}
`,
  options: CLIENTS_OPTIONS,
  positionals: true,
  async run({ values, positionals }) {
    const [action, ...extra] = positionals;
    if (action !== 'create') throw new UsageError(action ? `unknown subcommand clients ${action}: expected create` : 'clients needs a subcommand: create');
    if (extra.length) throw new UsageError(`unexpected argument ${extra[0]}`);
    const input = newClient(values as ClientValues);
    validateNewClient(input, FLAGS); // before the data directory is opened
    const created = await withDataDir(values, (deps) => createOAuthClient(deps, input, FLAGS));
    if (values.json) return console.log(JSON.stringify(created));
    console.log(`created ${created.type} application ${created.name}\nclient_id:     ${created.client_id}`);
    if (created.client_secret) console.log(`client_secret: ${created.client_secret}  (shown once; stored hashed)`);
  },
};
