import type { Resource } from '../types.js';
import type { Issues } from '../validate/issues.js';
import { array, enumOf, int, object, required, string } from '../validate/schema.js';
import { calicoKind, defineKind } from './define-kind.js';
import { ipField, nameField } from './common-fields.js';

/**
 * CalicoNodeStatus (projectcalico.org/v3): a request for a node to report
 * its agent, BGP and route status every updatePeriodSeconds; the node fills
 * `status`. spec.node, classes (unique) and updatePeriodSeconds (0-86400)
 * are required, as nodestatus.go's tags say.
 */
const daemon = object({
  state: enumOf(['Ready', 'NotReady']),
  version: string(),
  routerID: string(),
  lastBootTime: string(),
  lastReconfigurationTime: string(),
});
const peer = object({
  peerIP: ipField,
  type: enumOf(['NodeMesh', 'NodePeer', 'GlobalPeer']),
  state: enumOf(['Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established', 'Close']),
  since: string(),
});
const route = object({
  type: enumOf(['FIB', 'RIB']),
  destination: string(),
  gateway: string(),
  interface: string(),
  learnedFrom: object({ sourceType: enumOf(['Kernel', 'Static', 'Direct', 'NodeMesh', 'BGPPeer']), peerIP: ipField }),
});

export const calicoNodeStatusKind = defineKind({
  info: calicoKind('CalicoNodeStatus', 'caliconodestatuses', false, ['caliconodestatus', 'caliconodestatuses']),
  spec: object({
    node: required(nameField),
    classes: required(array(enumOf(['Agent', 'BGP', 'Routes']), { minItems: 1 })),
    updatePeriodSeconds: required(int({ min: 0, max: 86400 })),
  }),
  specRequired: true,
  status: object({
    lastUpdated: string(),
    agent: object({ birdV4: daemon, birdV6: daemon }),
    bgp: object({
      numberEstablishedV4: int({ min: 0 }),
      numberNotEstablishedV4: int({ min: 0 }),
      numberEstablishedV6: int({ min: 0 }),
      numberNotEstablishedV6: int({ min: 0 }),
      peersV4: array(peer),
      peersV6: array(peer),
    }),
    routes: object({ routesV4: array(route), routesV6: array(route) }),
  }),
  validate: (r: Resource, issues: Issues) => {
    const classes = (r.spec as Record<string, unknown> | undefined)?.classes;
    if (Array.isArray(classes) && new Set(classes).size !== classes.length) issues.add('spec.classes', 'classes must be unique');
  },
});
