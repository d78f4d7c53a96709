/** The run feeds a task's events are written to: its lifecycle run, and the run that asked (if any). */
export function taskFeeds(runId: string, askedBy: string | null): string[] {
  return askedBy === null ? [runId] : [runId, askedBy];
}
