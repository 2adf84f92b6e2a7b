#!/usr/bin/env node
// Entry of the `miroir` command: runs the TypeScript CLI through tsx, so a fresh clone needs
// nothing but `npm install`.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
