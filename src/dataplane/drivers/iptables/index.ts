export { IptablesTable, type IptablesTableOptions, type IptablesTableName } from './iptables-table.js';
export { detectIptablesBackend, iptablesCommands, countRules, type IptablesBackend, type IptablesBackendSetting } from './backend.js';
export { IpsetManager, canonicalIpsetMember, type IpsetMeta, type IpsetType } from './ipsets.js';
export { netPortMembers, splitZeroPrefix } from './net-port-members.js';
export { parseIptablesSave, hashOfSaveLine } from './save-parse.js';
