import type { UsageBucket } from "@latchkey/sdk";
import { useEffect, useRef, useState } from "react";
import type { UsageBar } from "../lib/usageBuckets.js";

/** A round top for the axis: 1, 2, 5, 10, 20, 50… at or above the highest bar. */
export function niceMax(value: number): number {
  if (value <= 1) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) {
    if (step * magnitude >= value) return step * magnitude;
  }
  return 10 * magnitude;
}

const HEIGHT = 200;
const LEFT = 40;
const BOTTOM = 26;
const TOP = 10;

/**
 * Verified (bottom) and denied (on top) requests per bucket as stacked bars, in plain SVG
 * coloured by the stylesheet (the CSP allows no inline style). The picture is hidden from
 * screen readers: the caller gives the same numbers as text and as a table.
 */
export function UsageChart({ buckets }: { buckets: UsageBar[] }) {
  // Drawn at the box's real width (one unit a pixel), so labels keep their size on a phone.
  const box = useRef<HTMLDivElement>(null);
  const [chartWidth, setChartWidth] = useState(560);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const observer = new ResizeObserver(([entry]) => {
      if (entry) setChartWidth(Math.max(240, Math.round(entry.contentRect.width)));
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  const max = niceMax(Math.max(0, ...buckets.map((b) => b.verified + b.denied)));
  const plotWidth = chartWidth - LEFT;
  const plotHeight = HEIGHT - BOTTOM - TOP;
  const slot = plotWidth / Math.max(1, buckets.length);
  const barWidth = Math.max(2, slot * 0.62);
  const y = (n: number) => TOP + plotHeight - (n / max) * plotHeight;
  // As many labels as fit, about 56 pixels each: every day of a week; some of 24 hours.
  const labelEvery = Math.max(1, Math.ceil(56 / slot));
  return (
    <div className="usage-chart-box" ref={box}>
      <svg
        className="usage-chart"
        viewBox={`0 0 ${chartWidth} ${HEIGHT}`}
        width={chartWidth}
        height={HEIGHT}
        aria-hidden="true"
        focusable="false"
      >
        {[0, max / 2, max].map((tick) => (
          <g key={tick}>
            <line className="chart-grid" x1={LEFT} x2={chartWidth} y1={y(tick)} y2={y(tick)} />
            <text className="chart-label" x={LEFT - 8} y={y(tick) + 4} textAnchor="end">
              {Number.isInteger(tick) ? tick : tick.toFixed(1)}
            </text>
          </g>
        ))}
        {buckets.map((b, i) => {
          const x = LEFT + i * slot + (slot - barWidth) / 2;
          const verifiedTop = y(b.verified);
          const deniedTop = y(b.verified + b.denied);
          return (
            <g key={b.start} data-start={b.start}>
              <title>{`${b.long}: ${b.verified} verified, ${b.denied} denied`}</title>
              {b.verified > 0 && (
                <rect
                  className="bar-verified"
                  x={x}
                  y={verifiedTop}
                  width={barWidth}
                  height={y(0) - verifiedTop}
                />
              )}
              {b.denied > 0 && (
                <rect
                  className="bar-denied"
                  x={x}
                  y={deniedTop}
                  width={barWidth}
                  height={verifiedTop - deniedTop}
                />
              )}
              {i % labelEvery === 0 && (
                <text
                  className="chart-label"
                  x={x + barWidth / 2}
                  y={HEIGHT - 8}
                  textAnchor="middle"
                >
                  {b.label}
                </text>
              )}
            </g>
          );
        })}
      </svg>
    </div>
  );
}

/** The row's small version: bars only, no axis; the caller labels it. */
export function UsageSparkline({ buckets }: { buckets: UsageBucket[] }) {
  const width = 84;
  const height = 24;
  const max = Math.max(1, ...buckets.map((b) => b.verified + b.denied));
  const slot = width / Math.max(1, buckets.length);
  const barWidth = slot * 0.7;
  const y = (n: number) => height - 1 - (n / max) * (height - 2);
  return (
    <svg
      className="usage-sparkline"
      viewBox={`0 0 ${width} ${height}`}
      width={width}
      height={height}
      aria-hidden="true"
      focusable="false"
    >
      <line className="chart-baseline" x1={0} x2={width} y1={height - 0.5} y2={height - 0.5} />
      {buckets.map((b, i) => {
        const x = i * slot + (slot - barWidth) / 2;
        return (
          <g key={b.start}>
            {b.verified > 0 && (
              <rect
                className="bar-verified"
                x={x}
                y={y(b.verified)}
                width={barWidth}
                height={height - 1 - y(b.verified)}
              />
            )}
            {b.denied > 0 && (
              <rect
                className="bar-denied"
                x={x}
                y={y(b.verified + b.denied)}
                width={barWidth}
                height={y(b.verified) - y(b.verified + b.denied)}
              />
            )}
          </g>
        );
      })}
    </svg>
  );
}
