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

/** Paragraphs of text; a paragraph that is exactly the link becomes a link in the HTML part. */
function compose(subject: string, paragraphs: readonly string[], link: { href: string; label: string }): EmailContent {
  const text = `${paragraphs.join('\n\n')}\n`;
  const html = paragraphs
    .map((p) =>
      p === link.href
        ? `<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.label)}</a></p>`
        : `<p>${escapeHtml(p)}</p>`,
    )
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
