/**
 * Policy-related Felix configuration: FelixConfiguration `default` merged
 * with `node.<hostname>` (a field set on the node resource wins), with
 * Calico's defaults (felix/docs/config-params.json, v3.31).
 */
import type { ModelConfig, ProtoPort } from '../dataplane/model/index.js';
import { canonicalCidr } from '../dataplane/model/index.js';

const tcp = (port: number): ProtoPort => ({ protocol: 'tcp', port });
const udp = (port: number): ProtoPort => ({ protocol: 'udp', port });

export const DEFAULT_FAILSAFE_INBOUND: readonly ProtoPort[] = [
  tcp(22), udp(68), tcp(179), tcp(2379), tcp(2380), tcp(5473), tcp(6443), tcp(6666), tcp(6667),
];
export const DEFAULT_FAILSAFE_OUTBOUND: readonly ProtoPort[] = [
  udp(53), udp(67), tcp(179), tcp(2379), tcp(2380), tcp(5473), tcp(6443), tcp(6666), tcp(6667),
];

function protoPorts(v: unknown, dflt: readonly ProtoPort[]): readonly ProtoPort[] {
  if (!Array.isArray(v)) return dflt;
  const out: ProtoPort[] = [];
  for (const e of v as unknown[]) {
    if (!e || typeof e !== 'object') continue;
    const o = e as Record<string, unknown>;
    const port = typeof o.port === 'number' ? o.port : Number(o.port);
    if (!Number.isInteger(port)) continue;
    const protocol = typeof o.protocol === 'string' ? o.protocol.toLowerCase() : 'tcp';
    const net = typeof o.net === 'string' ? canonicalCidr(o.net) : null;
    out.push(net ? { protocol, port, net } : { protocol, port });
  }
  return out;
}

export function computeModelConfig(
  global: Readonly<Record<string, unknown>> | undefined,
  node: Readonly<Record<string, unknown>> | undefined,
): ModelConfig {
  const merged: Record<string, unknown> = { ...(global ?? {}) };
  for (const [k, v] of Object.entries(node ?? {})) if (v !== undefined && v !== null) merged[k] = v;
  const action = merged.defaultEndpointToHostAction;
  return {
    failsafeInboundHostPorts: protoPorts(merged.failsafeInboundHostPorts, DEFAULT_FAILSAFE_INBOUND),
    failsafeOutboundHostPorts: protoPorts(merged.failsafeOutboundHostPorts, DEFAULT_FAILSAFE_OUTBOUND),
    defaultEndpointToHostAction: action === 'Accept' || action === 'Return' ? action : 'Drop',
    ipv6Support: merged.ipv6Support !== false,
    felixConfiguration: merged,
  };
}
