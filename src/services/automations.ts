/**
 * Creating an automation (SD-5), for the API and the command line alike: the preset's filter, text
 * and duplicate key, the text checked like any campaign's (CT-2), a daily run, armed at once.
 */
import type { FieldProblem } from '../core/result.ts';
import { type Automation, preset } from '../core/schedule/automations.ts';
import { checkRecurrence, type Mode, type Recurrence } from '../core/schedule/plan.ts';
import type { Channel } from '../core/states.ts';
import type { LinkSettings } from '../dispatch/extras.ts';
import { launchCampaign } from '../dispatch/launch.ts';
import { type Campaign, getCampaign, insertCampaign } from '../store/campaigns.ts';
import type { Db } from '../store/db.ts';
import { campaignContent } from './campaigns.ts';

export interface AutomationInput {
  name: string;
  automation: Automation;
  channel?: Channel;
  mode?: Mode;
  /** Instead of the ready text. */
  textTemplate?: string;
  /** `HH:MM` each day in the organisation's zone; the preset's 10:00 otherwise. */
  at?: string;
}

export type AutomationResult =
  | { ok: true; campaign: Campaign }
  | { ok: false; code: string; message: string; problems?: FieldProblem[] };

export async function createAutomation(
  db: Db,
  orgId: number,
  input: AutomationInput,
  initiator: string,
  links?: LinkSettings,
): Promise<AutomationResult> {
  const ready = preset(input.automation);
  const recurrence: Recurrence = input.at ? { every: 'day', at: input.at } : ready.recurrence;
  const bad = checkRecurrence(recurrence, 'UTC');
  if (bad)
    return {
      ok: false,
      code: 'validation_failed',
      message: bad,
      problems: [{ field: 'at', value: input.at, message: bad }],
    };
  const channel = input.channel ?? 'sms';
  const content = campaignContent(channel, { textTemplate: input.textTemplate ?? ready.textTemplate });
  if (!content.ok)
    return {
      ok: false,
      code: 'validation_failed',
      message: content.problems.map((p) => `${p.field}: ${p.message}`).join('; '),
      problems: content.problems,
    };
  const made = await insertCampaign(
    db,
    orgId,
    {
      name: input.name,
      channel,
      ...content.value,
      audience: ready.audience,
      category: 'service',
      mode: input.mode ?? 'standard',
      collection: ready.collection,
      recurrence,
      automation: input.automation,
      dedupKey: ready.dedupKey,
    },
    initiator,
  );
  const armed = await launchCampaign(db, orgId, made.id, initiator, links);
  if (!armed.ok) return { ok: false, code: armed.code, message: armed.message };
  return { ok: true, campaign: (await getCampaign(db, orgId, made.id))! };
}
