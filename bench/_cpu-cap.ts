// CPU caps for bench processes through Linux cgroups (v2 `cpu.max`, or v1 `cpu.cfs_quota_us`):
// each capped process gets its own group limited to a fraction of one core. The search bench
// gives every node process, the direct one included, the same budget, as nodes of one size on
// their own machines would have. Needs write access to the cgroup tree (root); without it
// `capProcesses` returns null and the bench runs uncapped, saying so.
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Scheduler period: short, so a capped process waits at most a few ms when it runs out, but
 * not shorter: the kernel hands runtime out in slices (`sched_cfs_bandwidth_slice_us`, 5 ms by
 * default), and with a 2 ms period a process capped at 30 % was seen using over 40 %.
 */
const PERIOD_US = 10_000;

interface Layout {
  readonly version: 1 | 2;
  readonly root: string;
}

function layout(): Layout | null {
  const v2 = '/sys/fs/cgroup';
  if (existsSync(join(v2, 'cgroup.controllers'))) {
    const controllers = readFileSync(join(v2, 'cgroup.controllers'), 'utf8');
    if (controllers.split(/\s+/).includes('cpu')) return { version: 2, root: v2 };
  }
  const v1 = '/sys/fs/cgroup/cpu';
  if (existsSync(join(v1, 'cpu.cfs_quota_us'))) return { version: 1, root: v1 };
  return null;
}

export interface CpuCaps {
  /** The cap, in cores, of every capped process. */
  readonly cores: number;
  readonly cgroup: 'v1' | 'v2';
  /** Moves the processes back to the root group and removes the groups. */
  release(): Promise<void>;
}

/** Caps each of `pids` at `cores` of one core in a group of its own; null if cgroups are not writable here. */
export function capProcesses(pids: readonly number[], cores: number): CpuCaps | null {
  const where = layout();
  if (where === null) return null;
  const made: string[] = [];
  const moveOut = (): void => {
    for (const dir of made) {
      try {
        // A group can only go once its processes have left it: back to the root group.
        for (const pid of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean))
          writeFileSync(join(where.root, 'cgroup.procs'), pid);
      } catch {
        // The process is gone: nothing to move.
      }
    }
  };
  /** Removes the groups; the kernel may need a moment after the move before a group is empty. */
  const removeGroups = async (): Promise<void> => {
    for (let attempt = 0; attempt < 40 && made.length > 0; attempt++) {
      for (const dir of [...made]) {
        try {
          rmdirSync(dir);
          made.splice(made.indexOf(dir), 1);
        } catch {
          // Still busy: tried again below.
        }
      }
      if (made.length > 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const release = async (): Promise<void> => {
    moveOut();
    await removeGroups();
  };
  try {
    if (where.version === 2) writeFileSync(join(where.root, 'cgroup.subtree_control'), '+cpu');
    const quota = Math.max(1000, Math.round(cores * PERIOD_US));
    for (const pid of pids) {
      const dir = join(where.root, `miroir-bench-${process.pid}-${pid}`);
      mkdirSync(dir);
      made.push(dir);
      if (where.version === 2) writeFileSync(join(dir, 'cpu.max'), `${quota} ${PERIOD_US}`);
      else {
        writeFileSync(join(dir, 'cpu.cfs_period_us'), String(PERIOD_US));
        writeFileSync(join(dir, 'cpu.cfs_quota_us'), String(quota));
      }
      writeFileSync(join(dir, 'cgroup.procs'), String(pid));
    }
  } catch {
    moveOut();
    for (const dir of made) {
      try {
        rmdirSync(dir);
      } catch {
        // Left behind empty; harmless.
      }
    }
    return null;
  }
  return { cores, cgroup: where.version === 2 ? 'v2' : 'v1', release };
}
