/**
 * The address values libcalico-go's lib/validator/v3/validator_test.go
 * declares once at the top and uses across its tables, under the same names,
 * so the ported cases in the api tests read like the upstream ones.
 */
export const ipv4_1 = '1.2.3.4';
export const ipv4_2 = '100.200.0.0';
export const ipv6_1 = 'aabb:aabb::ffff';
export const ipv6_2 = 'aabb::abcd';
export const netv4_1 = '1.2.3.4/32';
export const netv4_2 = '1.2.0.0/32';
export const netv4_3 = '1.2.3.0/26';
export const netv4_4 = '1.0.0.0/10';
export const netv4_5 = '1.2.3.0/27';
export const netv6_1 = 'aabb:aabb::ffff/128';
export const netv6_2 = 'aabb:aabb::/128';
export const netv6_3 = 'aabb:aabb::0000/122';
export const netv6_4 = 'aa00:0000::0000/10';
export const peerv4_1 = '9.9.9.9:4444';
export const peerv6_1 = '[aabb::ffff]:4444';
export const bad_ipv4_1 = '999.999.999.999';
export const bad_ipv6_1 = 'xyz:::';
