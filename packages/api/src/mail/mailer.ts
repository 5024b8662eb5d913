import type { FastifyBaseLogger } from 'fastify';
import nodemailer from 'nodemailer';
import type { Config } from '../config/config.js';

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  html?: string | null;
}

/** Hands one email to whatever delivers it. Only the outbox sender calls this; use cases enqueue. */
export interface Mailer {
  readonly kind: 'smtp' | 'log';
  /** Resolves once the email was accepted for delivery; rejects with the reason otherwise. */
  send(email: OutgoingEmail): Promise<void>;
  close(): Promise<void>;
}

export type MailLogger = Pick<FastifyBaseLogger, 'info' | 'warn'>;

/**
 * nodemailer waits up to 2 minutes for a connection and 10 minutes on an idle
 * socket by default. The outbox retries with backoff anyway, so a dead or
 * stalled server should fail an attempt within seconds rather than hold a
 * sender (and its claim) for minutes. `connectionTimeout` bounds DNS, connect
 * and greeting together. Query parameters of SMTP_URL (e.g.
 * `?connectionTimeout=20000`) override these.
 */
export const SMTP_TIMEOUTS = {
  connectionTimeout: 10_000,
  greetingTimeout: 10_000,
  dnsTimeout: 5_000,
  socketTimeout: 30_000,
} as const;

/** Delivers through an SMTP server; `url` is smtp:// (STARTTLS when offered) or smtps:// with optional credentials. */
export function createSmtpMailer(url: string, from: string): Mailer {
  const transport = nodemailer.createTransport({ url, ...SMTP_TIMEOUTS });
  return {
    kind: 'smtp',
    async send(email) {
      await transport.sendMail({
        from,
        to: email.to,
        subject: email.subject,
        text: email.text,
        ...(email.html ? { html: email.html } : {}),
      });
    },
    async close() {
      transport.close();
    },
  };
}

/**
 * Writes emails to the log instead of sending them. In development the text
 * body is logged, so a developer finds the reset or invite link in the
 * console. Without `includeBodies` (production without SMTP_URL) only the
 * recipient and subject are logged, with a warning: bodies may carry
 * single-use tokens that must not end up in log storage.
 */
export function createLogMailer(logger: MailLogger, options: { includeBodies: boolean }): Mailer {
  return {
    kind: 'log',
    async send(email) {
      if (options.includeBodies) {
        logger.info({ to: email.to, subject: email.subject }, `email (logged, not sent):\n${email.text}`);
      } else {
        logger.warn(
          { to: email.to, subject: email.subject },
          'email NOT delivered: SMTP_URL is not set, so emails are only logged (without their bodies)',
        );
      }
    },
    async close() {},
  };
}

/** SMTP when SMTP_URL is set; otherwise the log, with bodies everywhere but production. */
export function createMailer(config: Pick<Config, 'SMTP_URL' | 'MAIL_FROM' | 'NODE_ENV'>, logger: MailLogger): Mailer {
  if (config.SMTP_URL) return createSmtpMailer(config.SMTP_URL, config.MAIL_FROM);
  return createLogMailer(logger, { includeBodies: config.NODE_ENV !== 'production' });
}
