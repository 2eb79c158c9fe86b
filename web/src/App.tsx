/**
 * The shell: sign-in, the top bar with the sections and the language switch, and the routes. The
 * language is Russian unless the person chose English (kept in localStorage).
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link, Redirect, Route, Switch, useRoute } from 'wouter';
import { api, SIGNED_OUT_EVENT, setCsrfToken } from './api.ts';
import { formatters, I18nContext, type Lang } from './i18n/index.ts';
import { Balance } from './pages/Balance.tsx';
import { CampaignList } from './pages/CampaignList.tsx';
import { CampaignReport } from './pages/CampaignReport.tsx';
import { ContactCard } from './pages/ContactCard.tsx';
import { Contacts } from './pages/Contacts.tsx';
import { Import } from './pages/Import.tsx';
import { Login } from './pages/Login.tsx';
import { Replies } from './pages/Replies.tsx';
import { Settings } from './pages/Settings.tsx';
import { Wizard } from './pages/Wizard.tsx';
import { type Me, SessionContext } from './session.ts';
import { Loading } from './ui.tsx';

const initialLang = (): Lang => (localStorage.getItem('vestnik.lang') === 'en' ? 'en' : 'ru');

function NavLink({ href, children }: { href: string; children: string }) {
  const [exact] = useRoute(href);
  const [nested] = useRoute(`${href}/*`);
  return (
    <Link href={href} className={exact || nested ? 'active' : ''}>
      {children}
    </Link>
  );
}

export function App() {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const i18n = useMemo(() => {
    const setLang = (l: Lang) => {
      localStorage.setItem('vestnik.lang', l);
      setLangState(l);
    };
    return { ...formatters(lang), setLang };
  }, [lang]);

  const loadMe = useCallback(() => {
    api<Me>('/me').then(
      (m) => {
        if (m.csrfToken) setCsrfToken(m.csrfToken);
        setMe(m);
      },
      () => setMe(null),
    );
  }, []);
  useEffect(loadMe, [loadMe]);
  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = i18n.t('app.name');
  }, [lang, i18n]);
  useEffect(() => {
    const out = () => setMe(null);
    window.addEventListener(SIGNED_OUT_EVENT, out);
    return () => window.removeEventListener(SIGNED_OUT_EVENT, out);
  }, []);

  const { t } = i18n;
  const signOut = async () => {
    await api('/auth/logout', { method: 'POST', body: {} }).catch(() => {});
    setCsrfToken('');
    setMe(null);
  };

  return (
    <I18nContext.Provider value={i18n}>
      <SessionContext.Provider value={me ?? null}>
        {me === undefined ? (
          <main>
            <Loading />
          </main>
        ) : me === null ? (
          <Login onSignedIn={loadMe} />
        ) : (
          <>
            <header className="topbar">
              <Link href="/campaigns" className="brand">
                {t('app.name')}
              </Link>
              <nav>
                <NavLink href="/campaigns">{t('nav.campaigns')}</NavLink>
                <NavLink href="/new">{t('nav.new')}</NavLink>
                <NavLink href="/contacts">{t('nav.contacts')}</NavLink>
                <NavLink href="/replies">{t('nav.replies')}</NavLink>
                <NavLink href="/balance">{t('nav.balance')}</NavLink>
                <NavLink href="/settings">{t('nav.settings')}</NavLink>
              </nav>
              <div className="who">
                <span title={me.user?.email}>{me.org.name}</span>
                <button type="button" onClick={() => i18n.setLang(lang === 'ru' ? 'en' : 'ru')}>
                  {t('nav.language')}
                </button>
                <button type="button" onClick={signOut}>
                  {t('nav.signOut')}
                </button>
              </div>
            </header>
            <main>
              <Switch>
                <Route path="/">
                  <Redirect to="/campaigns" />
                </Route>
                <Route path="/campaigns" component={CampaignList} />
                <Route path="/campaigns/:id">{(p) => <CampaignReport id={Number(p.id)} />}</Route>
                <Route path="/new" component={Wizard} />
                <Route path="/contacts" component={Contacts} />
                <Route path="/contacts/import" component={Import} />
                <Route path="/contacts/:id">{(p) => <ContactCard id={Number(p.id)} />}</Route>
                <Route path="/replies" component={Replies} />
                <Route path="/balance" component={Balance} />
                <Route path="/settings/:tab?">{(p) => <Settings tab={p.tab ?? 'gateways'} />}</Route>
                <Route>
                  <p>{t('common.notFound')}</p>
                </Route>
              </Switch>
            </main>
          </>
        )}
      </SessionContext.Provider>
    </I18nContext.Provider>
  );
}
