import { calicoKind, defineKind } from './define-kind.js';
import { cidrsField } from './common-fields.js';
import { object } from '../validate/schema.js';

/**
 * IPReservation (projectcalico.org/v3): CIDRs Calico IPAM never hands out.
 * reservedCIDRs entries are CIDRs or bare IPs (validator.go `cidrs`); no defaults.
 */
export const ipReservationKind = defineKind({
  info: calicoKind('IPReservation', 'ipreservations', false, ['ipreservation', 'ipreservations', 'reservation', 'reservations']),
  spec: object({ reservedCIDRs: cidrsField }),
});
