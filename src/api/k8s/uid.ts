/**
 * libcalico-go ConvertUID: Calico resources derived from Kubernetes objects
 * get a UID that is distinct from, but reversibly derived from, the source
 * object's UID (each byte bit-reversed, except the bytes holding the UUID
 * version and variant, so the result is still a valid v4 UUID). Applying the
 * conversion twice gives back the original.
 */
import { CalicoError } from '../../lib/errors.js';

/** Converts a Kubernetes UID; throws CalicoError (CALICO_ERR_VALIDATION) if it is not a UUID. */
export function convertUid(uid: string): string {
  const bytes = parseUuid(uid);
  if (typeof bytes === 'string') {
    throw new CalicoError('CALICO_ERR_VALIDATION', `failed to parse UID for resource: ${bytes}`);
  }
  const out = bytes.map(reverse8);
  out[6] = bytes[6]!;
  out[8] = bytes[8]!;
  const hex = out.map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function reverse8(b: number): number {
  let r = 0;
  for (let i = 0; i < 8; i++) r |= ((b >> i) & 1) << (7 - i);
  return r;
}

/** The forms Go's uuid.Parse accepts; returns 16 bytes or an error reason. */
function parseUuid(s: string): number[] | string {
  let hex: string;
  switch (s.length) {
    case 36:
      hex = dashed(s);
      break;
    case 38:
      if (s[0] !== '{' || s[37] !== '}') return 'invalid UUID format';
      hex = dashed(s.slice(1, 37));
      break;
    case 45:
      if (s.slice(0, 9).toLowerCase() !== 'urn:uuid:') return `invalid urn prefix: ${JSON.stringify(s.slice(0, 9))}`;
      hex = dashed(s.slice(9));
      break;
    case 32:
      hex = s;
      break;
    default:
      return `invalid UUID length: ${s.length}`;
  }
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) return 'invalid UUID format';
  const bytes: number[] = [];
  for (let i = 0; i < 32; i += 2) bytes.push(parseInt(hex.slice(i, i + 2), 16));
  return bytes;
}

function dashed(s: string): string {
  if (s[8] !== '-' || s[13] !== '-' || s[18] !== '-' || s[23] !== '-') return '';
  return s.slice(0, 8) + s.slice(9, 13) + s.slice(14, 18) + s.slice(19, 23) + s.slice(24);
}
