/**
 * The `smpp` gateway: SMPP 3.4 to any SMSC or aggregator, over one transceiver bind per instance
 * (the gateway pool keeps one instance per gateway and process).
 *
 *   idle ─send─▶ connecting ─bind_transceiver_resp OK─▶ bound ─drop / unbind / no enquire answer─▶ waiting
 *                    └─refused, no answer, refused connection─▶ waiting ─backoff (1 s … 60 s)─▶ connecting
 *
 * While bound: enquire_link every `enquireSeconds` (no answer in `responseSeconds` drops the bind);
 * at most `window` submit_sm unanswered at once. A throttling answer (ESME_RTHROTTLED,
 * ESME_RMSGQFUL) halves the window and pauses new submits — those messages come back rate_limited,
 * costing no attempt — and the window grows back by one per window of accepted submits. A bind lost
 * with submits unanswered makes them retryable: the SMSC may have taken them (at-least-once).
 *
 * A long text is several submit_sm with a UDH (smppPdu.ts says why not sar_* TLVs), sent in order;
 * it is accepted when every part is, and its provider id is the first part's. Delivery receipts
 * (deliver_sm with the receipt bit of esm_class) come back on the bind and go to the pool's
 * listener (Gateway.onReports); each is answered only once written. A receipt for a later part of a
 * long message is recognised by the bind that sent it and dropped: the first part's receipt decides
 * the message's state. Ids are compared in one form (normaliseId): hex, decimal and padded alike.
 *
 * Settings: host, port (2775), system_id, password, system_type (''), sender (default source
 * address), sourceTon / sourceNpi (default: 5/0 for a name, 1/1 for a number), window (10),
 * enquireSeconds (30), responseSeconds (10), reconnectSeconds (1, doubling to 60), throttleSeconds
 * (1, the first pause), submitIdForm / receiptIdForm (auto), statusDeadlineSeconds (172800).
 */
import type { Gateway, GatewayContext, OutgoingMessage, SendOutcome } from './provider.ts';
import { GatewaySettingsError } from './provider.ts';
import { SmppBind } from './smppBind.ts';
import { splitForSubmit } from './smppPdu.ts';
import { smppSettings } from './smppSettings.ts';

/** One message: its parts in order, stopping at the first refused; accepted when all are. */
async function sendOne(bind: SmppBind, m: OutgoingMessage): Promise<SendOutcome> {
  const s = bind.s;
  if (!m.body) return { id: m.id, kind: 'permanent', rawStatus: 'EMPTY', reason: 'the text is empty' };
  const { dataCoding, parts } = splitForSubmit(m.body, bind.nextReference());
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
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      destination_addr: m.address.replace(/^\+/, ''),
      esm_class: 0,
      registered_delivery: 1,
      data_coding: dataCoding,
      short_message: part.udh ? { udh: part.udh, message: part.message } : { message: part.message },
    });
    if (!r.ok) {
      const where = parts.length > 1 ? ` (part ${i + 1} of ${parts.length})` : '';
      return { id: m.id, ...r.outcome, reason: r.outcome.reason + where };
    }
    // Known as a later part at once: its receipt may come before the message's last part is sent.
    if (ids.length > 0) bind.rememberPart(r.id, ids[0]!);
    ids.push(r.id);
  }
  return { id: m.id, kind: 'accepted', providerId: ids[0]!, rawStatus: 'ESME_ROK' };
}

export type SmppGateway = Gateway & {
  /** Binds (or reports why the last bind failed): the configuration check. */
  verify(): Promise<string>;
};

export function createSmppGateway(ctx: GatewayContext): SmppGateway {
  if (ctx.channel !== 'sms') throw new GatewaySettingsError('channel', 'an SMPP gateway sends SMS only');
  const bind = new SmppBind(smppSettings(ctx.settings));
  return {
    kind: 'smpp',
    channel: ctx.channel,
    capabilities: {
      batchSize: 50,
      callbacks: false,
      polling: false,
      statusDeadlineSeconds: bind.s.statusDeadlineSeconds,
    },
    async send(batch: OutgoingMessage[]): Promise<SendOutcome[]> {
      const notBound = await bind.ready();
      if (notBound)
        return batch.map((m) => ({
          id: m.id,
          kind: 'retryable',
          rawStatus: notBound.raw,
          reason: notBound.reason,
        }));
      return Promise.all(batch.map((m) => sendOne(bind, m)));
    },
    onReports: (listener) => bind.onReports(listener),
    async verify() {
      const notBound = await bind.ready();
      if (notBound) throw new Error(`${bind.s.host}:${bind.s.port}: ${notBound.reason}`);
      return `bound to ${bind.s.host}:${bind.s.port} as ${bind.s.systemId} (transceiver, SMPP 3.4)`;
    },
    close: () => bind.close(),
  };
}
