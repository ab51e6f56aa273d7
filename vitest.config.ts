import { defineConfig } from 'vitest/config'

// Calls with real phones and rtpengine (test/voice) keep several processes busy for a minute:
// they run after everything else, not beside the browser tests, so neither slows the other to a
// timeout on a 2-core machine. One run, one report.
const VOICE = ['test/voice/**/*.test.ts']
// Two cluster nodes with phones and a media server of their own: beside the SIPp suite their
// processes and free-port picks raced it on 2 cores (a SIPp test timed out once in CI).
const CLUSTER_VOICE = ['test/voice/cluster.voice.test.ts']
// The chaos test runs three server processes for a couple of minutes: alone, last.
const CHAOS = ['test/e2e/chaos.test.ts']

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // PGlite instances are heavy (WASM); a couple of workers keeps memory and start-up sane on 2 cores.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'main',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: [...VOICE, ...CHAOS],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: { name: 'voice', include: VOICE, exclude: CLUSTER_VOICE, sequence: { groupOrder: 1 } },
      },
      {
        extends: true,
        test: { name: 'cluster-voice', include: CLUSTER_VOICE, sequence: { groupOrder: 2 } },
      },
      { extends: true, test: { name: 'chaos', include: CHAOS, sequence: { groupOrder: 3 } } },
    ],
  },
})
