/**
 * `vestnik send`: one message now. When no server or worker is around to pick it up (the embedded
 * database with no server running), the command sends it itself before it returns.
 */
import type { Command } from 'commander';
import { formatRoubles } from '../../core/pricing.ts';
import { CHANNELS, type Channel } from '../../core/states.ts';
import { startDispatcher } from '../../dispatch/dispatcher.ts';
import { GatewayPool } from '../../dispatch/gatewayPool.ts';
import { sendSingle } from '../../services/messaging.ts';
import { WAITING_REASON } from '../../services/moderation.ts';
import type { Db } from '../../store/db.ts';
import { getMessage, type Message } from '../../store/messages.ts';
import { CliError } from '../io.ts';
import { parseId, printJson, type Runtime, resolveOrg, withDb } from '../runtime.ts';

async function waitUntilHanded(db: Db, orgId: number, id: number, timeoutMs: number): Promise<Message> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = (await getMessage(db, orgId, id))!;
    if (m.state !== 'queued' || Date.now() > deadline) return m;
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function registerSendCommand(program: Command, rt: Runtime): void {
  const { io, config } = rt;
  program
    .command('send')
    .description('send one message now and print its state')
    .requiredOption('--text <text>', 'the message text')
    .option('--to <address>', 'a phone (8 912 345-67-89), an e-mail or a Telegram chat id')
    .option('--contact <id>', "a contact's id instead of --to")
    .option('--channel <channel>', `${CHANNELS.join(', ')}`, 'sms')
    .option('--subject <subject>', 'the e-mail subject')
    .option('--idempotency-key <key>', 'repeat safely: the same key sends once')
    .option('--org <id>', 'the organisation (default: the only one)')
    .option('--json', 'print the message as JSON')
    .action(
      async (o: {
        text: string;
        to?: string;
        contact?: string;
        channel: string;
        subject?: string;
        idempotencyKey?: string;
        org?: string;
        json?: boolean;
      }) => {
        if (!(CHANNELS as readonly string[]).includes(o.channel))
          throw new CliError(`--channel ${o.channel}: use ${CHANNELS.join(', ')}`);
        const message = await withDb(rt, 'send', async (db) => {
          const orgId = await resolveOrg(db, o.org);
          const r = await sendSingle(db, orgId, 'cli', {
            channel: o.channel as Channel,
            text: o.text,
            ...(o.to !== undefined ? { to: o.to } : {}),
            ...(o.contact !== undefined ? { contactId: parseId(o.contact, '--contact') } : {}),
            ...(o.subject !== undefined ? { subject: o.subject } : {}),
            ...(o.idempotencyKey !== undefined ? { idempotencyKey: o.idempotencyKey } : {}),
          });
          if (!r.ok) {
            if ('conflict' in r)
              throw new CliError('--idempotency-key was used before for a different message');
            if ('insufficient' in r) {
              const { costKopecks, availableKopecks } = r.insufficient;
              throw new CliError(
                `the message costs ${formatRoubles(costKopecks)} but the available balance is ${formatRoubles(availableKopecks)} (see \`vestnik balance topup\`)`,
              );
            }
            throw new CliError(
              `--${r.problem.field === 'contactId' ? 'contact' : r.problem.field}: ${r.problem.message}`,
            );
          }
          const { id } = r.value.message;
          // Waiting for a moderator (issue 18): nothing to hand over until it is approved.
          if (r.value.message.reason === WAITING_REASON) return r.value.message;
          if (rt.serverDb) {
            rt.wake?.();
            return waitUntilHanded(db, orgId, id, 10_000);
          }
          const gateways = GatewayPool.forConfig(db, config);
          const dispatcher = await startDispatcher(db, { workers: 1, gateways, idlePollMs: 100 });
          try {
            return await waitUntilHanded(db, orgId, id, 30_000);
          } finally {
            await dispatcher.stop();
            await gateways.close();
          }
        });
        if (o.json) printJson(io, message);
        else
          io.out(
            `Message ${message.id} to ${message.address}: ${message.state}${message.reason ? ` (${message.reason})` : ''}`,
          );
        if (message.state === 'rejected') throw new CliError(`the gateway rejected message ${message.id}`, 2);
      },
    );
}
