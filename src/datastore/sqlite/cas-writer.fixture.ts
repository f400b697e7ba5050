/**
 * Child process for the multi-process CAS test: opens the SQLite datastore at
 * argv[2] and increments the counter resource argv[3] times with
 * read-modify-write + compare-and-swap, retrying on conflict. Reports its
 * conflict count to the parent over IPC. Waits for a 'go' message first.
 */
import { isCalicoError } from '../../lib/errors.js';
import { SqliteDatastore } from './sqlite-datastore.js';

const [path, countText] = process.argv.slice(2);
const key = { kind: 'ClusterInformation', name: 'counter' };

async function main(): Promise<void> {
  const ds = SqliteDatastore.open(path!);
  // Start line: every writer opens first, then all start together on 'go'.
  await new Promise<void>((resolve) => {
    process.once('message', () => resolve());
    process.send?.({ ready: true });
  });
  let conflicts = 0;
  try {
    for (let done = 0; done < Number(countText);) {
      const cur = await ds.get<{ n: number }>(key);
      if (!cur) throw new Error('counter missing');
      try {
        await ds.update(key, { n: cur.value.n + 1 }, cur.revision);
        done++;
      } catch (e) {
        if (!isCalicoError(e, 'CALICO_ERR_CONFLICT')) throw e;
        conflicts++;
      }
    }
  } finally {
    await ds.close();
  }
  process.send?.({ conflicts });
}

main().catch((e: unknown) => {
  process.stderr.write(`${String((e as Error).stack ?? e)}\n`);
  process.exit(1);
});
