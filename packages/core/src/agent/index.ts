/** `@aurora-ops/core/agent`. */
export {};
