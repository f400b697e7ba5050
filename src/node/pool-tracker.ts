/**
 * PoolTracker: IPPool updates -> the dataplane's IpPoolUpdate/IpPoolRemove
 * messages (keyed by canonical CIDR, as the masquerade manager wants),
 * remembering each pool's CIDR so a delete or a CIDR change removes the old one.
 */
import { canonicalCidr } from '../dataplane/model/index.js';
import type { IpPoolMsg } from './dataplane-port.js';

export class PoolTracker {
  private readonly cidrByName = new Map<string, string>();

  onUpdate(name: string, value: unknown, out: IpPoolMsg[]): void {
    const spec = value !== null && typeof value === 'object' ? ((value as { spec?: Record<string, unknown> }).spec ?? {}) : null;
    const cidr = spec && typeof spec['cidr'] === 'string' ? canonicalCidr(spec['cidr']) : null;
    const old = this.cidrByName.get(name);
    if (old !== undefined && old !== cidr) {
      this.cidrByName.delete(name);
      out.push({ kind: 'IpPoolRemove', id: old });
    }
    if (spec === null || cidr === null) return;
    this.cidrByName.set(name, cidr);
    out.push({ kind: 'IpPoolUpdate', id: cidr, pool: { cidr, natOutgoing: spec['natOutgoing'] === true, ...(spec['disabled'] === true ? { disabled: true } : {}) } });
  }
}
