/** Polling for an outcome in the e2e and interop tests. */
import assert from 'node:assert/strict';

/** Resolves once `fn` answers true (asked every `intervalMs`); fails naming `what` after `ms`. */
export async function waitFor(what: string, fn: () => Promise<boolean>, ms: number, intervalMs: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  assert.fail(`timed out waiting for ${what}`);
}
