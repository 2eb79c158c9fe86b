/** Sign-in with e-mail and password; the server sets the HttpOnly session cookie. */
import { type FormEvent, useState } from 'react';
import { ApiFailure, api, setCsrfToken } from '../api.ts';
import { useI18n } from '../i18n/index.ts';
import { ErrorNote, Field } from '../ui.tsx';

export function Login({ onSignedIn }: { onSignedIn: () => void }) {
  const { t, lang, setLang } = useI18n();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const { csrfToken } = await api<{ csrfToken: string }>('/auth/login', { body: { email, password } });
      setCsrfToken(csrfToken);
      onSignedIn();
    } catch (err) {
      setError(err instanceof ApiFailure && err.status === 401 ? new Error(t('login.failed')) : err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main>
      <form className="card login" onSubmit={submit}>
        <h1>{t('login.title')}</h1>
        <Field label={t('login.email')}>
          <input
            type="email"
            name="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </Field>
        <Field label={t('login.password')}>
          <input
            type="password"
            name="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </Field>
        <ErrorNote error={error} />
        <div className="row">
          <button type="submit" className="primary" disabled={busy}>
            {t('login.submit')}
          </button>
          <button type="button" onClick={() => setLang(lang === 'ru' ? 'en' : 'ru')}>
            {t('nav.language')}
          </button>
        </div>
      </form>
    </main>
  );
}
