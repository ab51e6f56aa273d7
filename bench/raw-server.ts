// Child process for the status benchmark: raw node:http answering a constant body of the same size.
import { createServer } from 'node:http'

const body = Buffer.from(process.env.BODY ?? '{}')
const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length })
  res.end(body)
})
server.listen(0, '127.0.0.1', () => {
  const a = server.address()
  process.stdout.write(`READY http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}\n`)
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
