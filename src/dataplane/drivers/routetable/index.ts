export { RouteTable, CALICO_ROUTE_PROTOCOL, canonicalDst, type Route, type RouteTableOptions, type RouteApplyResult } from './route-table.js';
