/** Renderers: pure functions from a Plan, a drift report, a status report or a job list to text, Markdown or JSON. */
export { renderPlanText, renderDriftText, renderResourceText, renderSummaryLine, DEFAULT_WIDTH, type TextOptions } from './text.js';
export { renderPlanMarkdown, renderDriftMarkdown, DEFAULT_MAX_LENGTH, type MarkdownOptions } from './markdown.js';
export { renderPlanJson, canonicalPlan } from './json.js';
export { renderIamText, renderIamMarkdown, iamRows, formatConditions, IAM_BROADENED, type IamRow } from './iam.js';
export { renderDriftReportText, renderDriftReportMarkdown, renderDriftReportJson, driftVerdict } from './drift.js';
export { renderStatusText, renderStatusMarkdown, renderStatusJson, renderJobsText, renderJobsJson, JOBS_FORMAT_VERSION } from './health.js';
