/**
 * IpSetsManager (felix/dataplane/linux/ipsets_mgr.go + masq_mgr.go): model IP
 * sets -> one kernel set per family, plus the two IPAM pool sets the
 * natOutgoing rule uses (all pools; pools with natOutgoing).
 * Members of the wrong family are left out of each family's set.
 */
import type { IpSetId } from '../model/ids.js';
import { ipFamily } from '../model/net.js';
import type { DataplaneMsg, IpSetType } from '../model/types.js';
import type { Family } from '../rules/ir.js';
import { poolSetName } from '../rules/names.js';
import type { IpPoolInfo, IpPoolMsg } from './pool-msg.js';
import type { RulesetWriter } from './ruleset-writer.js';

interface SetState { type: IpSetType; members: Set<string> }

/** Family of a set member: `net`/`ip` members are addresses or CIDRs, named-port ones `ip,proto:port`. */
function memberFamily(m: string, type: IpSetType): Family | null {
  const addr = type === 'ip-and-port' ? m.slice(0, m.lastIndexOf(',')) : m;
  return ipFamily(addr);
}

export class IpSetsManager {
  private readonly sets = new Map<IpSetId, SetState>();
  private readonly pools = new Map<string, IpPoolInfo>();
  private readonly dirty = new Set<IpSetId>();
  private poolsDirty = true;

  onMessage(msg: DataplaneMsg | IpPoolMsg): void {
    switch (msg.kind) {
      case 'IpSetUpdate':
        this.sets.set(msg.id, { type: msg.type, members: new Set(msg.members) });
        this.dirty.add(msg.id);
        return;
      case 'IpSetDeltaUpdate': {
        const s = this.sets.get(msg.id);
        if (!s) return;
        for (const m of msg.removed) s.members.delete(m);
        for (const m of msg.added) s.members.add(m);
        this.dirty.add(msg.id);
        return;
      }
      case 'IpSetRemove':
        this.sets.delete(msg.id);
        this.dirty.add(msg.id);
        return;
      case 'IpPoolUpdate':
        this.pools.set(msg.id, msg.pool);
        this.poolsDirty = true;
        return;
      case 'IpPoolRemove':
        this.pools.delete(msg.id);
        this.poolsDirty = true;
        return;
      default:
        return;
    }
  }

  markAllDirty(): void {
    for (const k of this.sets.keys()) this.dirty.add(k);
    this.poolsDirty = true;
  }

  /** Current members of a model IP set (all families), or undefined when unknown. */
  members(id: IpSetId): ReadonlySet<string> | undefined {
    return this.sets.get(id)?.members;
  }

  get activeIpSets(): number {
    return this.sets.size;
  }

  completeDeferredWork(w: RulesetWriter, families: readonly Family[]): void {
    for (const id of this.dirty) {
      const s = this.sets.get(id);
      for (const f of families) {
        const name = w.setName(id, f);
        if (!s) { w.removeIpSet(f, name); continue; }
        const members = [...s.members].filter((m) => memberFamily(m, s.type) === f);
        w.setIpSet(f, name, s.type === 'ip-and-port' ? 'ip-and-port' : 'net', members);
      }
    }
    this.dirty.clear();
    if (this.poolsDirty) {
      for (const f of families) {
        const all = [...this.pools.values()].filter((p) => ipFamily(p.cidr) === f);
        w.setIpSet(f, poolSetName('all', f), 'net', all.map((p) => p.cidr));
        w.setIpSet(f, poolSetName('masq', f), 'net', all.filter((p) => p.natOutgoing && !p.disabled).map((p) => p.cidr));
      }
      this.poolsDirty = false;
    }
  }
}
