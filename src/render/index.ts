/** Plan renderers: pure functions from a Plan (or its drift) to text, Markdown or JSON. */
export { renderPlanText, renderDriftText, renderResourceText, renderSummaryLine, DEFAULT_WIDTH, type TextOptions } from './text.js';
export { renderPlanMarkdown, renderDriftMarkdown, DEFAULT_MAX_LENGTH, type MarkdownOptions } from './markdown.js';
export { renderPlanJson, canonicalPlan } from './json.js';
export { renderIamText, renderIamMarkdown, iamRows, formatConditions, IAM_BROADENED, type IamRow } from './iam.js';
export { renderDriftReportText, renderDriftReportMarkdown, renderDriftReportJson, driftVerdict } from './drift.js';
