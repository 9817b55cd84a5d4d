// Crash stress (npm run test:crash): many rounds of test/cluster/crash-rounds.ts.
// Usage: node dist/scripts/crash-stress.js [rounds] [seed]
import { crashRounds } from '../test/cluster/crash-rounds.js';

const rounds = Number(process.argv[2] ?? 200);
const seed = Number(process.argv[3] ?? Date.now() % 1e9);
console.log(`crash stress: ${rounds} rounds, seed ${seed}`);
const r = await crashRounds(rounds, seed, (l) => console.log(l));
if (r.failure !== null) {
  console.log(`FAILED after ${r.clean} clean rounds (seed ${seed}): ${r.failure}`);
  process.exit(1);
}
console.log(`${r.clean} rounds clean (seed ${seed})`);
