/** `vestnik sandbox`: the emulated SMS provider as its own process, for trials, tests and benchmarks. */
import type { Command } from 'commander';
import { DEFAULT_BEHAVIOUR, type ProviderBehaviour, startSandboxProvider } from '../../sandbox/provider.ts';
import { CliError } from '../io.ts';
import type { Runtime } from '../runtime.ts';

const RATES = ['failRate', 'throttleRate', 'lostAnswerRate', 'rejectRate', 'undeliveredRate'] as const;

export function registerSandboxCommand(program: Command, rt: Runtime): void {
  program
    .command('sandbox')
    .description('run the emulated SMS provider that the `sandbox-http` gateway talks to')
    .option('--port <port>', 'port to listen on (127.0.0.1)', '8090')
    .option('--latency-ms <ms>', 'time each send request takes', String(DEFAULT_BEHAVIOUR.latencyMs))
    .option(
      '--delivery-delay-ms <ms>',
      'delay before a message counts as delivered',
      String(DEFAULT_BEHAVIOUR.deliveryDelayMs),
    )
    .option('--fail-rate <share>', 'share of send requests answered 503', '0')
    .option('--throttle-rate <share>', 'share of send requests answered 429', '0')
    .option('--lost-answer-rate <share>', 'share of send requests accepted but never answered', '0')
    .option('--reject-rate <share>', 'share of messages rejected for good', '0')
    .option('--undelivered-rate <share>', 'share of messages reported undelivered', '0')
    .action(async (o: Record<string, string>) => {
      const num = (name: string, value: string, max = Number.POSITIVE_INFINITY) => {
        const n = Number(value);
        if (!Number.isFinite(n) || n < 0 || n > max)
          throw new CliError(`--${name} ${value}: give a number from 0${max < 2 ? ' to 1' : ''}`);
        return n;
      };
      const behaviour: Partial<ProviderBehaviour> = {
        latencyMs: num('latency-ms', o.latencyMs!),
        deliveryDelayMs: num('delivery-delay-ms', o.deliveryDelayMs!),
      };
      for (const r of RATES)
        behaviour[r] = num(
          r.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`),
          o[r]!,
          1,
        );
      const provider = await startSandboxProvider(behaviour, { port: num('port', o.port!, 65535) });
      rt.io.out(`Sandbox provider listening on ${provider.url} (stats: ${provider.url}/v1/stats)`);
      rt.io.out(
        'Gateways reach no loopback or private address unless the server allows it: run the server and ' +
          'its workers with VESTNIK_GATEWAY_PRIVATE_HOSTS=127.0.0.1 to add a sandbox-http gateway with this url.',
      );
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      rt.io.out(`Stopping: ${JSON.stringify(provider.stats())}`);
      await provider.close();
    });
}
