import {Flags} from '@oclif/core'

import {ApiCommand} from '../../cli/api-command.js'
import {jobTable} from '../../cli/job-render.js'
import {allPages, beforeFlag, nextPageNote} from '../../cli/pages.js'
import {MAX_PAGE_SIZE} from '../../client/client.js'
import {listJobs} from '../../client/calls.js'
import {listAllJobs, MAX_PAGES} from '../../client/pages.js'
import {JOB_STATUSES} from '../../protocol/job-states.js'

export default class JobsList extends ApiCommand<typeof JobsList> {
  static summary = 'List your jobs, newest first.'
  static description = `A table of id, status, model, age and miner. A client key sees its own jobs, an admin key all jobs.
One page by default (--limit); when more follow, the next page is --before the last job's id, as a note says.
--all follows every page (${MAX_PAGE_SIZE} jobs a request, at most ${MAX_PAGES} requests), each job once even while jobs are submitted.
--offset skips jobs by count, as older versions paged; a job submitted between two pages shifts the later ones.
With --json: an array of job objects.`

  static examples = [
    '<%= config.bin %> jobs list',
    '<%= config.bin %> jobs list --status running --limit 50',
    '<%= config.bin %> jobs list --before job_01KBQ4Y0Z8G6W3T0M7N5C2H1XA',
    '<%= config.bin %> jobs list --all --status completed --json',
  ]

  static flags = {
    status: Flags.option({options: JOB_STATUSES, summary: 'Only jobs in this state.'})(),
    limit: Flags.integer({summary: 'Jobs per page (1-100) [default: 20].', min: 1, max: MAX_PAGE_SIZE}),
    before: beforeFlag('job', 'submitted'),
    offset: Flags.integer({summary: 'Skip this many jobs (after --before, if given) [default: 0].', min: 0}),
    // Exclusive on this side only: oclif's usage line prints a group once, so declaring it on both
    // sides left an empty `[--offset <value> | ]`.
    all: Flags.boolean({summary: 'Follow every page.', exclusive: ['limit', 'before', 'offset']}),
  }

  async run() {
    const {status, limit, before, offset, all} = this.flags
    const client = await this.client()
    let jobs
    let next: string | undefined
    if (all) jobs = await allPages(listAllJobs(client, status), 'job', '--status', (text) => this.note(text))
    else ({items: jobs, next} = await listJobs(client, {status, limit, before, offset}))
    if (jobs.length === 0) this.note(status ? `No ${status} jobs.` : 'No jobs.')
    else {
      const {head, rows} = jobTable(jobs)
      this.line(await this.table(head, rows))
    }
    if (next) this.note(nextPageNote('job', next))
    return jobs
  }
}
