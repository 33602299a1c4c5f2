// CPU and memory of processes by pid, from /proc (Linux only: the bench
// machine). CPU in seconds of one core; memory in bytes.
import { readdirSync, readFileSync } from 'node:fs';

const ticksPerSecond = 100; // USER_HZ on Linux

interface ProcStat {
  ppid: number;
  /** utime + stime, seconds. */
  own: number;
  /** cutime + cstime: children waited for (e.g. PostgreSQL backends that exited), seconds. */
  children: number;
}

function readStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const num = (i: number): number => Number(fields[i] ?? 0);
  // fields[0] is field 3 (state): ppid is field 4, utime 14, stime 15, cutime 16, cstime 17.
  return {
    ppid: num(1),
    own: (num(11) + num(12)) / ticksPerSecond,
    children: (num(13) + num(14)) / ticksPerSecond,
  };
}

/** CPU seconds used so far by one process (not its children). */
export function cpuSecondsOf(pid: number): number {
  return readStat(pid)?.own ?? Number.NaN;
}

/** CPU seconds of a process tree root and its direct children, exited children included (PostgreSQL). */
export function treeCpuSeconds(rootPid: number): number {
  const root = readStat(rootPid);
  if (!root) return Number.NaN;
  let total = root.own + root.children;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat?.ppid === rootPid) total += stat.own;
  }
  return total;
}

/** Resident set size now and at its peak (VmRSS, VmHWM), bytes. */
export function memoryOf(pid: number): { rss: number; peak: number } {
  let text = '';
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return { rss: Number.NaN, peak: Number.NaN };
  }
  const kb = (name: string): number =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? Number.NaN) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/** Parent pid of a process (e.g. the postmaster, from a backend's pid). */
export function parentPid(pid: number): number {
  return readStat(pid)?.ppid ?? Number.NaN;
}
