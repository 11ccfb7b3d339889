/** Asking a person for confirmation on the terminal. */
import { createInterface } from 'node:readline/promises';

/**
 * True only when the answer is `yes`. Ctrl-C at the prompt is passed on as a
 * SIGINT (the terminal is in raw mode, so readline catches it); when `signal`
 * aborts, the question is withdrawn and the answer is no.
 */
export async function confirm(question: string, signal?: AbortSignal): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  rl.on('SIGINT', () => process.kill(process.pid, 'SIGINT'));
  try {
    const answer = await rl.question(question, signal ? { signal } : {});
    return answer.trim() === 'yes';
  } catch (e) {
    if (signal?.aborted) return false;
    throw e;
  } finally {
    rl.close();
  }
}
