export * from './types.js';
export { NftablesTable, type NftablesTableOptions } from './nftables-table.js';
export { kernelTableFromJson } from './read-table.js';
export { canonicalElement, canonicalValue } from './elements.js';
export { disjointNetPortMembers } from './net-port-members.js';
