/**
 * Chevrotain validates a grammar while building a parser (~15 ms of a ~150 ms `drc lint`). The grammars
 * are fixed, so the CLI skips that; the test suite (NODE_ENV=test under vitest) keeps validating them.
 */
export const SKIP_GRAMMAR_VALIDATIONS = process.env.NODE_ENV !== 'test';
