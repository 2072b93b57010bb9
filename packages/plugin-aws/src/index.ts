/** The public surface of `@aurora-ops/plugin-aws`. */
export const VERSION = '0.0.0';
