import type { Deps } from '../deps';
import type { Limit } from './rateLimit';
import { sendQuietly, type Mail } from './mail';
import { createPersonalTenant } from './tenants';
import { issueVerificationToken, verificationMail } from './verification';
import { translateDbError } from '../store/errors';

export const REGISTER_MESSAGE = 'If this email is available, a verification link has been sent.';

export const registerLimit = (ip: string): Limit => ({ bucket: `register:ip:${ip}`, max: 5, windowSeconds: 3600 });

export interface Registration {
  name: string;
  email: string;
  password: string;
}

/**
 * Registers an account without revealing whether the email is taken: both branches hash the
 * password and send one mail, and the caller answers the same message either way.
 */
export async function register(deps: Deps, input: Registration, ip: string): Promise<void> {
  await deps.rateLimiter.consume(registerLimit(ip));
  const passwordHash = await deps.passwords.hash(input.password);
  const existing = await deps.repos.users.findByEmail(input.email);
  const now = deps.clock();
  let mail: Mail;
  if (existing) {
    mail = existing.email_verified
      ? alreadyRegisteredMail(deps.config.issuer, input.email)
      : verificationMail(deps.config.issuer, input.email, await issueVerificationToken(deps.repos.verifications, existing.id, input.email, now));
  } else {
    try {
      const token = await deps.tx(async (repos) => {
        const user = await repos.users.create({ email: input.email, fullName: input.name }, passwordHash, now);
        await createPersonalTenant(repos.tenants, user.id, input.name, now);
        return issueVerificationToken(repos.verifications, user.id, input.email, now);
      });
      mail = verificationMail(deps.config.issuer, input.email, token);
    } catch (err) {
      // A concurrent registration of the same email won the race: answer as for a taken email.
      if ((translateDbError(err) as { status?: number }).status !== 409) throw err;
      mail = alreadyRegisteredMail(deps.config.issuer, input.email);
    }
  }
  await sendQuietly(deps.mail, deps.log, mail);
}

function alreadyRegisteredMail(issuer: string, to: string): Mail {
  return {
    to,
    subject: 'Someone tried to register with your email',
    text: [
      'Someone tried to create a Keyhaven account with this email address, which already has one.',
      '',
      `If it was you, sign in at ${issuer}/login instead.`,
      'If it was not you, no action is needed: your account is unchanged.',
    ].join('\n'),
  };
}
