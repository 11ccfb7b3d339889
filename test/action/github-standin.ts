/**
 * A local stand-in for the part of the GitHub REST API the Action uses: issue
 * comments (list with per_page/page, create, update). It checks the token,
 * keeps comments in memory, and records every request.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Comment {
  id: number;
  body: string;
  issue: number;
}

export interface StandIn {
  url: string;
  comments: Comment[];
  requests: string[];
  stop(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text;
}

export async function startGitHub(token: string): Promise<StandIn> {
  const comments: Comment[] = [];
  const requests: string[] = [];
  let nextId = 1000;
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${token}`) return send(401, { message: 'Bad credentials' });
    const list = /^\/repos\/([^/]+\/[^/]+)\/issues\/(\d+)\/comments$/.exec(url.pathname);
    const one = /^\/repos\/([^/]+\/[^/]+)\/issues\/comments\/(\d+)$/.exec(url.pathname);
    if (list && req.method === 'GET') {
      const perPage = Math.min(100, Number(url.searchParams.get('per_page') ?? 30));
      const page = Number(url.searchParams.get('page') ?? 1);
      const mine = comments.filter((c) => c.issue === Number(list[2]));
      return send(200, mine.slice((page - 1) * perPage, page * perPage).map((c) => ({ id: c.id, body: c.body, user: { login: 'github-actions[bot]' } })));
    }
    if (list && req.method === 'POST') {
      const { body } = JSON.parse(await readBody(req)) as { body: string };
      if (body.length > 65_536) return send(422, { message: 'Validation Failed', errors: [{ message: 'body is too long (maximum is 65536 characters)' }] });
      const c = { id: nextId++, body, issue: Number(list[2]) };
      comments.push(c);
      return send(201, { id: c.id, body: c.body });
    }
    if (one && req.method === 'PATCH') {
      const c = comments.find((x) => x.id === Number(one[2]));
      if (!c) return send(404, { message: 'Not Found' });
      const { body } = JSON.parse(await readBody(req)) as { body: string };
      if (body.length > 65_536) return send(422, { message: 'Validation Failed' });
      c.body = body;
      return send(200, { id: c.id, body: c.body });
    }
    return send(404, { message: 'Not Found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    comments,
    requests,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
