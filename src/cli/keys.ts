import { ensureSigningKey, rotateSigningKey } from '../services/oauth/keys';
import { DATA_OPTION, UsageError, withDataDir, type Command } from './args';

export const keysCommand: Command = {
  help: `usage: keyhaven keys rotate [--data DIR]

rotate adds a new active RS256 signing key. Older keys stay in the JWKS until the tokens they signed
have expired; a running server signs with the new key within 30 seconds.
${DATA_OPTION}
`,
  options: { data: { type: 'string' } },
  positionals: true,
  async run({ values, positionals }) {
    const [action, ...extra] = positionals;
    if (action !== 'rotate') throw new UsageError(action ? `unknown subcommand keys ${action}: expected rotate` : 'keys needs a subcommand: rotate');
    if (extra.length) throw new UsageError(`unexpected argument ${extra[0]}`);
    const kid = await withDataDir(values, async (deps) => {
      await ensureSigningKey(deps);
      return rotateSigningKey(deps);
    });
    console.log(`new signing key ${kid} is active; previous keys stay in the JWKS until their tokens expire`);
  },
};
