// Sending requests, loading the reference index and summarising agreement by kind live beside the
// fidelity bench, which replays the same transcripts (benches do not import tests).
export * from '../../bench/_fidelity-replay.ts';
