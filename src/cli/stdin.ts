// Reading data a user pipes in (`echo hi | aitbc jobs submit -`, `... | aitbc miner complete --result -`).

/** All of stdin as UTF-8, exactly as given. On a terminal this reads until Ctrl-D, like `cat -`. */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk))
  return Buffer.concat(chunks).toString('utf8')
}
