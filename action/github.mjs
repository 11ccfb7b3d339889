/**
 * The GitHub side of the s3repl Action, with no dependencies (Node's fetch):
 * one pull-request comment per configuration, found again by a hidden marker
 * and updated in place (as Atlantis, tfcmt and Digger do), the job summary,
 * and step outputs.
 */
import { appendFileSync } from 'node:fs';

/** GitHub rejects issue comments longer than this (characters). */
export const COMMENT_LIMIT = 65_536;
/** A step's $GITHUB_STEP_SUMMARY may hold at most 1 MiB; stay under it. */
export const SUMMARY_LIMIT = 1_000_000;

/** The hidden line that identifies the comment of one configuration (and command). */
export function marker(config, kind = 'plan') {
  return `<!-- s3repl:${kind} config=${JSON.stringify(config)} -->`;
}

/**
 * Cuts `text` to at most `limit` UTF-16 characters (`bytes: true`: UTF-8
 * bytes) at a line boundary, closing an open ``` fence and an open <details>,
 * and appends `note`. Unchanged when it fits.
 */
export function cut(text, limit, note, { bytes = false } = {}) {
  const size = (s) => (bytes ? Buffer.byteLength(s, 'utf8') : s.length);
  if (size(text) <= limit) return text;
  const budget = limit - size(note) - 32;
  const lines = text.split('\n');
  const kept = [];
  let used = 0;
  for (const line of lines) {
    const n = size(line) + 1;
    if (used + n > budget) break;
    kept.push(line);
    used += n;
  }
  const fences = kept.filter((l) => /^\s*(```|~~~)/.test(l)).length;
  const details = kept.filter((l) => l.includes('<details')).length - kept.filter((l) => l.includes('</details>')).length;
  if (fences % 2 === 1) kept.push('```');
  for (let i = 0; i < details; i++) kept.push('</details>');
  return `${kept.join('\n')}\n\n${note}`;
}

/** A small REST client: `request('GET', '/repos/o/r/...')` → parsed JSON. */
export function githubClient({ apiUrl = 'https://api.github.com', token, fetchImpl = fetch }) {
  return async function request(method, path, body) {
    const init = {
      method,
      headers: {
        accept: 'application/vnd.github+json',
        'x-github-api-version': '2022-11-28',
        'user-agent': 's3repl-action',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    };
    const url = `${apiUrl.replace(/\/$/, '')}${path}`;
    let res;
    try {
      res = await fetchImpl(url, init);
    } catch {
      // A kept-alive connection the server has just closed, or a network blip: once more.
      res = await fetchImpl(url, init);
    }
    const text = await res.text();
    if (!res.ok) throw new Error(`GitHub API ${method} ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : undefined;
  };
}

/**
 * Creates the comment holding `marker` on the pull request, or updates the one
 * that already does (the oldest, if several). Returns what it did.
 */
export async function upsertComment(request, { repo, issue, marker: mark, body }) {
  const full = body.includes(mark) ? body : `${mark}\n${body}`;
  if (full.length > COMMENT_LIMIT) throw new Error(`comment of ${full.length} characters is over GitHub's ${COMMENT_LIMIT}`);
  for (let page = 1; ; page++) {
    const comments = await request('GET', `/repos/${repo}/issues/${issue}/comments?per_page=100&page=${page}`);
    const mine = comments.find((c) => typeof c.body === 'string' && c.body.includes(mark));
    if (mine) {
      if (mine.body === full) return { action: 'unchanged', id: mine.id };
      await request('PATCH', `/repos/${repo}/issues/comments/${mine.id}`, { body: full });
      return { action: 'updated', id: mine.id };
    }
    if (comments.length < 100) break;
  }
  const created = await request('POST', `/repos/${repo}/issues/${issue}/comments`, { body: full });
  return { action: 'created', id: created.id };
}

/** Appends `name=value` to $GITHUB_OUTPUT (a no-op outside Actions). */
export function setOutput(name, value, file = process.env.GITHUB_OUTPUT) {
  if (file) appendFileSync(file, `${name}=${value}\n`);
}

/** Appends Markdown to $GITHUB_STEP_SUMMARY, cut to stay under its size limit. */
export function appendSummary(markdown, note, file = process.env.GITHUB_STEP_SUMMARY, limit = SUMMARY_LIMIT) {
  if (!file) return;
  appendFileSync(file, `${cut(markdown, limit, note, { bytes: true })}\n`);
}
