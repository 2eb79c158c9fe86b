/** `vestnik consent …` and `vestnik suppress …`: consent per contact, channel and category, and the suppression list (AC-4). */
import type { Command } from 'commander';
import { CATEGORIES, type Category } from '../../core/audience/audience.ts';
import { CHANNELS, type Channel } from '../../core/states.ts';
import { normalizeAddress, suppressAddress } from '../../services/consent.ts';
import {
  grantConsent,
  listConsents,
  listSuppressions,
  SUPPRESSION_REASONS,
  type SuppressionReason,
  unsuppress,
  withdrawConsent,
} from '../../store/consent.ts';
import { CliError } from '../io.ts';
import { parseId, printJson, type Runtime, resolveOrg, withDb } from '../runtime.ts';
import { oneOf } from './audience.ts';

const ORG = ['--org <id>', 'the organisation (default: the only one)'] as const;

export function registerConsentCommands(program: Command, rt: Runtime): void {
  const { io } = rt;
  const consent = program.command('consent').description('consent per contact, channel and category (AC-4)');
  const consentOptions = (c: Command) =>
    c
      .requiredOption('--contact <id>', 'the contact')
      .option('--channel <channel>', CHANNELS.join(', '), 'sms')
      .option('--category <category>', CATEGORIES.join(', '), 'advertising')
      .option(...ORG);
  consentOptions(consent.command('grant').description('record a consent: where it came from and its words'))
    .requiredOption('--wording <text>', 'the words the person agreed to')
    .option('--source <text>', 'where it was given (a form, a paper, a call)', 'командная строка')
    .action(
      async (o: {
        contact: string;
        channel: string;
        category: string;
        wording: string;
        source: string;
        org?: string;
      }) => {
        const input = {
          contactId: parseId(o.contact, '--contact'),
          channel: oneOf<Channel>('--channel', o.channel, CHANNELS),
          category: oneOf<Category>('--category', o.category, CATEGORIES),
          source: o.source,
          wording: o.wording,
        };
        if (!o.wording.trim()) throw new CliError('--wording: give the words the person agreed to');
        const c = await withDb(rt, 'consent grant', async (db) =>
          grantConsent(db, await resolveOrg(db, o.org), input),
        );
        if (!c) throw new CliError(`no contact ${o.contact}`);
        io.out(`Consent of contact ${c.contactId} to ${c.category} by ${c.channel} recorded (${c.source})`);
      },
    );
  consentOptions(
    consent.command('withdraw').description('withdraw a consent (the record stays, stamped)'),
  ).action(async (o: { contact: string; channel: string; category: string; org?: string }) => {
    const input = {
      contactId: parseId(o.contact, '--contact'),
      channel: oneOf<Channel>('--channel', o.channel, CHANNELS),
      category: oneOf<Category>('--category', o.category, CATEGORIES),
    };
    const c = await withDb(rt, 'consent withdraw', async (db) =>
      withdrawConsent(db, await resolveOrg(db, o.org), input),
    );
    if (!c) throw new CliError(`contact ${o.contact} has no ${input.category} consent for ${input.channel}`);
    io.out(`Consent of contact ${c.contactId} to ${c.category} by ${c.channel} withdrawn`);
  });
  consent
    .command('show')
    .description("a contact's consents")
    .requiredOption('--contact <id>', 'the contact')
    .option('--json', 'print JSON')
    .option(...ORG)
    .action(async (o: { contact: string; json?: boolean; org?: string }) => {
      const id = parseId(o.contact, '--contact');
      const rows = await withDb(rt, 'consent show', async (db) =>
        listConsents(db, await resolveOrg(db, o.org), id),
      );
      if (o.json) return printJson(io, rows);
      if (rows.length === 0) io.out(`Contact ${id} has no consents recorded`);
      for (const c of rows)
        io.out(
          `${c.channel}\t${c.category}\t${c.withdrawnAt ? `withdrawn ${c.withdrawnAt.toISOString()}` : 'given'}\t` +
            `${c.grantedAt.toISOString()}\t${c.source}\t«${c.wording}»`,
        );
    });

  const sup = program
    .command('suppress')
    .description('the suppression list: addresses never to message (AC-4)');
  sup
    .command('add')
    .description('suppress an address; queued messages to it are excluded at once')
    .requiredOption('--address <address>', 'a phone, e-mail or chat id')
    .option('--channel <channel>', CHANNELS.join(', '), 'sms')
    .option('--reason <reason>', SUPPRESSION_REASONS.join(', '), 'manual')
    .option('--note <text>', 'why, for the next operator')
    .option(...ORG)
    .action(async (o: { address: string; channel: string; reason: string; note?: string; org?: string }) => {
      const channel = oneOf<Channel>('--channel', o.channel, CHANNELS);
      const reason = oneOf<SuppressionReason>('--reason', o.reason, SUPPRESSION_REASONS);
      const r = await withDb(rt, 'suppress add', async (db) =>
        suppressAddress(db, await resolveOrg(db, o.org), {
          channel,
          address: o.address,
          reason,
          ...(o.note !== undefined ? { note: o.note } : {}),
          by: 'cli',
        }),
      );
      if (!r.ok) throw new CliError(`--address: ${r.problem.message}`);
      io.out(
        `Suppressed ${r.value.suppression.address} on ${channel} (${reason}); ${r.value.excludedMessages} queued messages excluded`,
      );
    });
  sup
    .command('remove')
    .description('take an address off the suppression list')
    .requiredOption('--address <address>', 'a phone, e-mail or chat id')
    .option('--channel <channel>', CHANNELS.join(', '), 'sms')
    .option(...ORG)
    .action(async (o: { address: string; channel: string; org?: string }) => {
      const channel = oneOf<Channel>('--channel', o.channel, CHANNELS);
      const address = normalizeAddress(channel, o.address, '--address');
      if (!address.ok) throw new CliError(`${address.problem.field}: ${address.problem.message}`);
      const removed = await withDb(rt, 'suppress remove', async (db) =>
        unsuppress(db, await resolveOrg(db, o.org), channel, address.value),
      );
      if (!removed) throw new CliError(`${address.value} is not on the ${channel} suppression list`);
      io.out(`${address.value} removed from the ${channel} suppression list`);
    });
  sup
    .command('ls')
    .description('the suppression list, by channel and address')
    .option('--channel <channel>', CHANNELS.join(', '))
    .option('--limit <n>', 'how many', '100')
    .option('--json', 'print JSON')
    .option(...ORG)
    .action(async (o: { channel?: string; limit: string; json?: boolean; org?: string }) => {
      const channel = o.channel === undefined ? undefined : oneOf<Channel>('--channel', o.channel, CHANNELS);
      const rows = await withDb(rt, 'suppress ls', async (db) =>
        listSuppressions(db, await resolveOrg(db, o.org), {
          ...(channel ? { channel } : {}),
          limit: Math.min(Math.max(Number(o.limit) || 100, 1), 10_000),
        }),
      );
      if (o.json) return printJson(io, rows);
      for (const s of rows) io.out(`${s.channel}\t${s.address}\t${s.reason}\t${s.note}`);
    });
}
