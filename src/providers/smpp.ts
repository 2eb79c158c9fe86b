/**
 * The `smpp` gateway: SMPP 3.4 to any SMSC or aggregator. Per instance (the gateway pool keeps one
 * per gateway and process) one transceiver bind by default; or, by `bindType`, a transmitter that
 * sends and a receiver that takes receipts and replies, or only one of them. Each bind:
 *
 *   idle ─▶ leasing ─lease─▶ connecting ─bind_*_resp OK─▶ bound ─drop / unbind / no enquire answer─▶ waiting
 *             └─all held─▶ waiting (for a lease)   └─refused, no answer─▶ waiting ─backoff (1 s … 60 s)─▶ connecting
 *
 * A lease (smppLeases.ts) keeps the whole instance within the account's `maxBinds`: a process that
 * gets none sends nothing through this gateway (its sends come back slowed down, costing no
 * attempt, for a process that holds the bind to take), and `verify` — `vestnik gateway test` —
 * reports the holder's bind instead of binding beside it.
 *
 * While bound: enquire_link every `enquireSeconds` (no answer in `responseSeconds` drops the bind);
 * at most `window` submit_sm unanswered at once. A throttling answer (ESME_RTHROTTLED,
 * ESME_RMSGQFUL) halves the window and pauses new submits — those messages come back rate_limited,
 * costing no attempt — and the window grows back by one per window of accepted submits. A bind lost
 * with submits unanswered makes them retryable: the SMSC may have taken them (at-least-once).
 *
 * A long text is several submit_sm — with an 8-bit or 16-bit UDH, or sar_* TLVs — sent in order, or
 * one submit_sm with message_payload (`concatenation`; smppPdu.ts says why an 8-bit UDH by default).
 * It is accepted when every part is; its provider id is the first part's and `partIds` lists every
 * part's, each of whose receipts is reported (the store decides the message's state from them).
 * Receipts (deliver_sm with the receipt bit of esm_class) go to the pool's listener
 * (Gateway.onReports) with the number they went to; other deliver_sm — replies, «СТОП», their parts
 * joined — to Gateway.onInbound; each is answered only once its listener has it. Ids are compared in
 * one form (normaliseId): hex, decimal and padded alike.
 *
 * Settings (docs/gateways/smpp.md has the table): host, port (2775), system_id, password,
 * system_type (''), bindType, maxBinds (1), sender, sourceTon / sourceNpi (5/0 for a name, 1/1 for a
 * number), destTon / destNpi (1/1), gsmDataCoding (0), concatenation (udh8), window (10),
 * enquireSeconds (30), responseSeconds (10), reconnectSeconds (1, doubling to 60), throttleSeconds
 * (1, the first pause), submitIdForm / receiptIdForm (auto), statusDeadlineSeconds (172800).
 */
import type { Gateway, GatewayContext, OutgoingMessage, SendOutcome } from './provider.ts';
import { GatewaySettingsError } from './provider.ts';
import { SmppBind } from './smppBind.ts';
import { holders } from './smppLeases.ts';
import { splitForSubmit } from './smppPdu.ts';
import { smppSettings } from './smppSettings.ts';

/** One message: its parts in order, stopping at the first refused; accepted when all are. */
async function sendOne(bind: SmppBind, m: OutgoingMessage): Promise<SendOutcome> {
  const s = bind.s;
  if (!m.body) return { id: m.id, kind: 'permanent', rawStatus: 'EMPTY', reason: 'the text is empty' };
  const plan = splitForSubmit(m.body, bind.nextReference(), {
    gsmDataCoding: s.gsmDataCoding,
    concatenation: s.concatenation,
  });
  const { dataCoding, parts } = plan;
  if (parts.length > 255)
    return {
      id: m.id,
      kind: 'permanent',
      rawStatus: 'TOO_LONG',
      reason: `the text is ${parts.length} SMS long; at most 255`,
    };
  const source = m.sender ?? s.sender;
  const alpha = /[^\d+]/.test(source);
  const ids: string[] = [];
  for (const [i, part] of parts.entries()) {
    const r = await bind.submit({
      service_type: '',
      source_addr_ton: s.sourceTon ?? (source === '' ? 0 : alpha ? 5 : 1),
      source_addr_npi: s.sourceNpi ?? (source === '' || alpha ? 0 : 1),
      source_addr: source.replace(/^\+/, ''),
      dest_addr_ton: s.destTon,
      dest_addr_npi: s.destNpi,
      destination_addr: m.address.replace(/^\+/, ''),
      // The UDH indicator when the part carries a UDH; the library leaves octets as they are.
      esm_class: part.udh ? 0x40 : 0,
      registered_delivery: 1,
      data_coding: dataCoding,
      ...(plan.payload
        ? { short_message: Buffer.alloc(0), message_payload: part.octets }
        : { short_message: part.udh ? Buffer.concat([part.udh, part.octets]) : part.octets }),
      ...(part.sar ?? {}),
    });
    if (!r.ok) {
      const where = parts.length > 1 ? ` (part ${i + 1} of ${parts.length})` : '';
      return { id: m.id, ...r.outcome, reason: r.outcome.reason + where };
    }
    ids.push(r.id);
  }
  return {
    id: m.id,
    kind: 'accepted',
    providerId: ids[0]!,
    rawStatus: 'ESME_ROK',
    ...(ids.length > 1 ? { partIds: ids } : {}),
  };
}

