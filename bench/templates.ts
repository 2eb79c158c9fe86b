/**
 * Template rendering throughput (issue 5 item 8): seed 000's example template, written with its
 * placeholders and translated on save, compiled once and rendered for 1,000,000 recipients, each
 * with one to three plots with receipt links — the scope built from rows per recipient, as a launch
 * does. Figures:
 *
 * - `templates.seed000.render`: scope + render, one thread. Alias-made templates take the fast
 *   path (src/core/templates/fast.ts), so one core is enough for the target (≥ 200,000/s).
 * - `templates.seed000.checked`: the same plus the launch's per-recipient checks (empty values
 *   blocked, SMS segments counted after substitution).
 * - `templates.seed000.checked_2_threads`: the same on two worker threads splitting the recipients.
 * - `templates.seed000.liquid_2_threads`: liquidjs itself (fast path off) on two worker threads —
 *   what a template the fast path does not take (loops, conditions) gets.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { translateAliases } from '../src/core/templates/aliases.ts';
import { renderForRecipient } from '../src/core/templates/recipient.ts';
import { type CompiledTemplate, compileTemplate, renderTemplate } from '../src/core/templates/render.ts';
import { buildScope, type ScopeContact, type ScopeObject } from '../src/core/templates/scope.ts';
import { printFigures, report } from './_common.ts';

const N = Number(process.env.VESTNIK_BENCH_N ?? 1_000_000);
const SEED_000 =
  'Уважаемый %name. Направляем Вам квитанцию для оплаты начислений %kvit. Общая сумма начислений за ваши участки %total руб., просроченная задолженность по которой начисляются пени: %debt руб.';
const ORG = { name: 'СНТ «Берёзка»' };
const FIRST = ['Иван', 'Пётр', 'Мария', 'Анна', 'Сергей', 'Ольга', 'Алексей', 'Елена'];
const MIDDLE = ['Иванович', 'Петрович', 'Сергеевна', 'Алексеевна', 'Николаевич', ''];

interface Row {
  contact: ScopeContact;
  objects: ScopeObject[];
}

/** Recipients `from`..`to` as the database gives them: a contact row and its objects. */
function rows(from: number, to: number): Row[] {
  const out: Row[] = [];
  for (let i = from; i < to; i++) {
    const plots = 1 + (i % 3);
    out.push({
      contact: {
        id: i + 1,
        last_name: 'Иванов',
        first_name: FIRST[i % FIRST.length]!,
        middle_name: MIDDLE[i % MIDDLE.length]!,
        phone: `+7912${String(i).padStart(7, '0')}`,
        email: null,
        attributes: {},
      },
      objects: Array.from({ length: plots }, (_, p) => ({
        kind: 'plot',
        number: `${i}-${p}`,
        charges_kopecks: (i * 7919 + p * 104_729) % 2_000_000,
        debt_kopecks: p === 0 ? (i * 31) % 100_000 : 0,
        link: `https://kv.vestnik.example/r/${(i * 2654435761 + p).toString(36)}`,
      })),
    });
  }
  return out;
}

function compiled(fast: boolean): CompiledTemplate {
  const c = compileTemplate(translateAliases(SEED_000));
  if (!c.ok) throw new Error(c.problem.message);
  if (!c.value.fast) throw new Error('seed 000 should take the fast path');
  return fast ? c.value : { ...c.value, fast: null };
}

type Mode = 'fast' | 'checked' | 'liquid';

const CHUNK = 10_000;

/**
 * Renders recipients [from, to) in `mode`. Rows are made a chunk at a time, as a launch streams them
 * in batches, and only the rendering is timed: memory stays flat and the figure is the renderer's.
 */
function run(mode: Mode, from: number, to: number): { seconds: number; chars: number } {
  const template = compiled(mode !== 'liquid');
  let ms = 0;
  let chars = 0;
  for (let at = from; at < to; at += CHUNK) {
    const data = rows(at, Math.min(at + CHUNK, to));
    const t = performance.now();
    for (const row of data) {
      const scope = buildScope(row.contact, row.objects, ORG);
      if (mode === 'checked') {
        const r = renderForRecipient(template, scope, { channel: 'sms', empty: { mode: 'block' } });
        if (!r.ok) throw new Error(r.problems[0]!.message);
        chars += r.value.text.length + r.value.sms!.segments;
      } else {
        const r = renderTemplate(template, scope);
        if (!r.ok) throw new Error(r.problem.message);
        chars += r.value.length;
      }
    }
    ms += performance.now() - t;
  }
  return { seconds: ms / 1000, chars };
}

/** The recipients split between `threads` workers; the slowest worker's rendering time counts. */
async function onThreads(mode: Mode, threads: number): Promise<{ seconds: number; chars: number }> {
  // tsx's loader hooks do not reach worker threads by themselves: each worker registers them first.
  const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
    .then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); })`;
  const results = await Promise.all(
    Array.from({ length: threads }, (_, k) => {
      const from = Math.floor((N * k) / threads);
      const to = Math.floor((N * (k + 1)) / threads);
      const worker = new Worker(boot, { eval: true, workerData: { from, to, mode } });
      return new Promise<{ seconds: number; chars: number }>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      }).finally(() => worker.terminate());
    }),
  );
  return {
    seconds: Math.max(...results.map((r) => r.seconds)),
    chars: results.reduce((sum, r) => sum + r.chars, 0),
  };
}

if (!isMainThread) {
  const { from, to, mode } = workerData as { from: number; to: number; mode: Mode };
  parentPort!.postMessage(run(mode, from, to));
} else {
  // A check that the benchmark renders the real thing.
  const row = rows(0, 1)[0]!;
  const first = renderTemplate(compiled(true), buildScope(row.contact, row.objects, ORG));
  const expected =
    'Уважаемый Иван Иванович. Направляем Вам квитанцию для оплаты начислений https://kv.vestnik.example/r/0.';
  if (!first.ok || !first.value.startsWith(expected))
    throw new Error(`unexpected render: ${JSON.stringify(first)}`);
  run('fast', 0, 20_000); // warm-up

  const fast = run('fast', 0, N);
  report(
    'templates.seed000.render',
    N / fast.seconds,
    'renders/s',
    `${N.toLocaleString('en')} recipients, 1 thread`,
  );
  const checked = run('checked', 0, N);
  report(
    'templates.seed000.checked',
    N / checked.seconds,
    'renders/s',
    'with empty-value and SMS segment checks',
  );
  const checked2 = await onThreads('checked', 2);
  report(
    'templates.seed000.checked_2_threads',
    N / checked2.seconds,
    'renders/s',
    'the same, 2 worker threads',
  );
  const liquid2 = await onThreads('liquid', 2);
  report(
    'templates.seed000.liquid_2_threads',
    N / liquid2.seconds,
    'renders/s',
    'liquidjs only (no fast path), 2 threads',
  );
  const chars = fast.chars + checked.chars + checked2.chars + liquid2.chars;
  console.log(`  (${chars.toLocaleString('en')} characters rendered in all)`);
  printFigures();
}
