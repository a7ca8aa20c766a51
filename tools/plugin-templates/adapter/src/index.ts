/**
 * @packageDocumentation
 * __PACKAGE__: a salience adapter for models written as plain JavaScript functions.
 */
export type { __Pascal__Model, __Pascal__Spec } from './__NAME__.js';
export { __camel__ } from './__NAME__.js';
export { PLUGIN } from './plugin.js'; // plugin-stamp
