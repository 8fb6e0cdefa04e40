// One string per distinct name (client, model, provider): thousands of records repeat a few names,
// and what an index keeps of each record should not hold a copy of each.
export class NamePool {
  private readonly names = new Map<string, string>()

  intern(value: string): string {
    const known = this.names.get(value)
    if (known !== undefined) return known
    this.names.set(value, value)
    return value
  }
}
