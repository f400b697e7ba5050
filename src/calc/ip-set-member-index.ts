/**
 * IpSetMemberIndex: the members of every active IP set (Felix's
 * SelectorAndNamedPortIndex). Items are ALL endpoints and network sets in the
 * cluster (not only local ones): a rule on this host may name a remote pod.
 * Selector sets get each matching item's CIDRs; named-port sets get
 * `ip,proto:port` for each matching endpoint port with that name and protocol.
 * Members are refcounted (two items may contribute the same address), so the
 * listener sees one add and one remove per distinct member.
 */
import type { IpSetId, IpSetType } from '../dataplane/model/index.js';
import { LabelIndex, type Labels, type MatchListener } from './label-index.js';
import type { IpSetSpec, NamedPortProtocol } from './rule-compiler.js';

export interface IpSetListener {
  onIpSetAdded(id: IpSetId, type: IpSetType): void;
  /** Sent instead of per-member removals when a whole set goes. */
  onIpSetRemoved(id: IpSetId): void;
  onIpSetMemberAdded(id: IpSetId, member: string): void;
  onIpSetMemberRemoved(id: IpSetId, member: string): void;
}

/** What one item can contribute to IP sets. */
export interface MemberSource {
  /** Canonical CIDRs: endpoint addresses as /32 or /128, network set nets as given. */
  readonly cidrs: readonly string[];
  /** Named ports (endpoints only). */
  readonly ports: readonly { readonly name: string; readonly protocol: NamedPortProtocol; readonly port: number }[];
}

export class IpSetMemberIndex implements MatchListener {
  private readonly index = new LabelIndex(this);
  private readonly specs = new Map<IpSetId, IpSetSpec>();
  private readonly sources = new Map<string, MemberSource>();
  private readonly members = new Map<IpSetId, Map<string, number>>();
  /** While set, match callbacks do not touch members (the caller re-derives them). */
  private quiet = false;

  constructor(private readonly out: IpSetListener) {}

  get activeIpSetCount(): number {
    return this.specs.size;
  }

  addIpSet(spec: IpSetSpec): void {
    if (this.specs.has(spec.id)) throw new Error(`IP set ${spec.id} activated twice`);
    this.specs.set(spec.id, spec);
    this.members.set(spec.id, new Map());
    this.out.onIpSetAdded(spec.id, spec.namedPort ? 'ip-and-port' : 'net');
    this.index.updateSelector(spec.id, spec.selector);
  }

  removeIpSet(id: IpSetId): void {
    if (!this.specs.has(id)) throw new Error(`IP set ${id} deactivated but not active`);
    this.quiet = true;
    try {
      this.index.updateSelector(id, null);
    } finally {
      this.quiet = false;
    }
    this.specs.delete(id);
    this.members.delete(id);
    this.out.onIpSetRemoved(id);
  }

  /** Adds, updates or (labels null) removes an endpoint or network set. */
  updateItem(itemId: string, labels: Labels | null, parentIds: readonly string[], source: MemberSource | null): void {
    const old = this.sources.get(itemId);
    if (old) for (const setId of this.index.selectorsMatching(itemId)) this.contribute(setId, old, -1);
    if (labels === null || source === null) this.sources.delete(itemId);
    else this.sources.set(itemId, source);
    this.quiet = true;
    try {
      this.index.updateItem(itemId, labels === null || source === null ? null : labels, parentIds);
    } finally {
      this.quiet = false;
    }
    const now = this.sources.get(itemId);
    if (now) for (const setId of this.index.selectorsMatching(itemId)) this.contribute(setId, now, +1);
  }

  /** A profile's labelsToApply changed: items inheriting them may start/stop matching. */
  updateParent(parentId: string, labels: Labels | null): void {
    this.index.updateParent(parentId, labels);
  }

  onMatchStarted(setId: string, itemId: string): void {
    if (this.quiet) return;
    const src = this.sources.get(itemId);
    if (src) this.contribute(setId, src, +1);
  }

  onMatchStopped(setId: string, itemId: string): void {
    if (this.quiet) return;
    const src = this.sources.get(itemId);
    if (src) this.contribute(setId, src, -1);
  }

  private contribute(setId: IpSetId, src: MemberSource, delta: 1 | -1): void {
    const spec = this.specs.get(setId)!;
    const counts = this.members.get(setId)!;
    for (const m of membersFor(spec, src)) {
      const n = (counts.get(m) ?? 0) + delta;
      if (n === 0) {
        counts.delete(m);
        this.out.onIpSetMemberRemoved(setId, m);
      } else {
        counts.set(m, n);
        if (n === 1 && delta === 1) this.out.onIpSetMemberAdded(setId, m);
      }
    }
  }
}

function membersFor(spec: IpSetSpec, src: MemberSource): string[] {
  const np = spec.namedPort;
  if (!np) return [...new Set(src.cidrs)];
  const out = new Set<string>();
  for (const p of src.ports) {
    if (p.name !== np.name || p.protocol !== np.protocol) continue;
    for (const c of src.cidrs) out.add(`${c.slice(0, c.indexOf('/'))},${np.protocol}:${p.port}`);
  }
  return [...out];
}
