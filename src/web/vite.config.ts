import { fileURLToPath } from 'node:url'
import preact from '@preact/preset-vite'
import { defineConfig } from 'vite'

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url))

// Three builds into dist/web: the pages (agent desktop, demo site); with WIDGET=1 the widget as
// one self-contained script that any website can include; with WIDGET=sip the SIP client the
// widget loads when a customer calls (JsSIP is eight times the widget's size).
/** A script of its own (an IIFE) that a website includes: no page, nothing shared. */
const script = (entry: string, name: string, file: string) => ({
  plugins: [preact()],
  define: { 'process.env.NODE_ENV': '"production"' },
  build: {
    outDir: here('../../dist/web'),
    emptyOutDir: false,
    lib: { entry: here(entry), formats: ['iife' as const], name, fileName: () => file },
  },
})

export default defineConfig(() =>
  process.env.WIDGET === 'sip'
    ? script('widget/sip-bundle.ts', 'SwitchboardSipBundle', 'widget-sip.js')
    : process.env.WIDGET
      ? script('widget/main.tsx', 'SwitchboardWidget', 'widget.js')
      : {
          root: here('.'),
          plugins: [preact()],
          build: {
            outDir: here('../../dist/web'),
            emptyOutDir: true,
            rollupOptions: {
              input: {
                agent: here('agent/index.html'),
                demo: here('demo/index.html'),
                clickToCall: here('demo/click-to-call.html'),
                supervisor: here('supervisor/index.html'),
              },
            },
          },
        },
)
