/**
 * The special task (专项任务) lifecycle: issue with a gapless number `专项任务〔YYYY〕第N号` and a deadline,
 * relay to the target grids, complete once per grid, remind the grids not yet done, and at the deadline
 * tell each township room its overdue grids and the issuer the roll-up.
 *
 * States (a task: `tasks.status`, `rev`; a target grid: done or not):
 * - **open** — `/任务 <标题> 截止:<时间> [范围:…] [说明:…] [回报:排查户数,返乡人数]` ({@link issueTask}):
 *   numbered for the year, target grids snapshotted, relayed to each grid group (@-mentioning its leader
 *   and worker; with `回报:` the relay names the figures each grid returns), the township rooms told when
 *   the county issues. Each target grid is *not done* until…
 * - a grid **done** — `/完成 <号> [排查户数:86 返乡人数:3] [说明]` in its grid group ({@link completeTask}):
 *   once per grid, with the message's pictures as evidence (and a picture sent alone right after it:
 *   {@link attachEvidenceFollowUp}); after the deadline it counts, marked late. A task with `回报:` fields
 *   is done only when every field has a figure (returns.ts): until then the figures given are kept, the
 *   missing or unreadable ones asked for by name, and the grid stays *not done* (reminded, overdue).
 *   Figures sent after done correct the grid's return. When the last grid is done the issuer hears once,
 *   with the sums.
 * - **open, rev N + 1** — `/改期 <号> 截止:<时间>` ({@link rescheduleTask}): the deadline moves, its
 *   timers move with it, the grids not yet done are told.
 * - **cancelled** — `/取消任务 <号>` ({@link cancelTask}): all its timers cancelled, the grids not yet done
 *   told; an occurrence of a series also ends the series. Final.
 * A recurring task (`/任务 体温日报 每天18点`, `每周一9点`) is a series that opens a new numbered task at
 * every tick of a BullMQ job scheduler, due at the next tick ({@link createSeries}, recurrence.ts).
 * `/任务列表` ({@link taskListText}) reads progress for the asker's tier; `/任务列表 <号>` and `/统计 任务<号>`
 * ({@link taskDetailText}) one task: done and the sums of its figures per township, the grids not yet done.
 *
 * Timers it schedules (durable, src/jobs/timers.ts; each fires once, also across restarts):
 * - kind `task.remind`, ids `task-<id>-s<i>`: at each offset of `TASK_REMIND_BEFORE` before the deadline,
 *   a reminder to each grid not yet done (other tasks' reminders due together folded into one message);
 * - kind `task.due`, id `task-<id>-due`: at the deadline, each township room its overdue grids, the
 *   issuer the roll-up;
 * - moved by `/改期` (a step that had already fired is re-armed as `<id>-v<rev>`), cancelled by `/取消任务`.
 * A series created or ended has its job scheduler upserted or removed by an after-commit hook of the same
 * unit of work (recurrence.ts), and at start.
 *
 * Files beside this one:
 * - issue.ts — {@link issueTask}: number, targets, relays, room notes, timers.
 * - reminders.ts — the reminder and deadline timers and their messages.
 * - complete.ts — {@link completeTask}, evidence pictures, figures kept while incomplete, corrections.
 * - returns.ts — `回报:` fields and the figures of `/完成`: declared, read (Chinese numerals too), summed.
 * - change.ts — who may change a task; {@link rescheduleTask}, {@link cancelTask}.
 * - recurrence.ts — recurring series: the BullMQ job schedulers that open occurrences.
 * - list.ts — `/任务列表`, `/任务列表 <号>`.
 * - scope.ts — `范围:` of a task: which grids (read as directives read it).
 * - format.ts — task numbers as written and read, lists of grids, who is @-mentioned.
 *
 * Every function that changes state runs synchronously inside the caller's write transaction.
 */
export { issueTask, type IssueTaskInput, type IssueTaskResult } from './issue.js';
export { completeTask, attachEvidenceFollowUp, type CompleteInput, type CompleteResult } from './complete.js';
export { taskForIssuer, rescheduleTask, cancelTask } from './change.js';
export { taskListText, taskDetailText } from './list.js';
export { createSeries, TaskRecurrence, type CreateSeriesInput } from './recurrence.js';
export { remindTimer, dueTimer, reminderOffsets } from './reminders.js';
export { readScope } from './scope.js';
export { formatTaskNumber, parseTaskRef } from './format.js';
export { readReturnFields, readReturns, formatReturns, sumReturns, doneHint, type UnreadableFigure } from './returns.js';
