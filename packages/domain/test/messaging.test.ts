import { subject } from '@casl/ability';
import { describe, expect, it } from 'vitest';
import {
  applyMessage,
  assertParticipant,
  decideDigest,
  decideNewThread,
  decideRead,
  decideSend,
  defineAbilityFor,
  digestNotifications,
  type MessageRecord,
  pairKeyOf,
  previewOf,
  type ThreadRecord,
  unreadOf,
} from '../src/index.js';

const ANA = 'aaaaaaaaaaaaaaaaaaaaaaaa';
const BEN = 'bbbbbbbbbbbbbbbbbbbbbbbb';
const EVE = 'eeeeeeeeeeeeeeeeeeeeeeee';
const THREAD = '111111111111111111111111';
const NOW = new Date('2026-03-02T09:00:00.000Z');
const DELAY = 10 * 60_000;
const at = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000);
let ids = 0;
const nextId = () => (++ids).toString(16).padStart(24, '0');

const newThread = (): ThreadRecord =>
  decideNewThread({ actorId: ANA, participantId: BEN, participant: { status: 'active' }, id: THREAD, now: NOW });

function sendIn(thread: ThreadRecord, senderId: string, minutes: number, body = 'hi'): [ThreadRecord, MessageRecord] {
  const message = decideSend({ thread, senderId, recipientStatus: 'active', id: nextId(), body, now: at(minutes) });
  return [applyMessage(thread, message, DELAY) as ThreadRecord, message];
}

describe('threads', () => {
  it('keys a pair the same whoever starts it', () => {
    expect(pairKeyOf(ANA, BEN)).toBe(pairKeyOf(BEN, ANA));
    expect(pairKeyOf(BEN, ANA)).toBe(`${ANA}:${BEN}`);
  });

  it('refuses oneself, nobody and an archived person', () => {
    const base = { actorId: ANA, id: THREAD, now: NOW };
    expect(() => decideNewThread({ ...base, participantId: ANA, participant: { status: 'active' } })).toThrow(
      expect.objectContaining({ code: 'THREAD_WITH_SELF' }),
    );
    expect(() => decideNewThread({ ...base, participantId: BEN, participant: null })).toThrow(
      expect.objectContaining({ code: 'NOT_FOUND' }),
    );
    expect(() => decideNewThread({ ...base, participantId: BEN, participant: { status: 'archived' } })).toThrow(
      expect.objectContaining({ code: 'RECIPIENT_ARCHIVED', details: { recipientId: BEN } }),
    );
  });

  it('shows a thread to its two participants only', () => {
    const thread = newThread();
    expect(assertParticipant(thread, BEN, THREAD)).toBe(thread);
    expect(() => assertParticipant(thread, EVE, THREAD)).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    expect(() => assertParticipant(null, ANA, THREAD)).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    const tagged = subject('MessageThread', { participantIds: [ANA, BEN] });
    expect(defineAbilityFor({ id: ANA, roles: ['employee'] }).can('read', tagged)).toBe(true);
    expect(defineAbilityFor({ id: EVE, roles: ['employee'] }).can('read', tagged)).toBe(false);
    // Private by default: an admin, who may manage everything else, may not read it.
    const admin = defineAbilityFor({ id: EVE, roles: ['admin'] });
    expect(admin.can('read', tagged)).toBe(false);
    expect(admin.can('read', subject('MessageThread', { participantIds: [EVE, BEN] }))).toBe(true);
    expect(defineAbilityFor({ id: EVE, roles: ['employee'] }).can('create', 'MessageThread')).toBe(true);
  });
});

