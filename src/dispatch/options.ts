/** The workers' settings from the configuration, shared by `vestnik serve` and `vestnik worker`. */
import type { Config } from '../config.ts';

export function workerOptions(config: Config) {
  return {
    batchSize: config.batchSize,
    leaseSeconds: config.leaseSeconds,
    statusPollSeconds: config.statusPollSeconds,
  };
}
