/** README.txt at the root of every personal-data export. */
export const EXPORT_README = `Your personal data
==================

This archive holds the personal data Seed PMS stores about you, as it was when
the export was made. Every file is UTF-8.

manifest.json      who the export is of, when it was made, the format version,
                   and for every area its file, its CSV (if any) and the
                   database collections it was read from with how many records
                   each gave; the receipts with their size and SHA-256.
profile.json       your employee profile, your personal data (stored encrypted,
                   shown here opened), skills, hobbies, and the files of your
                   profile (metadata).
account.json       your account (email, roles, status, whether MFA is on - never
                   passwords, secrets or their hashes), your sign-in sessions
                   (IP address, browser, times) and approval delegations (who
                   decides for you while you are away, or for whom you do).
allocations.json   your project allocations and their history (also .csv).
leave.json         leave requests, balances and the leave ledger, with the
                   approval timelines (also .csv).
attendance.json    attendance days with punches, corrections and their
                   approvals (also .csv).
work-location.json work-location requests and their approvals.
expenses.json      expense claims, receipts (metadata) and approvals (also
                   .csv); the receipt files are in expenses/receipts/.
messages.json      your message threads, every message you wrote or received
                   (the other person by id and name), and your project
                   comments (also .csv).
notifications.json in-app notifications and your notification preferences.
consents.json      your consents to optional purposes and every change of them.
audit.json         the audit trail entries of what you did and of changes to
                   your account and profile; for what you did to someone else's
                   records the entry is there without that person's data
                   (changes and details empty).

CSV files follow RFC 4180 (comma-separated, double quotes around fields with
commas, quotes or line breaks). A cell that starts with = + - or @ is written
with a leading apostrophe so that spreadsheets show it as text.

Dates are YYYY-MM-DD in the organisation's timezone; times are ISO 8601 in UTC.
Ids are 24 hexadecimal characters; other people appear by id and name only.
`;
