/**
 * The emails the product sends, each a plain-text part and an HTML part made
 * from the same words. Use cases pick a template and hand its result to the
 * outbox; wording lives here, not in the use cases.
 */
export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** Paragraphs of text; a paragraph that is exactly one of the links' address becomes that link in the HTML part. */
function compose(
  subject: string,
  paragraphs: readonly string[],
  link: { href: string; label: string } | readonly { href: string; label: string }[],
): EmailContent {
  const links = new Map((Array.isArray(link) ? link : [link]).map((l: { href: string; label: string }) => [l.href, l]));
  const text = `${paragraphs.join('\n\n')}\n`;
  const html = paragraphs
    .map((p) => {
      const found = links.get(p);
      return found
        ? `<p><a href="${escapeHtml(found.href)}">${escapeHtml(found.label)}</a></p>`
        : `<p>${escapeHtml(p)}</p>`;
    })
    .join('');
  return { subject, text, html };
}

export function inviteEmail(input: { name: string; link: string; validDays: number }): EmailContent {
  return compose(
    'You are invited to Seed PMS',
    [
      `Hello ${input.name},`,
      `An account has been created for you in Seed PMS. Choose your password here (the link works once, for ${input.validDays} days):`,
      input.link,
    ],
    { href: input.link, label: 'Choose your password' },
  );
}

export function passwordResetEmail(input: { name: string; link: string; validMinutes: number }): EmailContent {
  return compose(
    'Reset your Seed PMS password',
    [
      `Hello ${input.name},`,
      `Someone (hopefully you) asked to reset your Seed PMS password. Choose a new one here (the link works once, for ${input.validMinutes} minutes):`,
      input.link,
      'If you did not ask for this, ignore this email; your password stays as it is.',
    ],
    { href: input.link, label: 'Choose a new password' },
  );
}

/**
 * An approval request: what it is, a link to it in the app, and the one-click
 * approve and reject links (each works once, for `validHours`; the page they
 * open shows what will happen before anything is done).
 */
export function approvalRequestEmail(input: {
  name: string;
  title: string;
  body: string;
  appLink: string;
  approveLink: string;
  rejectLink: string;
  validHours: number;
}): EmailContent {
  return compose(
    input.title,
    [
      `Hello ${input.name},`,
      input.body,
      'Open it in Seed PMS:',
      input.appLink,
      `Or decide from here (each link works once, for ${input.validHours} hours; a rejection asks for the reason):`,
      'Approve:',
      input.approveLink,
      'Reject:',
      input.rejectLink,
    ],
    [
      { href: input.appLink, label: 'Open the request' },
      { href: input.approveLink, label: 'Approve' },
      { href: input.rejectLink, label: 'Reject' },
    ],
  );
}

/** Any other notification by email: its title, its text and where to see it. */
export function notificationEmail(input: { name: string; title: string; body: string; link: string }): EmailContent {
  return compose(
    input.title,
    [
      `Hello ${input.name},`,
      input.body,
      input.link,
      'You can choose which notifications reach you by email in your notification preferences.',
    ],
    { href: input.link, label: 'Open in Seed PMS' },
  );
}
