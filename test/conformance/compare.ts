// The conformance comparator lives beside the fidelity bench, which counts the same differences
// (benches do not import tests); the conformance tier reads it from there.
export * from '../../bench/_fidelity-compare.ts';
