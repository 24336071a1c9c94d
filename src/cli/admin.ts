import { setServerAdminInDataDir } from '../services/admin';
import { DATA_OPTION, UsageError, existingDataDir, str, type Command } from './args';

export const adminCommand: Command = {
  help: `usage: keyhaven admin grant|revoke --email EMAIL [--data DIR]

grant makes the user with that email a server administrator (notification administration);
revoke takes that back. The user must have registered already.
--email EMAIL    the user's email address
${DATA_OPTION}
`,
  options: { data: { type: 'string' }, email: { type: 'string' } },
  positionals: true,
  async run({ values, positionals }) {
    const [action, ...extra] = positionals;
    if (action !== 'grant' && action !== 'revoke') throw new UsageError(action ? `unknown subcommand admin ${action}: expected grant or revoke` : 'admin needs a subcommand: grant or revoke');
    if (extra.length) throw new UsageError(`unexpected argument ${extra[0]}`);
    const email = str(values.email);
    if (!email) throw new UsageError(`admin ${action} needs --email EMAIL`);
    const user = await setServerAdminInDataDir(existingDataDir(str(values.data)), email, action === 'grant');
    console.log(`${user.email} (user ${user.id}) is ${action === 'grant' ? 'now' : 'no longer'} a server administrator`);
  },
};