describe('sending and reading', () => {
  it('numbers messages, counts the recipient’s unread and marks the sender’s own read', () => {
    const [first, m1] = sendIn(newThread(), ANA, 1, 'one');
    let thread = first;
    [thread] = sendIn(thread, ANA, 2, 'two');
    expect(thread.lastSeq).toBe(2);
    expect(unreadOf(thread, BEN)).toBe(2);
    expect(unreadOf(thread, ANA)).toBe(0);
    expect(thread.lastActivityAt).toEqual(at(2));
    // Applying a message twice (a retry, a concurrent repair) changes nothing.
    expect(applyMessage(thread, m1, DELAY)).toBeNull();
    // Ben answers: he has read everything before his own message.
    [thread] = sendIn(thread, BEN, 3, 'three');
    expect(unreadOf(thread, BEN)).toBe(0);
    expect(unreadOf(thread, ANA)).toBe(1);
  });

  it('refuses to send to an archived person', () => {
    expect(() =>
      decideSend({
        thread: newThread(),
        senderId: ANA,
        recipientStatus: 'archived',
        id: nextId(),
        body: 'x',
        now: NOW,
      }),
    ).toThrow(expect.objectContaining({ code: 'RECIPIENT_ARCHIVED', details: { recipientId: BEN } }));
  });

  it('moves a read marker forwards only', () => {
    let thread = newThread();
    const sent: MessageRecord[] = [];
    for (const minute of [1, 2, 3]) {
      const [next, message] = sendIn(thread, ANA, minute);
      thread = next;
      sent.push(message);
    }
    const read = decideRead({ thread, readerId: BEN, upTo: sent[1] as MessageRecord, now: at(5), delayMs: DELAY });
    expect(read?.sides[1]).toMatchObject({ readSeq: 2, readUpTo: sent[1]?.id, readAt: at(5) });
    expect(unreadOf(read as ThreadRecord, BEN)).toBe(1);
    expect(
      decideRead({
        thread: read as ThreadRecord,
        readerId: BEN,
        upTo: sent[0] as MessageRecord,
        now: at(6),
        delayMs: DELAY,
      }),
    ).toBeNull();
    expect(
      decideRead({
        thread: read as ThreadRecord,
        readerId: BEN,
        upTo: sent[1] as MessageRecord,
        now: at(6),
        delayMs: DELAY,
      }),
    ).toBeNull();
    expect(read?.version).toBe(thread.version + 1);
  });

  it('previews a message on one line, cut at 140 characters', () => {
    expect(previewOf('  Hello\n\tthere  ')).toBe('Hello there');
    const long = previewOf('😀'.repeat(200));
    expect([...long]).toHaveLength(140);
    expect(long.endsWith('…')).toBe(true);
  });
});

describe('the unread digest', () => {
  it('falls due after the delay, tells each side once, and not after reading', () => {
    let thread = newThread();
    [thread] = sendIn(thread, ANA, 0);
    [thread] = sendIn(thread, ANA, 4);
    expect(thread.digestDueAt).toEqual(at(10));
    expect(decideDigest(thread, at(9), DELAY)).toBeNull();
    const due = decideDigest(thread, at(10), DELAY);
    expect(due?.digests).toEqual([{ recipientId: BEN, senderId: ANA, threadId: THREAD, count: 2 }]);
    expect(due?.thread.digestDueAt).toBeNull();
    expect(decideDigest(due?.thread as ThreadRecord, at(30), DELAY)).toBeNull();

    // One more message: only it is new, and its wait starts at it.
    let [later] = sendIn(due?.thread as ThreadRecord, ANA, 20);
    expect(later.digestDueAt).toEqual(at(30));
    expect(decideDigest(later, at(30), DELAY)?.digests[0]?.count).toBe(1);

    // Read in time: nothing waits.
    [later] = sendIn(newThread(), ANA, 0);
    const read = decideRead({ thread: later, readerId: BEN, upTo: later.lastMessage, now: at(2), delayMs: DELAY });
    expect(read?.digestDueAt).toBeNull();
  });

  it('makes one notification per recipient, however many threads', () => {
    const names: Record<string, string> = { [ANA]: 'Ana', [EVE]: 'Eve' };
    const list = digestNotifications(
      [
        { recipientId: BEN, senderId: ANA, threadId: THREAD, count: 2 },
        { recipientId: BEN, senderId: EVE, threadId: nextId(), count: 1 },
        { recipientId: EVE, senderId: ANA, threadId: nextId(), count: 1 },
      ],
      (id) => names[id] ?? '?',
    );
    expect(list).toHaveLength(2);
    expect(list[0]).toMatchObject({
      userId: BEN,
      type: 'message.unread',
      title: '3 new messages from Ana and 1 other',
      link: '/messages',
      data: { count: 3, threads: 2 },
    });
    expect(list[1]).toMatchObject({ userId: EVE, title: '1 new message from Ana', actorId: ANA });
    expect(list[1]?.link).toMatch(/^\/messages\/[0-9a-f]{24}$/);
  });
});
