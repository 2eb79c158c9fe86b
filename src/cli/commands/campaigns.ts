/** Campaigns from the command line: create, estimate, launch, follow, cancel. */
import type { Command } from 'commander';
import { DateTime } from 'luxon';
import { FILTER_OBJECT_KINDS } from '../../core/audience/filter.ts';
import type { AttachmentSpec, CampaignTexts } from '../../core/content.ts';
import { formatRoubles } from '../../core/pricing.ts';
import { CHANNELS, type Channel } from '../../core/states.ts';
import type { EmptyPolicy } from '../../core/templates/render.ts';
import { launchCampaign } from '../../dispatch/launch.ts';
import { campaignContent } from '../../services/campaigns.ts';
import { estimateCampaign } from '../../services/estimate.ts';
import {
  cancelCampaign,
  countMessagesByState,
  getCampaign,
  insertCampaign,
  listCampaigns,
} from '../../store/campaigns.ts';
import { missingContactIds } from '../../store/contacts.ts';
import { closeCampaign, pauseCampaign, resumeCampaign } from '../../store/control.ts';
import { getOrg } from '../../store/orgs.ts';
import { CliError } from '../io.ts';
import { parseId, printJson, type Runtime, resolveOrg, withDb } from '../runtime.ts';
import { parseTiming, planLines, registerRunsCommand, type TimingFlags, timingOptions } from './timing.ts';

const ORG = ['--org <id>', 'the organisation (default: the only one)'] as const;

function ids(value: string): number[] {
  const list = value
    .split(/[\s,]+/)
    .filter(Boolean)
    .map(Number);
  if (list.length === 0 || list.some((n) => !Number.isSafeInteger(n) || n < 1))
    throw new CliError(`--contacts ${value}: give contact ids, e.g. 1,2,3`);
  return list;
}

/** The API's field names as the options that gave them. */
const cliField = (field: string): string =>
  ({
    textTemplate: '--text',
    subject: '--subject',
    'texts.sms': '--sms-text',
    'texts.messenger': '--messenger-text',
    'texts.email.html': '--text',
    'texts.email.subject': '--subject',
    'texts.email.text': '--plain-text',
  })[field] ?? field;

function parseEmpty(value: string): EmptyPolicy {
  if (value === 'allow' || value === 'block') return { mode: value };
  const m = /^default=(.*)$/s.exec(value);
  if (m) return { mode: 'default', text: m[1]! };
  throw new CliError(`--empty ${value}: use allow, block or default=TEXT`);
}

function parseAttachments(attach: string | undefined, own: string | undefined): AttachmentSpec {
  const documentIds =
    attach === undefined
      ? []
      : attach
          .split(/[\s,]+/)
          .filter(Boolean)
          .map((x) => parseId(x, 'document'));
  if (own === undefined) return { documentIds, perRecipient: null };
  const [kind, objectKind] = own.split(':');
  if (!kind || !/^[a-z][a-z0-9_]{0,31}$/.test(kind))
    throw new CliError(`--attach-own ${own}: give a document kind, e.g. receipt or receipt:account`);
  if (objectKind === undefined) return { documentIds, perRecipient: { kind } };
  const known = FILTER_OBJECT_KINDS.find((k) => k === objectKind);
  if (!known)
    throw new CliError(
      `--attach-own ${own}: ${objectKind} is not an object kind (${FILTER_OBJECT_KINDS.join(', ')})`,
    );
  return { documentIds, perRecipient: { kind, objectKind: known } };
}

