import nodemailer from 'nodemailer';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { OutboxRepository } from '../store/repositories/outbox';

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

/** Where mail goes: SMTP when KEYHAVEN_SMTP_URL is set, else the outbox table (development). */
export interface MailTransport {
  readonly kind: 'smtp' | 'outbox';
  send(mail: Mail): Promise<void>;
}

export function createMailTransport(
  config: Pick<Config, 'smtpUrl' | 'mailFrom'>,
  outbox: OutboxRepository,
  log: Logger,
  clock: () => number = Date.now,
): MailTransport {
  if (config.smtpUrl) {
    const transporter = nodemailer.createTransport(config.smtpUrl);
    return {
      kind: 'smtp',
      async send(mail) {
        await transporter.sendMail({ from: config.mailFrom, to: mail.to, subject: mail.subject, text: mail.text });
      },
    };
  }
  return {
    kind: 'outbox',
    async send(mail) {
      await outbox.insert({ recipient: mail.to, subject: mail.subject, bodyText: mail.text }, clock());
      // Development only (no SMTP configured): the link is the point of the mail, so show it.
      const links = mail.text.match(/https?:\/\/\S+/g) ?? [];
      log.info({ to: mail.to, subject: mail.subject, links }, 'mail stored in the outbox (no KEYHAVEN_SMTP_URL)');
    },
  };
}

/** Sends without letting a delivery failure change the caller's answer (no enumeration through errors). */
export async function sendQuietly(transport: MailTransport, log: Logger, mail: Mail): Promise<void> {
  try {
    await transport.send(mail);
  } catch (err) {
    log.error({ err, subject: mail.subject }, 'mail delivery failed');
  }
}
