/** Types of check.mjs (plain JavaScript so CLI child processes load it without a compiler). */
export declare const SERVICES: Record<string, string>;
export declare function checkRequest(service: string, operation: string, input: unknown): string[];
export declare function model(service: string): {
  model: { repository: string; commit: string; path: string; serviceVersion: string };
  operations: Record<string, string>;
  shapes: Record<string, unknown>;
};
