/**
 * Calico's per-pod CNI annotations (cni-plugin/pkg/k8s, conversion
 * HandleSourceIPSpoofingAnnotation), parsed and checked as upstream does:
 *
 *   cni.projectcalico.org/ipAddrs                ["10.0.0.1", "fd00::1"]  ask IPAM for these
 *   cni.projectcalico.org/ipAddrsNoIpam          the same, bypassing IPAM (feature ip_addrs_no_ipam)
 *   cni.projectcalico.org/floatingIPs            external IPs DNATed to the pod (feature floating_ips)
 *   cni.projectcalico.org/allowedSourcePrefixes  CIDRs the pod may send from
 *   cni.projectcalico.org/hwAddr                 the container interface's MAC
 *
 * At most one IPv4 and one IPv6 address per list (one interface per pod).
 */
import { isIP } from 'node:net';
import { CNI_ERR_INVALID_NETWORK_CONFIG, CniError } from './spec.js';

export const ANN_IP_ADDRS = 'cni.projectcalico.org/ipAddrs';
export const ANN_IP_ADDRS_NO_IPAM = 'cni.projectcalico.org/ipAddrsNoIpam';
export const ANN_FLOATING_IPS = 'cni.projectcalico.org/floatingIPs';
export const ANN_ALLOWED_SOURCE_PREFIXES = 'cni.projectcalico.org/allowedSourcePrefixes';
export const ANN_HW_ADDR = 'cni.projectcalico.org/hwAddr';

/** A unicast MAC, colon- or dash-separated (what the kernel accepts for a veth). */
const MAC_RE = /^[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}$/i;

/** The hwAddr annotation's MAC, lower case and colon-separated (as the kernel reports it); undefined if none. */
export function hwAddrOf(annotations: Readonly<Record<string, string>>): string | undefined {
  const mac = annotations[ANN_HW_ADDR];
  return mac ? mac.toLowerCase().replaceAll('-', ':') : undefined;
}

/**
 * Checks, before IPAM runs, the annotations whose errors upstream reports
 * only later (after allocating): a malformed hwAddr, a multicast hwAddr the
 * kernel would refuse, floatingIPs without the floating_ips feature, and
 * malformed allowedSourcePrefixes. Nothing is allocated when these fail.
 */
export function checkPodAnnotations(annotations: Readonly<Record<string, string>>, floatingIpsEnabled: boolean): void {
  const mac = annotations[ANN_HW_ADDR];
  if (mac) {
    if (!MAC_RE.test(mac)) throw fail(`failed to parse MAC address '${mac}' from annotation "${ANN_HW_ADDR}"`);
    if (Number.parseInt(mac.slice(0, 2), 16) & 1) throw fail(`MAC address '${mac}' from annotation "${ANN_HW_ADDR}" is a multicast address`);
  }
  if (annotations[ANN_FLOATING_IPS]) {
    if (!floatingIpsEnabled) throw fail('requested feature is not enabled: floating_ips');
    for (const ip of parseJsonStrings(annotations[ANN_FLOATING_IPS]!, ANN_FLOATING_IPS)) {
      if (isIP(ip) === 0) throw fail(`invalid IP format: ${ip}`);
    }
  }
  allowedSourcePrefixes(annotations);
}

function fail(msg: string): CniError {
  return new CniError(CNI_ERR_INVALID_NETWORK_CONFIG, msg);
}

/** A JSON list of strings, as upstream's parseIPAddrs. */
export function parseJsonStrings(value: string, annotation: string): string[] {
  let v: unknown;
  try {
    v = JSON.parse(value);
  } catch (e) {
    throw fail(`failed to parse '${value}' as JSON for annotation "${annotation}": ${(e as Error).message}`);
  }
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw fail(`annotation "${annotation}" must be a JSON list of strings`);
  return v as string[];
}

/** validateAndExtractIPs: non-empty, valid, at most one address per family. */
export function extractIps(value: string, annotation: string): string[] {
  const ips = parseJsonStrings(value, annotation);
  if (ips.length === 0) throw fail(`annotation "${annotation}" specified but empty`);
  let v4 = false;
  let v6 = false;
  for (const ip of ips) {
    const fam = isIP(ip);
    if (fam === 0) throw fail(`invalid IP format: ${ip}`);
    if (fam === 4) {
      if (v4) throw fail(`cannot have more than one IPv4 address for "${annotation}" annotation`);
      v4 = true;
    } else {
      if (v6) throw fail(`cannot have more than one IPv6 address for "${annotation}" annotation`);
      v6 = true;
    }
  }
  return ips;
}

/** Normalises a CIDR (host bits cleared) or throws. */
function normaliseCidr(cidr: string, annotation: string): string {
  const [ip, lenText] = cidr.split('/');
  const fam = isIP(ip ?? '');
  const len = Number(lenText);
  const bits = fam === 4 ? 32 : 128;
  if (fam === 0 || lenText === undefined || !Number.isInteger(len) || len < 0 || len > bits) {
    throw fail(`failed to parse '${cidr}' as a CIDR for annotation "${annotation}"`);
  }
  let value = 0n;
  if (fam === 4) {
    for (const p of ip!.split('.')) value = (value << 8n) | BigInt(Number(p));
  } else {
    const [head = '', tail] = ip!.split('::');
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
    for (const g of groups) value = (value << 16n) | BigInt(Number.parseInt(g, 16));
  }
  const mask = len === 0 ? 0n : ((1n << BigInt(len)) - 1n) << BigInt(bits - len);
  const net = value & mask;
  if (fam === 4) return `${[24n, 16n, 8n, 0n].map((s) => String((net >> s) & 255n)).join('.')}/${len}`;
  const gs = Array.from({ length: 8 }, (_, i) => ((net >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (gs[i] !== '0') { i++; continue; }
    let j = i;
    while (j < 8 && gs[j] === '0') j++;
    if (j - i > bestLen && j - i >= 2) { best = i; bestLen = j - i; }
    i = j;
  }
  const text = best < 0 ? gs.join(':') : `${gs.slice(0, best).join(':')}::${gs.slice(best + bestLen).join(':')}`;
  return `${text}/${len}`;
}

/** allowedSourcePrefixes: each a CIDR, normalised. */
export function allowedSourcePrefixes(annotations: Readonly<Record<string, string>>): string[] {
  const v = annotations[ANN_ALLOWED_SOURCE_PREFIXES];
  if (!v) return [];
  return parseJsonStrings(v, ANN_ALLOWED_SOURCE_PREFIXES).map((c) => normaliseCidr(c, ANN_ALLOWED_SOURCE_PREFIXES));
}

/** floatingIPs -> ipNATs against the pod's own addresses (one per family). */
export function floatingIpNats(annotations: Readonly<Record<string, string>>, podAddresses: readonly string[], enabled: boolean): { internalIP: string; externalIP: string }[] {
  const v = annotations[ANN_FLOATING_IPS];
  if (!v) return [];
  if (!enabled) throw fail('requested feature is not enabled: floating_ips');
  const v4 = podAddresses.find((a) => isIP(a.split('/')[0] ?? '') === 4)?.split('/')[0];
  const v6 = podAddresses.find((a) => isIP(a.split('/')[0] ?? '') === 6)?.split('/')[0];
  const out: { internalIP: string; externalIP: string }[] = [];
  for (const ext of parseJsonStrings(v, ANN_FLOATING_IPS)) {
    const fam = isIP(ext);
    if (fam === 0) throw fail(`invalid IP format: ${ext}`);
    const internal = fam === 4 ? v4 : v6;
    if (internal) out.push({ internalIP: internal, externalIP: ext });
  }
  return out;
}