export function registerCampaignCommands(program: Command, rt: Runtime): void {
  const { io } = rt;
  const campaign = program.command('campaign').description('campaigns (SD-1)');

  registerRunsCommand(campaign, rt);
  const create = campaign
    .command('create')
    .description('create a draft campaign')
    .requiredOption('--name <name>', 'what it is, for the list')
    .option(
      '--text <template>',
      'the text of the campaign\'s channel (HTML for e-mail), Liquid: "Уважаемый {{ contact.name }}, долг {{ debt }} руб."',
    )
    .option('--channel <channel>', CHANNELS.join(', '), 'sms')
    .option('--subject <subject>', 'the e-mail subject')
    .option('--sms-text <template>', 'the SMS text, when the campaign has texts for several channels (CH-6)')
    .option('--messenger-text <template>', 'the messenger text, at most 700 characters once rendered')
    .option('--plain-text <template>', "the e-mail's plain-text part (made from the HTML otherwise)")
    .option(
      '--empty <policy>',
      'an empty substitution: allow, block (the recipient is not sent) or default=TEXT',
      'allow',
    )
    .option('--attach <ids>', 'e-mail: document ids attached for every recipient')
    .option(
      '--attach-own <kind>',
      "e-mail: each recipient's document of this kind (receipt, or receipt:account)",
    )
    .option('--contacts <ids>', 'only these contacts (default: all)')
    .option('--sender <name>', 'an approved SMS sender name')
    .option('--translit', 'send Cyrillic as Latin letters (GSM-7: 160 characters per SMS instead of 70)')
    .option(...ORG);
  timingOptions(create).action(
    async (
      o: {
        name: string;
        text?: string;
        channel: string;
        subject?: string;
        smsText?: string;
        messengerText?: string;
        plainText?: string;
        empty: string;
        attach?: string;
        attachOwn?: string;
        contacts?: string;
        sender?: string;
        translit?: boolean;
        org?: string;
      } & TimingFlags,
    ) => {
      if (!(CHANNELS as readonly string[]).includes(o.channel))
        throw new CliError(`--channel ${o.channel}: use ${CHANNELS.join(', ')}`);
      const channel = o.channel as Channel;
      const texts: CampaignTexts = {
        ...(o.smsText !== undefined ? { sms: o.smsText } : {}),
        ...(o.messengerText !== undefined ? { messenger: o.messengerText } : {}),
      };
      if (channel === 'email' && o.text !== undefined)
        texts.email = { subject: o.subject ?? '', html: o.text, text: o.plainText ?? null };
      const content = campaignContent(channel, {
        ...(channel !== 'email' && o.text !== undefined ? { textTemplate: o.text } : {}),
        ...(o.subject !== undefined ? { subject: o.subject } : {}),
        texts,
      });
      if (!content.ok)
        throw new CliError(content.problems.map((p) => `${cliField(p.field)}: ${p.message}`).join('\n'));
      const emptyPolicy = parseEmpty(o.empty);
      const attachments = parseAttachments(o.attach, o.attachOwn);
      if (channel !== 'email' && (attachments.documentIds.length || attachments.perRecipient))
        throw new CliError(`--attach: only an e-mail carries files, not ${channel}`);
      const c = await withDb(rt, 'campaign create', async (db) => {
        const orgId = await resolveOrg(db, o.org);
        const timing = parseTiming(o, (await getOrg(db, orgId))!.timeZone);
        const audience = o.contacts
          ? { kind: 'contacts' as const, contactIds: ids(o.contacts) }
          : { kind: 'all' as const };
        if (audience.kind === 'contacts') {
          const missing = await missingContactIds(db, orgId, audience.contactIds);
          if (missing.length) throw new CliError(`--contacts: no such contacts: ${missing.join(', ')}`);
        }
        return insertCampaign(
          db,
          orgId,
          {
            name: o.name,
            channel,
            ...content.value,
            emptyPolicy,
            attachments,
            audience,
            sender: o.sender ?? null,
            transliterate: o.translit ?? false,
            ...timing,
          },
          'cli',
        );
      });
      io.out(
        `Created campaign ${c.id} «${c.name}» (draft). Next: vestnik campaign estimate ${c.id}; vestnik campaign launch ${c.id}`,
      );
    },
  );

  campaign
    .command('list')
    .description('campaigns, newest first')
    .option('--limit <n>', 'how many', '20')
    .option(...ORG)
    .action(async (o: { limit: string; org?: string }) => {
      const rows = await withDb(rt, 'campaign list', async (db) =>
        listCampaigns(db, await resolveOrg(db, o.org), {
          beforeId: Number.MAX_SAFE_INTEGER,
          limit: Number(o.limit) || 20,
        }),
      );
      for (const c of rows) io.out(`${c.id}\t${c.state}\t${c.channel}\t${c.name}`);
    });

  campaign
    .command('estimate <id>')
    .description('the cost before launch: messages, segments, money, and the balance to compare')
    .option('--json', 'print JSON with the first recipients in detail')
    .option(...ORG)
    .action(async (id: string, o: { json?: boolean; org?: string }) => {
      let zone = 'Europe/Moscow';
      const r = await withDb(rt, 'campaign estimate', async (db) => {
        const orgId = await resolveOrg(db, o.org);
        zone = (await getOrg(db, orgId))!.timeZone;
        return estimateCampaign(db, orgId, parseId(id, 'campaign'), o.json ? 100 : 0, rt.config);
      });
      if (!r.ok) throw new CliError(r.message);
      const e = r.estimate;
      if (o.json) return printJson(io, e);
      io.out(`Campaign ${id}: ${e.messages} messages (${e.excluded} excluded), ${e.segments.total} segments`);
      io.out(
        `  Segments per message: min ${e.segments.min}, max ${e.segments.max}, average ${e.segments.average}`,
      );
      io.out(`  Cost:      ${formatRoubles(e.costKopecks)}`);
      io.out(
        `  Available: ${formatRoubles(e.balance.availableKopecks)}${e.fits ? '' : '  — not enough: top up first'}`,
      );
      for (const [reason, n] of Object.entries(e.excludedByReason)) io.out(`  Excluded (${reason}): ${n}`);
      if (e.cascade.messages)
        io.out(
          `  Messenger first: ${e.cascade.messages} recipients (${formatRoubles(e.cascade.costKopecks)} of the cost)`,
        );
      if (e.plan) {
        io.out('  Economy plan (day: messages):');
        for (const line of planLines(e.plan, zone)) io.out(line);
      }
    });

  campaign
    .command('launch <id>')
    .description('render, price and queue every message, reserving the cost on the balance')
    .option(...ORG)
    .action(async (id: string, o: { org?: string }) => {
      let zone = 'Europe/Moscow';
      const r = await withDb(rt, 'campaign launch', async (db) => {
        const orgId = await resolveOrg(db, o.org);
        zone = (await getOrg(db, orgId))!.timeZone;
        return launchCampaign(db, orgId, parseId(id, 'campaign'), 'cli', rt.config);
      });
      if (!r.ok) throw new CliError(r.message);
      rt.wake?.();
      if (r.scheduledFor) {
        const when = DateTime.fromJSDate(r.scheduledFor, { zone }).toFormat('dd.MM.yyyy HH:mm');
        return io.out(
          `Scheduled campaign ${id}: it runs at ${when} (${zone}); vestnik campaign cancel ${id} to stop it`,
        );
      }
      io.out(
        `Launched campaign ${id}: ${r.queued} queued, ${r.excluded} excluded, ${formatRoubles(r.costKopecks)} reserved${r.completed ? '; nothing to send, completed' : ''}`,
      );
      if (r.plan)
        for (const line of ['Economy plan (day: messages):', ...planLines(r.plan, zone)]) io.out(line);
      if (!rt.serverDb && !rt.config.databaseUrl)
        io.out('The messages go when the server runs: vestnik serve');
    });

  campaign
    .command('show <id>')
    .description('state and messages counted by state')
    .option('--json', 'print JSON')
    .option(...ORG)
    .action(async (id: string, o: { json?: boolean; org?: string }) => {
      const r = await withDb(rt, 'campaign show', async (db) => {
        const orgId = await resolveOrg(db, o.org);
        const c = await getCampaign(db, orgId, parseId(id, 'campaign'));
        return c && { ...c, counts: await countMessagesByState(db, orgId, c.id) };
      });
      if (!r) throw new CliError(`no campaign ${id}`);
      if (o.json) return printJson(io, r);
      io.out(`Campaign ${r.id} «${r.name}»: ${r.state}`);
      for (const [state, n] of Object.entries(r.counts)) io.out(`  ${state.padEnd(16)} ${n}`);
    });

  campaign
    .command('cancel <id>')
    .description('cancel: messages not yet sent are excluded and their money released')
    .option(...ORG)
    .action(async (id: string, o: { org?: string }) => {
      const r = await withDb(rt, 'campaign cancel', async (db) =>
        cancelCampaign(db, await resolveOrg(db, o.org), parseId(id, 'campaign')),
      );
      if (r === 'not_found') throw new CliError(`no campaign ${id}`);
      if (r === 'finished') throw new CliError(`campaign ${id} has finished already`);
      io.out(`Cancelled campaign ${id}`);
    });

  const control = [
    ['pause', 'pause: waiting messages stay until resumed', pauseCampaign],
    ['resume', 'resume a paused campaign', resumeCampaign],
    ['close', 'close by force: what has not gone is excluded and its money released', closeCampaign],
  ] as const;
  for (const [verb, description, act] of control) {
    campaign
      .command(`${verb} <id>`)
      .description(description)
      .option(...ORG)
      .action(async (id: string, o: { org?: string }) => {
        const r = await withDb(rt, `campaign ${verb}`, async (db) =>
          act(db, await resolveOrg(db, o.org), parseId(id, 'campaign')),
        );
        if (r === 'not_found') throw new CliError(`no campaign ${id}`);
        if (r !== 'ok') throw new CliError(`campaign ${id} is ${r.wrongState}`);
        if (verb === 'resume') rt.wake?.();
        io.out(
          `Campaign ${id}: ${verb === 'pause' ? 'paused' : verb === 'resume' ? 'sending again' : 'closed'}`,
        );
      });
  }
}
