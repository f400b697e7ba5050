/**
 * The workloads of this node that BGPPeer localWorkloadSelector can select
 * (Calico's Felix ActiveBGPPeerCalculator + confd LocalBGPPeerWatcher): a
 * WorkloadEndpoint on this node, its labels, and the first IPv4 / IPv6
 * address of its ipNetworks, which is the address BIRD peers with.
 */
type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

export interface LocalWorkload {
  /** `<namespace>/<name>` of the WorkloadEndpoint. */
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly ipv4?: string;
  readonly ipv6?: string;
}

/** WorkloadEndpoints (projectcalico.org/v3 shape) on `hostname`, sorted by name. */
export function parseLocalWorkloads(m: ReadonlyMap<string, unknown>, hostname: string): LocalWorkload[] {
  const out: LocalWorkload[] = [];
  for (const [key, v] of m) {
    const md = obj(obj(v)['metadata']);
    const spec = obj(obj(v)['spec']);
    if (spec['node'] !== hostname) continue;
    const labels: Record<string, string> = {};
    for (const [k, x] of Object.entries(obj(md['labels']))) if (typeof x === 'string') labels[k] = x;
    const nets = Array.isArray(spec['ipNetworks']) ? spec['ipNetworks'].filter((n): n is string => typeof n === 'string') : [];
    const first = (v6: boolean): string | undefined => nets.map((n) => n.split('/')[0]!).find((ip) => ip.includes(':') === v6);
    const ipv4 = first(false);
    const ipv6 = first(true);
    if (!ipv4 && !ipv6) continue;
    const ns = typeof md['namespace'] === 'string' ? md['namespace'] : undefined;
    const name = typeof md['name'] === 'string' ? (ns ? `${ns}/${md['name']}` : md['name']) : key;
    out.push({ name, labels, ...(ipv4 ? { ipv4 } : {}), ...(ipv6 ? { ipv6 } : {}) });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