export type SmppGateway = Gateway & {
  /**
   * The configuration check: reports the bind another process (or instance) of Vestnik holds for the
   * account, or else binds (and reports why the bind failed).
   */
  verify(): Promise<string>;
};

const when = (d: Date) => `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;

export function createSmppGateway(ctx: GatewayContext): SmppGateway {
  if (ctx.channel !== 'sms') throw new GatewaySettingsError('channel', 'an SMPP gateway sends SMS only');
  const s = smppSettings(ctx.settings);
  const binds: SmppBind[] =
    s.bindType === 'transmitter+receiver'
      ? [new SmppBind(s, 'transmitter'), new SmppBind(s, 'receiver')]
      : [new SmppBind(s, s.bindType)];
  const sender = binds.find((b) => b.mode !== 'receiver') ?? null;
  const describe = (b: SmppBind) => `${b.mode}${b.s.maxBinds > 1 ? `, at most ${b.s.maxBinds}` : ''}`;
  return {
    kind: 'smpp',
    channel: ctx.channel,
    capabilities: {
      batchSize: 50,
      callbacks: false,
      polling: false,
      statusDeadlineSeconds: s.statusDeadlineSeconds,
    },
    async send(batch: OutgoingMessage[]): Promise<SendOutcome[]> {
      if (!sender)
        return batch.map((m) => ({
          id: m.id,
          kind: 'permanent',
          rawStatus: 'RECEIVER_ONLY',
          reason: 'this SMPP gateway only receives (setting `bindType`: receiver)',
        }));
      const notBound = await sender.ready();
      if (notBound?.raw === 'BINDS_IN_USE')
        // Not this gateway's failure: another process holds the account's binds and sends.
        return batch.map((m) => ({
          id: m.id,
          kind: 'rate_limited',
          rawStatus: notBound.raw,
          reason: notBound.reason,
          retryAfterMs: 1000,
        }));
      if (notBound)
        return batch.map((m) => ({
          id: m.id,
          kind: 'retryable',
          rawStatus: notBound.raw,
          reason: notBound.reason,
        }));
      return Promise.all(batch.map((m) => sendOne(sender, m)));
    },
    onReports(listener) {
      for (const b of binds) b.onReports(listener);
    },
    onInbound(listener) {
      for (const b of binds) b.onInbound(listener);
    },
    async verify() {
      const where = `${s.host}:${s.port} as ${s.systemId}`;
      // Held elsewhere: say how that bind is, without a bind of our own beside it.
      const held = await Promise.all(binds.map(async (b) => ({ b, others: await holders(b.account) })));
      const taken = held.filter((h) => h.others.length >= s.maxBinds && !h.b.leased);
      if (taken.length === binds.length) {
        const lines = taken.flatMap(({ b, others }) =>
          others.map((o) => {
            const h = o.health;
            const state = !h
              ? 'its state is not known'
              : h.up
                ? `the bind is up since ${when(h.since)}`
                : `the bind is down since ${when(h.since)}: ${h.error?.raw}${h.error?.reason ? ` (${h.error.reason})` : ''}`;
            return { ok: h?.up ?? true, text: `${describe(b)} bound by ${o.where}: ${state}` };
          }),
        );
        const text = `${where}: ${lines.map((l) => l.text).join('; ')} — not bound again (setting \`maxBinds\` ${s.maxBinds})`;
        if (lines.every((l) => l.ok)) return text;
        throw new Error(text);
      }
      const failures = (await Promise.all(binds.map((b) => b.ready()))).filter((f) => f !== null);
      if (failures.length)
        throw new Error(`${s.host}:${s.port}: ${failures.map((f) => f.reason).join('; ')}`);
      return `bound to ${where} (${binds.map(describe).join(' and ')}, SMPP 3.4)`;
    },
    async close() {
      await Promise.all(binds.map((b) => b.close()));
    },
  };
}
