export type {
  Explainable,
  Target,
  TargetOptions,
  Attribution,
} from './score.js';
export { saliency, gradientXInput, smoothGrad, type SmoothGradOptions } from './gradients.js';
export {
  integratedGradients,
  type IntegratedGradientsOptions,
  type IntegratedGradientsResult,
} from './integrated-gradients.js';
export { occlusion, type OcclusionOptions } from './occlusion.js';
export { gradCam, convolutionLayers, resizeBilinear, type GradCamOptions, type GradCamResult } from './grad-cam.js';
export { attentionMaps, attentionHead, type AttentionMap, type AttentionMapsResult } from './attention-maps.js';
export {
  attribute,
  attributionMethod,
  ATTRIBUTION_METHODS,
  type AttributionMethod,
  type AttributeOptions,
  type AttributeResult,
} from './methods.js';
export { heatmapOverlay, withClassBars, encodePng, type RgbaImage, type HeatmapOptions } from './heatmap.js';
export {
  classificationMetrics,
  buildReport,
  reportHtml,
  reportCharts,
  lineChartSvg,
  confusionSvg,
  lineChartImage,
  confusionImage,
  type ClassificationMetrics,
  type BuildReportOptions,
  type ReportData,
  type WorstImage,
  type LineChart,
  type Series,
} from './report/index.js';
