import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { afterAll, beforeAll } from 'vitest';

export interface ReceivedMail {
  mail: ParsedMail;
  envelope: SMTPServerSession['envelope'];
}

export interface SmtpSink {
  url: string;
  received: ReceivedMail[];
  /** Recipients refused with 550. */
  reject: Set<string>;
  close(): Promise<void>;
}

/** A real SMTP server on a free local port that parses what it accepts. */
export async function startSmtpSink(): Promise<SmtpSink> {
  const received: ReceivedMail[] = [];
  const reject = new Set<string>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (!reject.has(address.address)) return callback();
      callback(Object.assign(new Error('5.1.1 Mailbox unavailable'), { responseCode: 550 }));
    },
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (mail) => {
          received.push({ mail, envelope: session.envelope });
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    reject,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A sink for the whole test file; call before useTestApp so its URL is known when the app is built. */
export function useSmtpSink(): () => SmtpSink {
  let sink: SmtpSink | undefined;
  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await sink?.close();
  });
  return () => {
    if (!sink) throw new Error('the SMTP sink starts in beforeAll');
    return sink;
  };
}

/** Waits for a mail to this address (the outbox sends in the background) and returns it. */
export async function mailTo(sink: SmtpSink, address: string, after = 0, timeoutMs = 10_000): Promise<ParsedMail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = sink.received.slice(after).find((r) => r.envelope.rcptTo.some((t) => t.address === address));
    if (found) return found.mail;
    if (Date.now() > deadline) throw new Error(`no mail to ${address} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The token in a link of the mail's text (`…?token=…`). */
export function tokenIn(mail: ParsedMail): string {
  const match = /[?&]token=([A-Za-z0-9_%-]+)/.exec(mail.text ?? '');
  if (!match?.[1]) throw new Error('no token link in the mail');
  return decodeURIComponent(match[1]);
}
