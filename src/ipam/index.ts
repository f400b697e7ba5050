/**
 * Calico IPAM: the public surface. See DESIGN.md for the model.
 */
export { IpamClient } from './ipam-client.js';
export type { AutoAssignArgs, AutoAssignResult, AssignIpArgs, ReleaseIpOptions } from './ipam-client.js';
export type { AssignedIp } from './auto-assign.js';
export type { ReleaseByHandleOptions } from './release.js';
export type { AssignmentAttributes, AllocationRecord } from './query.js';
export { listAllocations, listBlocks } from './query.js';
export { garbageCollect } from './gc.js';
export type { GcOptions, GcResult, IsLive } from './gc.js';
export { checkIpam } from './check.js';
export type { IpamCheckReport, IpamProblem, LeakedIp } from './check.js';
export { poolUsage } from './usage.js';
export type { PoolUsage, BlockUsage } from './usage.js';
export { listPools, readIpamConfig } from './pools.js';
export * from './model.js';
export type { NamespaceInfo } from './pools.js';
export { acquireIpamLock, withIpamLock, DEFAULT_IPAM_LOCK_FILE } from './host-lock.js';
export type { HostLockOptions } from './host-lock.js';
