import { hashFromComment } from '../rule-hash.js';

/** One table's chains as read from iptables-save: per chain, our hash of each rule ('' = not ours). */
export type SavedChains = Map<string, readonly string[]>;

const COMMENT = /(?:^|\s)--comment\s+(?:"((?:[^"\\]|\\.)*)"|(\S+))/;

/** Extracts our `cali:` hash from one `-A` line, or ''. */
export function hashOfSaveLine(line: string): string {
  const m = COMMENT.exec(line);
  if (!m) return '';
  return hashFromComment(m[1] ?? m[2]);
}

/**
 * Parses `iptables-save -t TABLE` output into chain -> rule hashes. Only the
 * named table's section is read; counters and policies are ignored because
 * identity is carried by the hash comments.
 */
export function parseIptablesSave(text: string, table: string): SavedChains {
  const chains = new Map<string, string[]>();
  let inTable = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('*')) { inTable = line.slice(1) === table; continue; }
    if (!inTable) continue;
    if (line === 'COMMIT') { inTable = false; continue; }
    if (line.startsWith(':')) {
      const name = line.slice(1).split(/\s+/)[0] ?? '';
      if (!chains.has(name)) chains.set(name, []);
    } else if (line.startsWith('-A ')) {
      const name = line.slice(3).split(/\s+/)[0] ?? '';
      const hs = chains.get(name) ?? [];
      chains.set(name, hs);
      hs.push(hashOfSaveLine(line));
    }
  }
  return chains;
}
