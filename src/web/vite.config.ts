import { fileURLToPath } from 'node:url'
import preact from '@preact/preset-vite'
import { defineConfig } from 'vite'

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url))

// Two builds into dist/web: the pages (agent desktop, demo site) and, with WIDGET=1, the widget
// as one self-contained script that any website can include.
export default defineConfig(() =>
  process.env.WIDGET
    ? {
        plugins: [preact()],
        define: { 'process.env.NODE_ENV': '"production"' },
        build: {
          outDir: here('../../dist/web'),
          emptyOutDir: false,
          lib: {
            entry: here('widget/main.tsx'),
            formats: ['iife' as const],
            name: 'SwitchboardWidget',
            fileName: () => 'widget.js',
          },
        },
      }
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
