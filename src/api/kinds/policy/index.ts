// Policy-related kinds register themselves when imported here (owned by the policy-kinds work).
export {};
