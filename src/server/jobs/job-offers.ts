// Jobs offered by GET /v1/jobs/available and not yet claimed. A job just offered to one miner is held
// from other miners for a moment, so miners that ask together get different jobs instead of all
// getting the oldest and racing to claim it (all but one refused with 409: a herd of requests per job).
// A hold is made once per time a job becomes pending and is not extended by asking again: when it
// lapses, the job is open to every miner, so one miner that asks and never claims cannot keep it.
export class JobOffers {
  /** Holds by job id, until claimed or cancelled; a lapsed hold stays so that it is not made again. */
  private readonly holds = new Map<string, {minerId: string; until: number}>()

  constructor(private readonly holdMs: number) {}

  /** Whether the job is held for a miner other than `minerId` at `now`. */
  heldForAnother(jobId: string, minerId: string, now: number): boolean {
    const hold = this.holds.get(jobId)
    return hold !== undefined && hold.minerId !== minerId && hold.until > now
  }

  /** The job is being offered to `minerId`: held for it, unless it was held before. */
  offer(jobId: string, minerId: string, now: number): void {
    if (!this.holds.has(jobId)) this.holds.set(jobId, {minerId, until: now + this.holdMs})
  }

  /** The job was claimed or cancelled; if it becomes pending again it may be held anew. */
  release(jobId: string): void {
    this.holds.delete(jobId)
  }
}
