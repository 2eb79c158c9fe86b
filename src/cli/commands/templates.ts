/** `vestnik template preview`: a template, or a campaign's, rendered for one contact. */
import type { Command } from 'commander';
import { formatRoubles } from '../../core/pricing.ts';
import { CHANNELS, type Channel } from '../../core/states.ts';
import { previewForContact } from '../../services/preview.ts';
import { getCampaign } from '../../store/campaigns.ts';
import { CliError } from '../io.ts';
import { parseId, printJson, type Runtime, resolveOrg, withDb } from '../runtime.ts';

export function registerTemplateCommands(program: Command, rt: Runtime): void {
  program
    .command('template')
    .description('templates (Liquid, with the seeds’ %name, %kvit, #FAM#… placeholders)')
    .command('preview')
    .description('render a template for one contact: the text, its length, SMS segments and price')
    .requiredOption('--contact <id>', 'the contact to render for')
    .option('--text <template>', 'the template (or --campaign)')
    .option('--campaign <id>', "a campaign's template")
    .option('--channel <channel>', CHANNELS.join(', '), 'sms')
    .option('--subject <template>', 'an e-mail subject')
    .option('--json', 'print JSON')
    .option('--org <id>', 'the organisation (default: the only one)')
    .action(
      async (o: {
        contact: string;
        text?: string;
        campaign?: string;
        channel: string;
        subject?: string;
        json?: boolean;
        org?: string;
      }) => {
        if ((o.text === undefined) === (o.campaign === undefined))
          throw new CliError('give --text or --campaign');
        if (!(CHANNELS as readonly string[]).includes(o.channel))
          throw new CliError(`--channel ${o.channel}: use ${CHANNELS.join(', ')}`);
        const r = await withDb(rt, 'template preview', async (db) => {
          const orgId = await resolveOrg(db, o.org);
          let input = {
            channel: o.channel as Channel,
            text: o.text ?? '',
            contactId: parseId(o.contact, '--contact'),
            ...(o.subject ? { subject: o.subject } : {}),
          };
          if (o.campaign) {
            const c = await getCampaign(db, orgId, parseId(o.campaign, '--campaign'));
            if (!c) throw new CliError(`no campaign ${o.campaign}`);
            input = {
              channel: c.channel,
              text: c.textTemplate,
              contactId: parseId(o.contact, '--contact'),
              ...(c.subject ? { subject: c.subject } : {}),
            };
          }
          return previewForContact(db, orgId, input, rt.config);
        });
        if (!r.ok) {
          if ('notFound' in r) throw new CliError(`no contact ${o.contact}`);
          throw new CliError(r.problems.map((p) => `${p.field}: ${p.message}`).join('\n'));
        }
        const p = r.preview;
        if (o.json) return printJson(rt.io, p);
        if (p.subject) rt.io.out(`Subject: ${p.subject}`);
        rt.io.out(p.text);
        const sms = p.sms ? `, ${p.sms.encoding}, ${p.sms.segments} SMS` : '';
        rt.io.out(
          `— to ${p.address ?? '(no address)'}: ${p.characters} characters${sms}, ${formatRoubles(p.priceKopecks)}`,
        );
      },
    );
}
