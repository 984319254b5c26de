import { runBench } from './bench-run';
import { loadBenchEnv } from './env';

// The figures are the product; the exit code says only whether the bench itself ran to the end.
runBench(loadBenchEnv()).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
