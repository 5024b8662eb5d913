import { describe, expect, it } from 'vitest';
import {
  type Actor,
  decideErasureCancel,
  erasurePseudonym,
  identifierPattern,
  isDomainError,
  scrubIdentifiers,
} from '../src/index.js';

const ID = '665f1c2e8b3a4d0012345678';
const pseudonym = erasurePseudonym(ID).name;

describe('finding an erased person in others’ free text', () => {
  it('replaces their name and email as whole words, whatever the case, and leaves other words alone', () => {
    const pattern = identifierPattern(['Ann', 'ann.lee@example.com', 'Ann Lee']) ?? '';
    expect(scrubIdentifiers('Thanks ann lee, see the Annual plan', pattern, pseudonym)).toBe(
      `Thanks ${pseudonym}, see the Annual plan`,
    );
    expect(scrubIdentifiers('Mail ANN.LEE@example.com or ask Ann.', pattern, pseudonym)).toBe(
      `Mail ${pseudonym} or ask ${pseudonym}.`,
    );
    expect(scrubIdentifiers('Joanna and Annette', pattern, pseudonym)).toBe('Joanna and Annette');
  });

  it('knows accented names as words, and has nothing to look for without identifiers', () => {
    const pattern = identifierPattern(['Zoë Wójcik']) ?? '';
    expect(scrubIdentifiers('Dzięki, Zoë Wójcik!', pattern, pseudonym)).toBe(`Dzięki, ${pseudonym}!`);
    expect(scrubIdentifiers('Zoë Wójcika', pattern, pseudonym)).toBe('Zoë Wójcika');
    expect(identifierPattern(['', 'ab'])).toBeNull();
  });
});

describe('withdrawing an erasure request', () => {
  const actor = (id: string, roles: Actor['roles'] = ['employee']): Actor => ({
    id,
    email: `${id}@example.com`,
    roles,
    sessionId: null,
    pending: [],
  });
  const request = { id: 'r', userId: 'person', requestedBy: 'hr-1', status: 'pending' as const };

  it('is the person’s, or whoever asked on their behalf; anyone else is refused, and only while pending', () => {
    expect(decideErasureCancel(actor('person'), request)).toEqual({ onBehalf: false });
    expect(decideErasureCancel(actor('hr-1', ['hr']), request)).toEqual({ onBehalf: true });
    const refusal = (() => {
      try {
        decideErasureCancel(actor('hr-2', ['hr']), request);
      } catch (error) {
        return error;
      }
    })();
    expect(isDomainError(refusal) && refusal.code).toBe('FORBIDDEN');
    expect(() => decideErasureCancel(actor('person'), { ...request, status: 'approved' })).toThrow(
      expect.objectContaining({ code: 'REQUEST_NOT_PENDING', details: { status: 'approved' } }),
    );
  });
});
