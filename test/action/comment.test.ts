/**
 * The Action's pull-request comment logic against a local stand-in for the
 * GitHub API: one comment per configuration, found by its hidden marker and
 * updated in place, also when it is not on the first page; cut to GitHub's
 * size limit with fences and <details> closed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMENT_LIMIT, cut, githubClient, marker, upsertComment } from '../../action/github.mjs';
import { startGitHub, type StandIn } from './github-standin.js';

let gh: StandIn;
beforeAll(async () => {
  gh = await startGitHub('t0ken');
});
afterAll(async () => {
  await gh.stop();
});

const REPO = 'acme/infra';

describe('upsertComment', () => {
  it('creates one comment per configuration, then updates each in place', async () => {
    const request = githubClient({ apiUrl: gh.url, token: 't0ken' });
    const prod = marker('prod/replication.yaml');
    const dev = marker('dev/replication.yaml');
    expect(prod).toBe('<!-- s3repl:plan config="prod/replication.yaml" -->');

    const a = await upsertComment(request, { repo: REPO, issue: 7, marker: prod, body: 'prod plan v1' });
    const b = await upsertComment(request, { repo: REPO, issue: 7, marker: dev, body: 'dev plan v1' });
    expect([a.action, b.action]).toEqual(['created', 'created']);
    expect(a.id).not.toBe(b.id);

    const a2 = await upsertComment(request, { repo: REPO, issue: 7, marker: prod, body: 'prod plan v2' });
    expect(a2).toEqual({ action: 'updated', id: a.id });
    const same = await upsertComment(request, { repo: REPO, issue: 7, marker: prod, body: 'prod plan v2' });
    expect(same).toEqual({ action: 'unchanged', id: a.id });

    const onPr7 = gh.comments.filter((c) => c.issue === 7);
    expect(onPr7).toHaveLength(2);
    expect(onPr7.find((c) => c.id === a.id)!.body).toBe(`${prod}\nprod plan v2`);
    expect(onPr7.find((c) => c.id === b.id)!.body).toBe(`${dev}\ndev plan v1`);
  });

  it('finds its comment past the first page of a long conversation', async () => {
    const request = githubClient({ apiUrl: gh.url, token: 't0ken' });
    for (let i = 0; i < 130; i++) await request('POST', `/repos/${REPO}/issues/8/comments`, { body: `chatter ${i}` });
    const mark = marker('replication.yaml');
    const first = await upsertComment(request, { repo: REPO, issue: 8, marker: mark, body: 'plan v1' });
    expect(first.action).toBe('created');
    gh.requests.length = 0;
    const again = await upsertComment(request, { repo: REPO, issue: 8, marker: mark, body: 'plan v2' });
    expect(again).toEqual({ action: 'updated', id: first.id });
    expect(gh.requests).toEqual([
      `GET /repos/${REPO}/issues/8/comments?per_page=100&page=1`,
      `GET /repos/${REPO}/issues/8/comments?per_page=100&page=2`,
      `PATCH /repos/${REPO}/issues/comments/${first.id}`,
    ]);
    expect(gh.comments.filter((c) => c.issue === 8)).toHaveLength(131);
  });

  it('says why when GitHub refuses (a wrong token)', async () => {
    const request = githubClient({ apiUrl: gh.url, token: 'wrong' });
    await expect(upsertComment(request, { repo: REPO, issue: 9, marker: marker('x.yaml'), body: 'b' })).rejects.toThrow(
      /GitHub API GET \/repos\/acme\/infra\/issues\/9\/comments\?per_page=100&page=1: HTTP 401 .*Bad credentials/,
    );
  });
});

describe('cut', () => {
  it('leaves text that fits alone', () => {
    expect(cut('short', 100, 'note')).toBe('short');
  });

  it('cuts at a line, closes an open fence and <details>, and ends with the note', () => {
    const body = ['# Plan', '<details><summary>r</summary>', '', '```diff', ...Array.from({ length: 9000 }, (_, i) => `+ line ${i}`), '```', '</details>'].join('\n');
    const out = cut(body, COMMENT_LIMIT, 'NOTE: cut');
    expect(out.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(out.length).toBeGreaterThan(COMMENT_LIMIT - 200);
    expect(out.endsWith('```\n</details>\n\nNOTE: cut')).toBe(true);
    expect(out.split('\n').filter((l) => l.startsWith('```')).length % 2).toBe(0);
  });

  it('counts UTF-8 bytes for the job summary', () => {
    const body = Array.from({ length: 1000 }, () => '⚠️⚠️⚠️⚠️⚠️').join('\n');
    const out = cut(body, 10_000, 'cut', { bytes: true });
    expect(Buffer.byteLength(out, 'utf8')).toBeLessThanOrEqual(10_000);
    expect(out.length).toBeLessThan(10_000);
  });
});
