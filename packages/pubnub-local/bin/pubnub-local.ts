#!/usr/bin/env node
import { main } from '../src/main.ts';

main().catch((error: unknown) => {
  console.error(`pubnub-local: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
