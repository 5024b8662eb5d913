import { beforeAll, describe, expect, it } from 'vitest';
import { bearer, callAs, type RestMethod, type SignedIn, signInAs } from './auth-helpers.js';
import { testClock } from './clock.js';
import { useTestApp } from './support.js';

/** The app's clock stands still; the projects here began months before it. */
const clock = testClock();
const testApp = useTestApp(import.meta.url, { clock });

let manager: SignedIn;
let lead: SignedIn;
let member: SignedIn;
let colleague: SignedIn;
let outsider: SignedIn;
let projectId: string;

const call = (session: SignedIn | null, method: RestMethod, url: string, payload?: unknown) =>
  callAs(testApp().app, session, method, url, payload);

beforeAll(async () => {
  manager = await signInAs(testApp(), ['manager']);
  [lead, member, colleague, outsider] = await Promise.all([
    signInAs(testApp()),
    signInAs(testApp()),
    signInAs(testApp()),
    signInAs(testApp()),
  ]);
  const project = await call(manager, 'POST', '/projects', {
    name: 'Collab',
    startDate: clock.day(-300),
    endDate: null,
  });
  projectId = project.json().id;
  for (const [person, role] of [
    [lead, 'lead'],
    [member, 'member'],
    [colleague, 'member'],
  ] as const) {
    const added = await call(manager, 'POST', `/projects/${projectId}/roster`, {
      userId: person.id,
      role,
      allocationPercent: 20,
    });
    expect(added.statusCode).toBe(201);
  }
});

function upload(session: SignedIn, fileName: string, body: string | Buffer, name?: string) {
  const boundary = '----seedpmsdoc';
  const parts = [
    ...(name ? [`--${boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\n${name}\r\n`] : []),
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  ];
  return testApp().app.inject({
    method: 'POST',
    url: `/api/v1/projects/${projectId}/documents`,
    headers: { ...bearer(session), 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload: Buffer.concat([Buffer.from(parts.join('')), Buffer.from(body), Buffer.from(`\r\n--${boundary}--\r\n`)]),
  });
}

describe('project comments', () => {
  it('members comment; text is kept exactly as sent; people off the project neither read nor write', async () => {
    const body = '<script>alert("x")</script>\n  **not markdown** & friends  ';
    const created = await call(member, 'POST', `/projects/${projectId}/comments`, { body });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ body, author: { id: member.id }, editedAt: null, version: 1 });
    expect((await call(outsider, 'POST', `/projects/${projectId}/comments`, { body: 'hi' })).statusCode).toBe(403);
    expect((await call(outsider, 'GET', `/projects/${projectId}/comments`)).statusCode).toBe(403);
    // Managers take part in every project.
    expect(
      (await call(manager, 'POST', `/projects/${projectId}/comments`, { body: 'From a manager' })).statusCode,
    ).toBe(201);
    const list = (await call(colleague, 'GET', `/projects/${projectId}/comments?order=oldest`)).json();
    expect(list.items.map((c: { body: string }) => c.body)).toEqual([body, 'From a manager']);
  });

  it('refuses empty and over-long comments', async () => {
    const blank = await call(member, 'POST', `/projects/${projectId}/comments`, { body: '   \n ' });
    expect(blank.statusCode).toBe(400);
    const long = await call(member, 'POST', `/projects/${projectId}/comments`, { body: 'x'.repeat(10_001) });
    expect(long.statusCode).toBe(400);
    expect(long.json().error.code).toBe('VALIDATION_FAILED');
  });

  it('authors edit their own comments (with version); leads and managers delete; deletion is soft', async () => {
    const comment = (await call(member, 'POST', `/projects/${projectId}/comments`, { body: 'first draft' })).json();
    const url = `/projects/${projectId}/comments/${comment.id}`;
    const byOther = await call(colleague, 'PATCH', url, { version: 1, body: 'hijacked' });
    expect(byOther.statusCode).toBe(403);
    // Not even a manager edits someone else's words.
    expect((await call(manager, 'PATCH', url, { version: 1, body: 'edited' })).statusCode).toBe(403);
    const edited = await call(member, 'PATCH', url, { version: 1, body: 'second draft' });
    expect(edited.json()).toMatchObject({ body: 'second draft', version: 2, editedAt: expect.any(String) });
    expect((await call(member, 'PATCH', url, { version: 1, body: 'stale' })).statusCode).toBe(409);

    expect((await call(colleague, 'DELETE', url)).statusCode).toBe(403);
    expect((await call(lead, 'DELETE', url)).statusCode).toBe(200);
    expect((await call(lead, 'DELETE', url)).statusCode).toBe(404);
    const list = (await call(member, 'GET', `/projects/${projectId}/comments`)).json();
    expect(list.items.map((c: { id: string }) => c.id)).not.toContain(comment.id);
    const stored = await testApp().database.collections.projectComments.findOne({ body: 'second draft' });
    expect(stored?.deletedAt).toBeInstanceOf(Date);
    expect(stored?.deletedBy?.toHexString()).toBe(lead.id);
  });
});

