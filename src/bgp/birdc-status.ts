/**
 * Parses `birdc show protocols` into BGP session rows the way calicoctl
 * node status reports them: only protocols named Mesh_*, Node_* or
 * Global_*, the peer address recovered from the name, the peer type, the
 * BIRD state, since-time and info (BGP state such as Established).
 */
export interface BgpSession {
  readonly protocol: string;
  readonly peerAddress: string;
  readonly peerType: 'node-to-node mesh' | 'node specific' | 'global';
  readonly state: string;
  readonly since: string;
  readonly info: string;
  readonly ipVersion: 4 | 6;
}

const TYPES: Readonly<Record<string, BgpSession['peerType']>> = { Mesh: 'node-to-node mesh', Node: 'node specific', Global: 'global' };

/** The peer address in a protocol name: `Mesh_10_0_0_2` -> 10.0.0.2, `Node_fd00__1` -> fd00::1, `_port_N` dropped. */
export function peerAddressFromName(rest: string): { address: string; version: 4 | 6 } {
  const base = rest.replace(/_port_\d+$/, '');
  if (/^\d+_\d+_\d+_\d+$/.test(base)) return { address: base.replace(/_/g, '.'), version: 4 };
  return { address: base.replace(/_/g, ':'), version: 6 };
}

export function parseBirdProtocols(text: string): BgpSession[] {
  const out: BgpSession[] = [];
  for (const line of text.split('\n')) {
    // Name Proto Table State Since(date time | time) Info...
    const m = /^(Mesh|Node|Global)_(\S+)\s+BGP\s+\S+\s+(\S+)\s+(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}|\S+)\s*(.*)$/.exec(line.trim());
    if (!m) continue;
    const { address, version } = peerAddressFromName(m[2]!);
    const since = m[4]!.includes(' ') ? m[4]!.split(' ')[1]! : m[4]!;
    out.push({
      protocol: `${m[1]}_${m[2]}`, peerAddress: address, peerType: TYPES[m[1]!]!, state: m[3]!, since,
      info: m[5]!.trim().replace(/\s+/g, ' '), ipVersion: version,
    });
  }
  return out;
}
