/** Money from the command line: balance, top-ups, the period report, tariffs, sender names, SMS inspection. */
import type { Command } from 'commander';
import { formatRoubles, parseRoubles } from '../../core/pricing.ts';
import { SecretBox } from '../../core/secrets.ts';
import { sanitizeDisplayName, validateSmsSender } from '../../core/senders.ts';
import { inspectSms } from '../../core/sms/segments.ts';
import { transliterate } from '../../core/sms/translit.ts';
import { CHANNELS, type Channel } from '../../core/states.ts';
import { describeSenderSync, syncSenders } from '../../services/senderSync.ts';
import { listGateways } from '../../store/gateways.ts';
import { getBalance, topUp } from '../../store/ledger.ts';
import { periodReport, periodReportCsv } from '../../store/reports.ts';
import { decideSender, insertSender, listSenders } from '../../store/senders.ts';
import { listTariffs, setTariff } from '../../store/tariffs.ts';
import { CliError } from '../io.ts';
import { parseId, printJson, type Runtime, resolveOrg, withDb } from '../runtime.ts';

const ORG = ['--org <id>', 'the organisation (default: the only one)'] as const;

function day(value: string, flag: string): Date {
  const d = new Date(`${value}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(d.getTime()))
    throw new CliError(`${flag} ${value}: use a date, YYYY-MM-DD`);
  return d;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

export function registerBillingCommands(program: Command, rt: Runtime): void {
  const { io } = rt;

  const balance = program.command('balance').description('the prepaid balance (BL-3, BL-4)');
  balance
    .command('show')
    .description('the balance, what is reserved by running campaigns, and what is available')
    .option(...ORG)
    .option('--json', 'print as JSON')
    .action(async (o: { org?: string; json?: boolean }) => {
      const b = await withDb(rt, 'balance show', async (db) => getBalance(db, await resolveOrg(db, o.org)));
      if (o.json) printJson(io, b);
      else
        io.out(
          `Balance ${formatRoubles(b.balanceKopecks)}, reserved ${formatRoubles(b.reservedKopecks)}, available ${formatRoubles(b.availableKopecks)}`,
        );
    });
  balance
    .command('topup')
    .description('add money to the balance')
    .requiredOption('--amount <roubles>', 'in roubles: 1000, 1 000,50, 0.30')
    .option('--comment <text>', 'what the money is (an invoice number)', '')
    .option(...ORG)
    .action(async (o: { amount: string; comment: string; org?: string }) => {
      const kopecks = parseRoubles(o.amount);
      if (kopecks === null || kopecks <= 0)
        throw new CliError(`--amount ${o.amount}: give a positive sum in roubles, e.g. 1000 or 1000,50`);
      const b = await withDb(rt, 'balance topup', async (db) => {
        const orgId = await resolveOrg(db, o.org);
        return db.transaction((tx) => topUp(tx, orgId, kopecks, o.comment, 'cli'));
      });
      io.out(`Topped up ${formatRoubles(kopecks)}; available now ${formatRoubles(b.availableKopecks)}`);
    });
  balance
    .command('report')
    .description(
      'for a period: balance at the start, bought, cost of what was sent, remainder, messages sent',
    )
    .requiredOption('--from <date>', 'first day, YYYY-MM-DD')
    .requiredOption('--to <date>', 'last day, YYYY-MM-DD (included)')
    .option('--csv', 'print CSV (for Excel)')
    .option('--json', 'print JSON')
    .option(...ORG)
    .action(async (o: { from: string; to: string; csv?: boolean; json?: boolean; org?: string }) => {
      const from = day(o.from, '--from');
      const to = day(o.to, '--to');
      to.setUTCDate(to.getUTCDate() + 1);
      if (to <= from) throw new CliError('--to is before --from');
      const r = await withDb(rt, 'balance report', async (db) =>
        periodReport(db, await resolveOrg(db, o.org), from, to),
      );
      if (o.csv) return io.out(periodReportCsv(r));
      if (o.json) return printJson(io, r);
      io.out(`Period ${o.from} … ${o.to}`);
      io.out(`  Balance at the start   ${formatRoubles(r.openingKopecks)}`);
      io.out(`  Bought                 ${formatRoubles(r.boughtKopecks)}`);
      io.out(`  Cost of sent messages  ${formatRoubles(r.spentKopecks)}`);
      io.out(`  Remainder              ${formatRoubles(r.closingKopecks)}`);
      io.out(`  Messages sent          ${r.messagesSent}`);
    });

  const tariff = program.command('tariff').description('prices per channel and country (BL-1)');
  tariff
    .command('list')
    .description(
      "the organisation's own tariffs (the defaults apply where it has none: 0,30 ₽ per SMS segment)",
    )
    .option(...ORG)
    .action(async (o: { org?: string }) => {
      const rows = await withDb(rt, 'tariff list', async (db) =>
        listTariffs(db, await resolveOrg(db, o.org)),
      );
      if (rows.length === 0)
        io.out(
          'No tariffs of its own: the defaults apply (SMS 0,30 ₽ per segment; messenger and e-mail free).',
        );
      for (const t of rows)
        io.out(
          `${t.id}\t${t.channel}\t${t.country}\t${formatRoubles(t.priceKopecks)}${t.channel === 'sms' ? ' per segment' : ' per message'}`,
        );
    });
  tariff
    .command('set')
    .description('set the price for a channel and country')
    .requiredOption('--price <roubles>', 'per SMS segment, or per message for the other channels: 0.30')
    .option('--channel <channel>', CHANNELS.join(', '), 'sms')
    .option('--country <code>', 'ISO code (RU, KZ, …) or * for any', 'RU')
    .option(...ORG)
    .action(async (o: { price: string; channel: string; country: string; org?: string }) => {
      const price = parseRoubles(o.price);
      if (price === null || price < 0)
        throw new CliError(`--price ${o.price}: give a sum in roubles, e.g. 0.30`);
      if (!(CHANNELS as readonly string[]).includes(o.channel))
        throw new CliError(`--channel ${o.channel}: use ${CHANNELS.join(', ')}`);
      const country = o.country.toUpperCase();
      if (!/^([A-Z]{2}|\*)$/.test(country))
        throw new CliError(`--country ${o.country}: use a two-letter code such as RU, or *`);
      const t = await withDb(rt, 'tariff set', async (db) =>
        setTariff(db, await resolveOrg(db, o.org), {
          channel: o.channel as Channel,
          country,
          operator: null,
          priceKopecks: price,
        }),
      );
      io.out(`Tariff ${t.id}: ${t.channel} ${t.country} ${formatRoubles(t.priceKopecks)}`);
    });

  const sender = program
    .command('sender')
    .description('sender names and their approval by the gateway (CT-5)');
  sender
    .command('add')
    .description('register a sender name with a gateway (state «requested»)')
    .requiredOption(
      '--name <name>',
      'SMS: up to 11 Latin letters, digits, . - _ (ERP.travel); e-mail: a display name',
    )
    .option('--gateway <id>', 'the gateway (default: the SMS gateway)')
    .option(...ORG)
    .action(async (o: { name: string; gateway?: string; org?: string }) => {
      const s = await withDb(rt, 'sender add', async (db) => {
        const orgId = await resolveOrg(db, o.org);
        const gateways = await listGateways(db, orgId);
        const gateway = o.gateway
          ? gateways.find((g) => g.id === parseId(o.gateway!, '--gateway'))
          : gateways.find((g) => g.channel === 'sms');
        if (!gateway)
          throw new CliError(
            `--gateway ${o.gateway ?? ''}: no such gateway (see the API's /api/v1/gateways)`,
          );
        const name =
          gateway.channel === 'email' ? sanitizeDisplayName(o.name, 'name') : validateSmsSender(o.name);
        if (!name.ok) throw new CliError(`--name: ${name.problem.message}`);
        const r = await insertSender(db, orgId, gateway.id, name.value);
        if (typeof r === 'string')
          throw new CliError(r === 'exists' ? `${name.value} is registered already` : 'no such gateway');
        return r;
      });
      io.out(`Sender name ${s.id} ${s.name}: ${s.state}`);
    });
  sender
    .command('list')
    .description('sender names and their state')
    .option(...ORG)
    .action(async (o: { org?: string }) => {
      const rows = await withDb(rt, 'sender list', async (db) =>
        listSenders(db, await resolveOrg(db, o.org)),
      );
      for (const s of rows)
        io.out(`${s.id}\tgateway ${s.gatewayId}\t${s.name}\t${s.state}${s.reason ? `\t${s.reason}` : ''}`);
    });
  sender
    .command('sync <gateway>')
    .description("take the gateway's sender names and their moderation state from its provider (SMS Aero)")
    .option(...ORG)
    .action(async (ref: string, o: { org?: string }) => {
      const box = SecretBox.fromKey(rt.config.secretKey, (m) => io.err(`warning: ${m}`));
      const r = await withDb(rt, 'sender sync', async (db) =>
        syncSenders(db, box, rt.config.publicUrl, await resolveOrg(db, o.org), ref),
      );
      if (!r.ok) throw new CliError(r.message);
      io.out(describeSenderSync(r.value));
    });
  for (const [verb, state] of [
    ['approve', 'approved'],
    ['reject', 'rejected'],
  ] as const) {
    sender
      .command(`${verb} <id>`)
      .description(`record that the gateway ${state} the name`)
      .option('--reason <text>', 'why')
      .option(...ORG)
      .action(async (id: string, o: { reason?: string; org?: string }) => {
        const s = await withDb(rt, `sender ${verb}`, async (db) =>
          decideSender(db, await resolveOrg(db, o.org), parseId(id, 'sender name'), state, o.reason ?? null),
        );
        if (!s) throw new CliError(`no sender name ${id}`);
        io.out(`Sender name ${s.id} ${s.name}: ${s.state}`);
      });
  }

  program
    .command('sms')
    .description('SMS tools')
    .command('inspect')
    .description('encoding, billed characters, segments and parts of a text (from --text or standard input)')
    .option('--text <text>', 'the text; read from standard input when omitted')
    .option('--translit', 'transliterate Cyrillic to Latin first')
    .action(async (o: { text?: string; translit?: boolean }) => {
      const raw = o.text ?? (await readStdin());
      const text = o.translit ? transliterate(raw) : raw;
      io.out(JSON.stringify(inspectSms(text)));
    });
}
