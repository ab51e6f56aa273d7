import { useEffect, useRef } from 'preact/hooks'
import uPlot from 'uplot'

const PALETTE = ['#1f5fbf', '#2e8540', '#b3261e', '#c77700', '#6f42c1', '#0b7285']

export interface Series {
  label: string
  values: (number | null)[]
  /** Bars for counts, lines for rates. */
  bars?: boolean
}

/** A uPlot chart that redraws in place when its data changes (no flicker, no re-creation). */
export function Chart(props: {
  title: string
  x: number[]
  series: Series[]
  yLabel: string
  height?: number
}) {
  const host = useRef<HTMLDivElement>(null)
  const plot = useRef<uPlot | null>(null)
  const shape = props.series.map((s) => s.label).join('|')
  useEffect(() => {
    const el = host.current
    if (!el) return
    const opts: uPlot.Options = {
      title: props.title,
      width: Math.max(280, el.clientWidth),
      height: props.height ?? 200,
      scales: { x: { time: true } },
      axes: [{}, { label: props.yLabel }],
      series: [
        {},
        ...props.series.map((s, i) => ({
          label: s.label,
          stroke: PALETTE[i % PALETTE.length],
          width: 2,
          ...(s.bars
            ? { fill: `${PALETTE[i % PALETTE.length]}33`, paths: uPlot.paths.bars?.({ size: [0.6, 40] }) }
            : {}),
        })),
      ],
    }
    plot.current = new uPlot(opts, [props.x, ...props.series.map((s) => s.values)] as uPlot.AlignedData, el)
    const resize = (): void =>
      plot.current?.setSize({ width: Math.max(280, el.clientWidth), height: props.height ?? 200 })
    window.addEventListener('resize', resize)
    return () => {
      window.removeEventListener('resize', resize)
      plot.current?.destroy()
      plot.current = null
    }
  }, [shape])
  useEffect(() => {
    plot.current?.setData([props.x, ...props.series.map((s) => s.values)] as uPlot.AlignedData)
  })
  return <div class="chart" ref={host} role="img" aria-label={props.title} />
}
