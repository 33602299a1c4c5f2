// Mocha root-hook plugin for the unit lane (.mocharc.unit.cjs). The lane's
// promise is "no PostgreSQL, no Redis, seconds"; this makes the promise
// checked rather than hoped for: a unit test that opens a socket or spawns a
// database server fails, even when the code under test swallows the error.
import { ChildProcess, type SpawnOptions } from 'node:child_process';
import { Socket } from 'node:net';
import { basename } from 'node:path';
import { UnitLaneViolation, unitLaneMessage, unitLaneVariable } from './unitLane.ts';

const violations: string[] = [];

function refuse(what: string): never {
  const message = unitLaneMessage(what);
  violations.push(message);
  throw new UnitLaneViolation(message);
}

const databaseServers = /^(postgres|pg_ctl|initdb|redis-server)(\.exe)?$/;

// Node's internal shape: spawn, execFile and fork all end in ChildProcess#spawn with the file to run.
interface SpawnInternals {
  spawn(this: ChildProcess, options: SpawnOptions & { file: string }): void;
}

function install(): void {
  process.env[unitLaneVariable] = '1';
  // Every TCP or IPC client (pg, ioredis, fetch) goes through Socket#connect.
  Socket.prototype.connect = function guardedConnect(this: Socket, ...args: unknown[]): Socket {
    const target = args[0];
    const where =
      typeof target === 'object' && target !== null ? JSON.stringify(target) : args.map(String).join(':');
    refuse(`does not open network connections (attempted ${where})`);
  };
  const internals = ChildProcess.prototype as unknown as SpawnInternals;
  const spawn: unknown = Reflect.get(internals, 'spawn');
  internals.spawn = function guardedSpawn(this: ChildProcess, options) {
    const file = basename(options.file);
    if (databaseServers.test(file)) refuse(`does not start ${file}`);
    Reflect.apply(spawn as SpawnInternals['spawn'], this, [options]);
  };
}

install();

export const mochaHooks = {
  afterEach(): void {
    if (violations.length === 0) return;
    throw new UnitLaneViolation(violations.splice(0).join('\n'));
  },
};