describe('project documents', () => {
  it('uploads a document; the same name adds a version; every version can be downloaded', async () => {
    const first = await upload(member, 'plan.txt', 'version one', 'Project Plan');
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({ name: 'Project Plan', latestVersion: 1 });
    const second = await upload(lead, 'plan-v2.txt', 'version two, longer', 'project plan');
    expect(second.statusCode).toBe(201);
    const doc = second.json();
    expect(doc).toMatchObject({ id: first.json().id, name: 'Project Plan', latestVersion: 2 });
    expect(doc.versions.map((v: { version: number; fileName: string }) => [v.version, v.fileName])).toEqual([
      [2, 'plan-v2.txt'],
      [1, 'plan.txt'],
    ]);
    expect(doc.versions[0]).toMatchObject({ uploadedBy: { id: lead.id }, contentType: 'text/plain', size: 19 });

    const latest = (await call(colleague, 'GET', `/projects/${projectId}/documents/${doc.id}`)).json();
    expect(latest.version).toBe(2);
    const download = await testApp().app.inject({
      method: 'GET',
      url: new URL(latest.download.url).pathname + new URL(latest.download.url).search,
    });
    expect(download.statusCode).toBe(200);
    expect(download.body).toBe('version two, longer');
    const older = (await call(colleague, 'GET', `/projects/${projectId}/documents/${doc.id}?version=1`)).json();
    const olderBytes = await testApp().app.inject({
      method: 'GET',
      url: new URL(older.download.url).pathname + new URL(older.download.url).search,
    });
    expect(olderBytes.body).toBe('version one');
    expect((await call(colleague, 'GET', `/projects/${projectId}/documents/${doc.id}?version=3`)).statusCode).toBe(404);

    const list = (await call(member, 'GET', `/projects/${projectId}/documents?q=proj`)).json();
    expect(list.items.map((d: { id: string }) => d.id)).toEqual([doc.id]);
  });

  it('refuses people off the project, types not allowed, and deletion by anyone below Manager', async () => {
    expect((await upload(outsider, 'x.txt', 'nope')).statusCode).toBe(403);
    expect((await call(outsider, 'GET', `/projects/${projectId}/documents`)).statusCode).toBe(403);
    const exe = await upload(member, 'tool.exe', Buffer.from([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00]));
    expect(exe.statusCode).toBe(415);

    const doc = (await upload(member, 'notes.md', '# Notes')).json();
    const url = `/projects/${projectId}/documents/${doc.id}`;
    expect((await call(lead, 'DELETE', url)).statusCode).toBe(403);
    expect((await call(member, 'DELETE', url)).statusCode).toBe(403);
    const link = (await call(member, 'GET', url)).json().download.url as string;
    expect((await call(manager, 'DELETE', url)).statusCode).toBe(200);
    expect((await call(member, 'GET', url)).statusCode).toBe(404);
    // The old link no longer serves the bytes, and the name can be used afresh.
    const old = await testApp().app.inject({ method: 'GET', url: new URL(link).pathname + new URL(link).search });
    expect(old.statusCode).toBe(404);
    const again = await upload(member, 'notes.md', '# New notes');
    expect(again.json()).toMatchObject({ name: 'notes.md', latestVersion: 1 });
    expect(again.json().id).not.toBe(doc.id);
    const audit = (
      await call(await signInAs(testApp(), ['admin']), 'GET', `/audits/project_document/${doc.id}`)
    ).json();
    expect(audit.items.map((e: { action: string }) => e.action)).toContain('project.document.delete');
  });

  it('an archived project keeps its comments and documents, read-only', async () => {
    const project = (await call(manager, 'POST', '/projects', { name: 'Closing', startDate: clock.day(-300) })).json();
    const comment = (await call(manager, 'POST', `/projects/${project.id}/comments`, { body: 'final words' })).json();
    expect((await call(manager, 'DELETE', `/projects/${project.id}`)).statusCode).toBe(200);
    expect((await call(manager, 'GET', `/projects/${project.id}/comments`)).json().total).toBe(1);
    const removal = await call(manager, 'DELETE', `/projects/${project.id}/comments/${comment.id}`);
    expect(removal.statusCode).toBe(422);
    expect(removal.json().error).toMatchObject({ code: 'PROJECT_ARCHIVED', details: { projectId: project.id } });
    const more = await call(manager, 'POST', `/projects/${project.id}/comments`, { body: 'more' });
    expect(more.statusCode).toBe(422);
    expect(more.json().error.code).toBe('PROJECT_ARCHIVED');
  });

  it('two first uploads of one name at once make one document with two versions', async () => {
    const [a, b] = await Promise.all([upload(member, 'race.txt', 'A'), upload(colleague, 'race.txt', 'B')]);
    expect([a.statusCode, b.statusCode]).toEqual([201, 201]);
    expect(a.json().id).toBe(b.json().id);
    const doc = (await call(member, 'GET', `/projects/${projectId}/documents/${a.json().id}`)).json();
    expect(doc.versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
  });
});

describe('regression: a document of another project was 403 through the project but 404 through /files/:id', () => {
  it('someone off the project gets the same answer for a document or comment by id as for an unknown id', async () => {
    const doc = (await upload(member, 'private.txt', 'members only')).json();
    const comment = (await call(member, 'POST', `/projects/${projectId}/comments`, { body: 'members only' })).json();
    const unknown = '0123456789abcdef01234567';
    for (const [url, method] of [
      [`/projects/${projectId}/documents/${doc.id}`, 'GET'],
      [`/projects/${projectId}/documents/${doc.id}`, 'DELETE'],
      [`/projects/${projectId}/comments/${comment.id}`, 'DELETE'],
    ] as const) {
      const seen = await call(outsider, method, url);
      const none = await call(outsider, method, url.replace(/[0-9a-f]{24}$/, unknown));
      expect(seen.statusCode, `${method} ${url}`).toBe(none.statusCode);
      expect(seen.json().error.code).toBe(none.json().error.code);
    }
    // Reading is open to some (members): who may not read gets 404, not 403.
    expect((await call(outsider, 'GET', `/projects/${projectId}/documents/${doc.id}`)).statusCode).toBe(404);
    expect((await call(outsider, 'DELETE', `/projects/${projectId}/comments/${comment.id}`)).statusCode).toBe(404);
    const patched = await call(outsider, 'PATCH', `/projects/${projectId}/comments/${comment.id}`, {
      version: 1,
      body: 'x',
    });
    expect(patched.statusCode).toBe(404);
    // The file behind the document answers the same way.
    const fileId = doc.versions[0].fileId as string;
    expect((await call(outsider, 'GET', `/files/${fileId}`)).statusCode).toBe(404);
  });
});

describe('regression: a long file name lost its extension and the upload was refused as 415', () => {
  it('a project document with a 205-character name keeps its .txt, is typed as text and named within 200 characters', async () => {
    const long = `${'ä'.repeat(100)}${'😀'.repeat(101)}.txt`;
    const uploaded = await upload(member, long, 'plain words');
    expect(uploaded.statusCode).toBe(201);
    const doc = uploaded.json();
    expect(doc.name.endsWith('.txt')).toBe(true);
    expect(Array.from(doc.name as string).length).toBeLessThanOrEqual(200);
    expect(doc.versions[0].contentType).toBe('text/plain');
  });
});
