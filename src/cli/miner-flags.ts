// The flag every miner plumbing command shares.
import {Flags} from '@oclif/core'

export const minerIdFlag = Flags.string({
  summary: 'This miner\'s id, as registered (letters, digits, "._:-").',
  env: 'AITBC_MINER_ID',
  required: true,
})
