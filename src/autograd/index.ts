import './methods.js';
export { backward, gradientsOf, type BackwardOptions } from './backward.js';
export { noGrad, enableGrad } from './mode.js';
export { grad, valueAndGrad } from './functional.js';
export { detectAnomaly, setAnomalyDetection, isAnomalyDetectionEnabled, AnomalyError } from './anomaly.js';
