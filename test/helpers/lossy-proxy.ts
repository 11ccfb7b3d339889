/**
 * An HTTP proxy in front of the emulator that can lose replies: a request it is
 * told to drop is forwarded and fully executed upstream, then the client's
 * connection is cut instead of answering. The SDK sees a reset connection and
 * retries, exactly as after a reply lost on the network.
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DroppedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
}

export interface LossyProxy {
  url: string;
  /** Requests whose reply was dropped, in order. */
  dropped: DroppedRequest[];
  /** Drop the reply of the next `times` requests this predicate accepts. */
  dropNext(predicate: (r: DroppedRequest) => boolean, times?: number): void;
  stop(): Promise<void>;
}

export async function startLossyProxy(upstream: string): Promise<LossyProxy> {
  const target = new URL(upstream);
  const rules: Array<{ predicate: (r: DroppedRequest) => boolean; left: number }> = [];
  const dropped: DroppedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const info: DroppedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers };
    const rule = rules.find((r) => r.left > 0 && r.predicate(info));
    if (rule) rule.left--;
    const up = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (upRes) => {
        if (rule) {
          // Let the upstream finish the request, then vanish without a reply.
          upRes.resume();
          upRes.on('end', () => {
            dropped.push(info);
            req.socket.destroy();
          });
          return;
        }
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on('error', () => req.socket.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    dropped,
    dropNext(predicate, times = 1) {
      rules.push({ predicate, left: times });
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
