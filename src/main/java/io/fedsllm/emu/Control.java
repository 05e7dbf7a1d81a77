package io.fedsllm.emu;

/**
 * A message that runs the emulation rather than the modelled system (wiring, timers, checkpoints, the end of a run):
 * not counted in a party's message totals, so that a run resumed from a checkpoint counts exactly the messages an
 * uninterrupted run counts.
 */
interface Control {}
