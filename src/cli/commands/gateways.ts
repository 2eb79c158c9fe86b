/**
 * `vestnik gateway add|list|set|test`: an organisation's gateways from the command line (PR-5),
 * through the same service as the API (services/gateways.ts). Settings are given as
 * `--set key=value` (a string) or `--set key:=JSON` (a number, true/false, an object); credentials
 * (password, apiKey, token…) are stored encrypted and never printed.
 */
import type { Command } from 'commander';
import { SecretBox } from '../../core/secrets.ts';
import { CHANNELS, type Channel } from '../../core/states.ts';
import {
  addGateway,
  editGateway,
  type GatewayProblem,
  type GatewayView,
  testGateway,
  viewGateway,
} from '../../services/gateways.ts';
import { findGateway, listGateways } from '../../store/gateways.ts';
import { CliError } from '../io.ts';
import { printJson, type Runtime, resolveOrg, withDb } from '../runtime.ts';

const ORG = ['--org <id>', 'the organisation (default: the only one)'] as const;
const SET = [
  '--set <key=value>',
  'a setting: key=value for text, key:=JSON for a number or true/false (repeat for more)',
] as const;

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `--set` values → settings; each malformed one named. */
export function parseSettings(pairs: string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const json = /^([A-Za-z_][\w.-]*):=(.*)$/s.exec(pair);
    const text = /^([A-Za-z_][\w.-]*)=(.*)$/s.exec(pair);
    if (json) {
      try {
        out[json[1]!] = JSON.parse(json[2]!);
      } catch {
        throw new CliError(`--set ${json[1]}:=…: not JSON (use key=value for text)`);
      }
    } else if (text) out[text[1]!] = text[2]!;
    else throw new CliError(`--set ${pair}: use key=value or key:=JSON`);
  }
  return out;
}

function number(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new CliError(`${option} ${value}: not a number`);
  return n;
}

const fail = (p: GatewayProblem) => new CliError(`${p.field}: ${p.message}`);

function describe(g: GatewayView): string {
  const rate = g.ratePerSecond === null ? 'no rate limit' : `${g.ratePerSecond}/s`;
  const secrets = g.secrets.length ? g.secrets.join(', ') : 'none';
  return (
    `Gateway ${g.id} «${g.name}»: ${g.kind}, ${g.channel}, priority ${g.priority}, ` +
    `${g.enabled ? 'enabled' : 'disabled'}, ${rate}\n` +
    `  settings: ${JSON.stringify(g.settings)}\n  credentials set: ${secrets}\n` +
    `  delivery reports to: ${g.callbackUrl}` +
    (g.inboundUrl ? `\n  incoming SMS to: ${g.inboundUrl}` : '')
  );
}

export function registerGatewayCommands(program: Command, rt: Runtime): void {
  const { io, config } = rt;
  const box = () => SecretBox.fromKey(config.secretKey, (m) => io.err(`warning: ${m}`));
  const gateway = program
    .command('gateway')
    .description('SMS, e-mail and messenger gateways: add, list, set, test (docs/gateways/)');

  gateway
    .command('add <name>')
    .description('add a gateway; its settings are checked and its credentials stored encrypted')
    .requiredOption('--kind <kind>', 'smsaero, smsc, kannel, smpp, smtp, unisender, telegram, sandbox')
    .option('--channel <channel>', `${CHANNELS.join(', ')} (implied by most kinds)`)
    .option('--priority <n>', 'lowest first: the primary gateway of its channel', '0')
    .option('--rate <perSecond>', 'messages per second at most, shared by all workers')
    .option('--disabled', 'add it switched off')
    .option(...SET, collect)
    .option(...ORG)
    .action(
      async (
        name: string,
        o: {
          kind: string;
          channel?: string;
          priority: string;
          rate?: string;
          disabled?: boolean;
          set?: string[];
          org?: string;
        },
      ) => {
        if (o.channel && !(CHANNELS as readonly string[]).includes(o.channel))
          throw new CliError(`--channel ${o.channel}: use ${CHANNELS.join(', ')}`);
        const view = await withDb(rt, 'gateway add', async (db) => {
          const r = await addGateway(db, box(), await resolveOrg(db, o.org), {
            name,
            kind: o.kind,
            channel: o.channel as Channel | undefined,
            priority: number(o.priority, '--priority'),
            ratePerSecond: number(o.rate, '--rate') ?? null,
            enabled: !o.disabled,
            settings: parseSettings(o.set),
          });
          if (!r.ok) throw fail(r.problem);
          return viewGateway(r.value, box(), config.publicUrl);
        });
        io.out(describe(view));
      },
    );

  gateway
    .command('list')
    .description("the organisation's gateways (credentials are never shown, only which are set)")
    .option('--json', 'print as JSON')
    .option(...ORG)
    .action(async (o: { json?: boolean; org?: string }) => {
      const views = await withDb(rt, 'gateway list', async (db) =>
        (await listGateways(db, await resolveOrg(db, o.org))).map((g) =>
          viewGateway(g, box(), config.publicUrl),
        ),
      );
      if (o.json) return printJson(io, views);
      if (views.length === 0) io.out('No gateways.');
      for (const g of views) io.out(describe(g));
    });

  gateway
    .command('set <gateway>')
    .description('change a gateway (by name or id): settings, credentials, priority, rate, on/off')
    .option('--name <name>', 'rename it')
    .option('--priority <n>', 'lowest first: the primary gateway of its channel')
    .option('--rate <perSecond>', 'messages per second at most; "none" for no limit')
    .option('--enable', 'switch it on')
    .option('--disable', 'switch it off')
    .option(...SET, collect)
    .option('--unset <key>', 'remove a setting (repeat for more)', collect)
    .option(...ORG)
    .action(
      async (
        ref: string,
        o: {
          name?: string;
          priority?: string;
          rate?: string;
          enable?: boolean;
          disable?: boolean;
          set?: string[];
          unset?: string[];
          org?: string;
        },
      ) => {
        if (o.enable && o.disable) throw new CliError('give --enable or --disable, not both');
        const settings = parseSettings(o.set);
        for (const k of o.unset ?? []) settings[k] = null;
        const view = await withDb(rt, 'gateway set', async (db) => {
          const r = await editGateway(db, box(), await resolveOrg(db, o.org), ref, {
            name: o.name,
            priority: number(o.priority, '--priority'),
            ratePerSecond:
              o.rate === undefined ? undefined : o.rate === 'none' ? null : number(o.rate, '--rate'),
            enabled: o.enable ? true : o.disable ? false : undefined,
            settings: Object.keys(settings).length ? settings : undefined,
          });
          if (!r.ok) throw fail(r.problem);
          return viewGateway(r.value, box(), config.publicUrl);
        });
        io.out(describe(view));
      },
    );

  gateway
    .command('test <gateway>')
    .description(
      "check a gateway's configuration with its provider (balance, or the credentials) — sends nothing",
    )
    .option(...ORG)
    .action(async (ref: string, o: { org?: string }) => {
      const r = await withDb(rt, 'gateway test', async (db) => {
        const row = await findGateway(db, await resolveOrg(db, o.org), ref);
        if (!row) throw new CliError(`no gateway ${ref} (see \`vestnik gateway list\`)`);
        return { name: row.name, check: await testGateway(row, box(), config.publicUrl) };
      });
      if (!r.check.ok) throw new CliError(`gateway «${r.name}» does not work: ${r.check.message}`);
      io.out(`Gateway «${r.name}»: OK — ${r.check.message}`);
    });
}
