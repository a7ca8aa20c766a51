/**
 * @packageDocumentation
 * __PACKAGE__: the '__ID__' attribution method for salience.
 */
export type { __Pascal__Options } from './__NAME__.js';
export { __camel__ } from './__NAME__.js';
export { PLUGIN } from './plugin.js'; // plugin-stamp
