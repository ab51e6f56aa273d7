// Child process for the status benchmark: the real server (PGlite in memory, or PostgreSQL at
// DATABASE_URL), demo config.
import { startServer } from '../src/main.js'

const server = await startServer({
  port: 0,
  host: '127.0.0.1',
  dataDir: undefined,
  databaseUrl: process.env.DATABASE_URL || undefined,
  configFile: 'config/demo.yaml',
  logLevel: 'error',
  handleSignals: true,
})
process.stdout.write(`READY ${server.url}\n`)
