// The Miroir-versus-one-node answer comparison is bench/_search-compare.ts, one home shared with
// the fidelity bench (benches do not import tests).
export { ALLOWED, compareSearch, stable, type Body } from '../../../bench/_search-compare.ts';
