/**
 * @packageDocumentation
 * tfjs rebuilds of the Captum fixture models. `tf` is passed in: this module imports no runtime.
 */
export { buildFixtureModel } from './fixture-models.js';
