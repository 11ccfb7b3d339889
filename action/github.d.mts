/** Types of github.mjs, for the tests (the Action itself runs the plain JavaScript). */
export declare const COMMENT_LIMIT: number;
export declare const SUMMARY_LIMIT: number;
export declare function marker(config: string, kind?: string): string;
export declare function cut(text: string, limit: number, note: string, opts?: { bytes?: boolean }): string;
export type Request = (method: string, path: string, body?: unknown) => Promise<any>;
export declare function githubClient(opts: { apiUrl?: string; token?: string; fetchImpl?: typeof fetch }): Request;
export declare function upsertComment(
  request: Request,
  opts: { repo: string; issue: number; marker: string; body: string },
): Promise<{ action: 'created' | 'updated' | 'unchanged'; id: number }>;
export declare function setOutput(name: string, value: string, file?: string): void;
export declare function appendSummary(markdown: string, note: string, file?: string, limit?: number): void;
