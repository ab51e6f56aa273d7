// Child process for the webhook benchmark: a receiver that reads each POST and answers 204.
import { createServer } from 'node:http'

let received = 0
const server = createServer((req, res) => {
  req.resume()
  req.on('end', () => {
    received++
    res.writeHead(204).end()
  })
})
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', () => {
  const a = server.address()
  process.stdout.write(`READY http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}\n`)
})
process.on('SIGTERM', () => {
  process.stderr.write(`sink received ${received}\n`)
  server.close(() => process.exit(0))
  server.closeAllConnections()
})
