export type { Table, Rule, ApplyResult } from './table.js';
export { NoopTable } from './noop-table.js';
export { ruleHashes, ruleComment, hashFromComment, RULE_HASH_PREFIX } from './rule-hash.js';
export * from './nftables/index.js';
export * from './iptables/index.js';
export * from './routetable/index.js';
