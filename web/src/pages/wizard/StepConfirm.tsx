/**
 * Step 4: confirm and send. The choices are saved as a draft (created, or the earlier draft edited),
 * the server prices every recipient, the operator unticks whom to leave out, picks when, and sends;
 * the campaign's live report follows.
 */
import { useEffect, useRef, useState } from 'react';
import { useLocation } from 'wouter';
import { api } from '../../api.ts';
import { useI18n } from '../../i18n/index.ts';
import { canSend, useSession } from '../../session.ts';
import { ErrorNote, Loading } from '../../ui.tsx';
import { Estimate } from './Estimate.tsx';
import { campaignBody, channelOf, type Patch, type WizardState } from './model.ts';
import { Recipients } from './Recipients.tsx';

/** The draft as it stands now: edited when it exists with the same channel, created otherwise. */
async function saveDraft(state: WizardState): Promise<{ id: number }> {
  const body = campaignBody(state);
  if (state.draft && state.draft.channel === channelOf(state.mode)) {
    const { channel: _c, ...edit } = body;
    return api<{ id: number }>(`/campaigns/${state.draft.id}`, { method: 'PATCH', body: edit });
  }
  return api<{ id: number }>('/campaigns', { body });
}

const localNow = () => {
  const d = new Date(Date.now() + 60 * 60 * 1000);
  d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
  return d.toISOString().slice(0, 16);
};

export function StepConfirm({ state, patch }: { state: WizardState; patch: Patch }) {
  const { t } = useI18n();
  const me = useSession();
  const [, navigate] = useLocation();
  const [id, setId] = useState<number | null>(null);
  const [saveError, setSaveError] = useState<unknown>();
  /** Bumped when a tick changes what the estimate counts. */
  const [version, setVersion] = useState(0);
  const [sending, setSending] = useState(false);
  const [sendError, setSendError] = useState<unknown>();

  // Saved once on arrival; the schedule is sent again with the launch. The request is kept in a ref
  // so an effect run twice (React's strict mode, a remount) reuses it instead of making a second draft.
  const saving = useRef<Promise<{ id: number }> | null>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the choices of steps 1–3 are fixed while here
  useEffect(() => {
    let live = true;
    saving.current ??= saveDraft(state);
    saving.current.then(
      (c) => {
        if (!live) return;
        patch({ draft: { id: c.id, channel: channelOf(state.mode) } });
        setId(c.id);
      },
      (e: unknown) => live && setSaveError(e),
    );
    return () => {
      live = false;
    };
  }, []);

  const atInvalid = state.schedule === 'at' && (!state.at || new Date(state.at).getTime() <= Date.now());

  const send = async () => {
    if (!id || atInvalid) return;
    setSending(true);
    setSendError(undefined);
    try {
      await api(`/campaigns/${id}`, {
        method: 'PATCH',
        body: { schedule: state.schedule === 'at' ? { at: new Date(state.at).toISOString() } : null },
      });
      await api(`/campaigns/${id}/launch`, { method: 'POST', body: {} });
      navigate(`/campaigns/${id}`);
    } catch (e) {
      setSendError(e);
      setSending(false);
    }
  };

  if (saveError) return <ErrorNote error={saveError} />;
  if (!id) return <p className="muted">{t('wizard.confirm.preparing')}</p>;

  return (
    <div className="stack">
      <p className="muted" data-test="draft-id">
        {t('wizard.confirm.draft', { id })}
      </p>
      <Estimate id={id} version={version} economy={state.mode === 'economy'} />

      <div className="card">
        <h2>{t('wizard.schedule')}</h2>
        <div className="row wizard-schedule">
          <label className="wizard-check" data-test="schedule-now">
            <input
              type="radio"
              name="wizard-schedule"
              checked={state.schedule === 'now'}
              onChange={() => patch({ schedule: 'now' })}
            />
            <span>{t('wizard.schedule.now')}</span>
          </label>
          <label className="wizard-check" data-test="schedule-at">
            <input
              type="radio"
              name="wizard-schedule"
              checked={state.schedule === 'at'}
              onChange={() => patch({ schedule: 'at', at: state.at || localNow() })}
            />
            <span>{t('wizard.schedule.at')}</span>
          </label>
          {state.schedule === 'at' ? (
            <input
              type="datetime-local"
              value={state.at}
              onChange={(e) => patch({ at: e.target.value })}
              data-test="schedule-time"
              aria-label={t('wizard.schedule.at')}
            />
          ) : null}
        </div>
        {atInvalid ? <p className="error">{t('wizard.schedule.atRequired')}</p> : null}
        <ErrorNote error={sendError} />
        {canSend(me) ? null : <p className="notice">{t('wizard.send.noRight')}</p>}
        <div className="wizard-send">
          <button
            type="button"
            className="primary"
            disabled={sending || atInvalid || !canSend(me)}
            onClick={send}
            data-test="send"
          >
            {state.schedule === 'at' ? t('wizard.send.schedule') : t('wizard.send')}
          </button>
          {sending ? <Loading /> : null}
        </div>
      </div>

      <Recipients id={id} onChanged={() => setVersion((v) => v + 1)} />
    </div>
  );
}
