#!/usr/bin/env node
// `npx sketchyaf-realtime control …`: runtime control from a terminal (runbooks/rollback.md).
import { runCli } from '../src/cli.ts';

process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  out: (line) => {
    console.log(line);
  },
  err: (line) => {
    console.error(line);
  },
});
