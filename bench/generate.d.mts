/** Types for bench/generate.mjs (tests import it to build large policies). */
export function generatePolicy(count: number): string;
