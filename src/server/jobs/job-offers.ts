// Jobs offered by GET /v1/jobs/available and not yet claimed. A job just offered to one miner is held
// from other miners for a moment, so miners that ask together get different jobs instead of all
// getting the oldest and racing to claim it (all but one refused with 409: a herd of requests per job).
// While held, a job is offered to no other poll, the holder's own included: a miner that asks again
// without claiming wants another job, and one that opens many polls must not be handed the same job
// (its prompt, perhaps large) on each of them. A hold is made once per time a job becomes pending and
// is not extended by asking again: when it lapses, the job goes to other principals' miners first for
// as long again (the one it was held for did not claim it), then to every miner; so one principal that
// asks and never claims cannot keep it.
// `onLapse` is told so that miners already waiting are woken for it instead of waiting out their poll.
interface Hold {
  minerId: string
  principal: string
  until: number
  model: string
  timer: NodeJS.Timeout | undefined
}

export class JobOffers {
  /** Holds by job id, until claimed or cancelled; a lapsed hold stays so that it is not made again. */
  private readonly holds = new Map<string, Hold>()

  constructor(
    private readonly holdMs: number,
    private readonly onLapse: (model: string) => void = () => undefined,
  ) {}

  /** Whether the job may not be offered to a poll of `principal` at `now`. */
  kept(jobId: string, now: number, principal = ''): boolean {
    const hold = this.holds.get(jobId)
    return hold !== undefined && this.keptUntil(hold, principal) > now
  }

  /**
   * The jobs kept from polls of `principal` at `now` (what its next offer passes over), and when the
   * first of them opens to it (Infinity when none is kept): a waiting poll looks again then.
   */
  keptFrom(now: number, principal = ''): {jobIds: string[]; opensAt: number} {
    const jobIds: string[] = []
    let opensAt = Infinity
    for (const [jobId, hold] of this.holds) {
      const until = this.keptUntil(hold, principal)
      if (until <= now) continue
      jobIds.push(jobId)
      opensAt = Math.min(opensAt, until)
    }
    return {jobIds, opensAt}
  }

  /** The job is being offered to `minerId`: held for it, unless it was held before. */
  offer(jobId: string, minerId: string, now: number, model = '', principal = ''): void {
    if (this.holds.has(jobId)) return
    const hold: Hold = {minerId, principal, until: now + this.holdMs, model, timer: undefined}
    hold.timer = setTimeout(() => {
      hold.timer = undefined
      if (this.holds.get(jobId) === hold) this.onLapse(model)
    }, this.holdMs).unref()
    this.holds.set(jobId, hold)
  }

  /** Until when a hold keeps its job from `principal`: everyone until it lapses, its own principal as long again. */
  private keptUntil(hold: Hold, principal: string): number {
    return hold.principal === principal ? hold.until + this.holdMs : hold.until
  }

  /** The job was claimed, cancelled or expired; if it becomes pending again it may be held anew. */
  release(jobId: string): void {
    clearTimeout(this.holds.get(jobId)?.timer)
    this.holds.delete(jobId)
  }

  /** Holds for these miners end now (their key was revoked); the jobs are open to every miner. */
  releaseMiners(minerIds: ReadonlySet<string>): string[] {
    const models: string[] = []
    for (const [jobId, hold] of this.holds) {
      if (!minerIds.has(hold.minerId)) continue
      this.release(jobId)
      models.push(hold.model)
    }
    return models
  }
}
