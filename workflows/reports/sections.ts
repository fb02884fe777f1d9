/** The families of figures beside directives that every report shows: leads, tasks, 督查 findings, then 红色代办. */
import { errandSection } from './errands.js';
import { inspectionSection } from './inspections.js';
import { leadSection } from './leads.js';
import type { ReportSection } from './response-rate.js';
import { taskSection } from './tasks.js';

/** Every section, in display order. */
export const SECTIONS: ReportSection[] = [leadSection, taskSection, inspectionSection, errandSection];
