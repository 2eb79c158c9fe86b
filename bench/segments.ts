/**
 * The SMS segment counter's throughput (issue: SMS economics) on 1,000,000 mixed messages: Latin,
 * Cyrillic, GSM extension characters and emoji, short and long, as a launch counts them per
 * recipient after substitution. Also the full split into parts, which the estimate's detail uses.
 */
import { countSegments, inspectSms } from '../src/core/sms/segments.ts';
import { printFigures, report } from './_common.ts';

const N = Number(process.env.VESTNIK_BENCH_N ?? 1_000_000);
const TEMPLATES = [
  (i: number) => `Уважаемый Иван Петрович! Задолженность по участку ${i} составляет ${i % 9000}.50 руб.`,
  (i: number) => `Your documents for order #${i} are ready. Office hours 10:00-19:00.`,
  (i: number) => `Напоминаем: платёж по договору №${i} — ${i % 500}0,00 ₽ до 15.06 😊`,
  (i: number) => `Price {${i}} [special] ~ €${i % 100} | see ^ offer \\ details`,
  (i: number) =>
    `${'Общее собрание членов СНТ «Берёзка» состоится 12 июня в 11:00 у правления. '.repeat(1 + (i % 3))}`,
  (i: number) => `Meeting of the garden association on June 12 at 11:00, plot ${i}. `.repeat(1 + (i % 4)),
];

// The texts are built first so the loop measures counting, not string building.
const texts = Array.from({ length: N }, (_, i) => TEMPLATES[i % TEMPLATES.length]!(i));
let segments = 0;
let t = performance.now();
for (let i = 0; i < N; i++) segments += countSegments(texts[i]!).segments;
let s = (performance.now() - t) / 1000;
report(
  'sms.segments.count',
  N / s,
  'msg/s',
  `${N.toLocaleString('en')} messages, ${segments.toLocaleString('en')} segments, ${s.toFixed(2)} s`,
);

let parts = 0;
t = performance.now();
for (let i = 0; i < N; i++) parts += inspectSms(texts[i]!).parts.length;
s = (performance.now() - t) / 1000;
report('sms.segments.inspect', N / s, 'msg/s', `with the parts (${parts.toLocaleString('en')})`);
printFigures();
