/** Shared by the controllers' unit tests: polling for an asynchronous outcome. */
import assert from 'node:assert/strict';

/** Resolves once `fn` answers true; fails the test naming `what` after `ms`. */
export async function eventually(what: string, fn: () => Promise<boolean>, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
