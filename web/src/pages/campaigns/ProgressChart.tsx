/** Progress over time: cumulative sent, delivered and not delivered, drawn by uPlot. */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useI18n } from '../../i18n/index.ts';
import type { Progress } from './types.ts';

export function ProgressChart({ progress }: { progress: Progress }) {
  const { t, lang } = useI18n();
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = box.current;
    if (!el || progress.buckets.length === 0) return;
    const xs = progress.buckets.map((b) => Date.parse(b.at) / 1000);
    const data: uPlot.AlignedData = [
      xs,
      progress.buckets.map((b) => b.sent),
      progress.buckets.map((b) => b.delivered),
      progress.buckets.map((b) => b.failed),
    ];
    const width = Math.max(280, el.clientWidth);
    const plot = new uPlot(
      {
        width,
        height: width < 500 ? 200 : 260,
        // The browser's own clock and language for the axis, like every other date on the page.
        fmtDate: (tpl: string) => uPlot.fmtDate(tpl, lang === 'ru' ? RU_NAMES : undefined),
        scales: { y: { range: (_u, _min, max) => [0, Math.max(1, progress.total, max)] } },
        series: [
          {},
          { label: t('report.series.sent'), stroke: '#1d5fd1', width: 2 },
          { label: t('report.series.delivered'), stroke: '#137a3a', width: 2 },
          { label: t('report.series.failed'), stroke: '#b42318', width: 2 },
        ],
        axes: [{}, { size: 60 }],
      },
      data,
      el,
    );
    return () => plot.destroy();
  }, [progress, t, lang]);

  return <div ref={box} data-test="progress-chart" className="chart" />;
}

const RU_NAMES = {
  MMMM: [
    'январь',
    'февраль',
    'март',
    'апрель',
    'май',
    'июнь',
    'июль',
    'август',
    'сентябрь',
    'октябрь',
    'ноябрь',
    'декабрь',
  ],
  MMM: ['янв', 'фев', 'мар', 'апр', 'май', 'июн', 'июл', 'авг', 'сен', 'окт', 'ноя', 'дек'],
  WWWW: ['воскресенье', 'понедельник', 'вторник', 'среда', 'четверг', 'пятница', 'суббота'],
  WWW: ['вс', 'пн', 'вт', 'ср', 'чт', 'пт', 'сб'],
};
