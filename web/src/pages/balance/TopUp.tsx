/** Adding money to the balance (owner and admin): roubles with kopecks, converted exactly. */
import { type FormEvent, useState } from 'react';
import { api } from '../../api.ts';
import { useI18n } from '../../i18n/index.ts';
import { ErrorNote, Field } from '../../ui.tsx';
import { parseRoubles } from './kopecks.ts';
import type { BalanceView } from './types.ts';

export function TopUp({ onDone }: { onDone: () => void }) {
  const { t, money } = useI18n();
  const [amount, setAmount] = useState('');
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<string>();
  const kopecks = parseRoubles(amount);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!kopecks) {
      setError(new Error(t('money.amountInvalid')));
      return;
    }
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    try {
      const b = await api<BalanceView>('/balance/topups', {
        method: 'POST',
        body: { amountKopecks: kopecks, ...(comment.trim() ? { comment: comment.trim() } : {}) },
      });
      setDone(t('money.toppedUp', { amount: money(kopecks), available: money(b.availableKopecks) }));
      setAmount('');
      setComment('');
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card money-card" onSubmit={submit}>
      <h2>{t('money.topup')}</h2>
      <div className="inline-form">
        <Field label={t('money.amount')}>
          <input
            data-test="topup-amount"
            inputMode="decimal"
            value={amount}
            onChange={(e) => setAmount(e.target.value)}
            placeholder="1000,00"
            required
          />
        </Field>
        <Field label={t('money.comment')}>
          <input value={comment} maxLength={500} onChange={(e) => setComment(e.target.value)} />
        </Field>
        <button type="submit" className="primary" data-test="topup-submit" disabled={busy}>
          {t('money.topupSubmit')}
        </button>
      </div>
      <p className="hint">
        {amount && kopecks !== null ? `${money(kopecks)} · ` : ''}
        {t('money.amountHint')}
      </p>
      <ErrorNote error={error} />
      {done ? <p className="notice">{done}</p> : null}
    </form>
  );
}
