import type { PluginStamp } from '@salience/core';

/**
 * Who this plugin is and which @salience/core it was built and tested against: salience warns
 * when it meets a core of another major. Update coreVersion when you move to a new core.
 */
export const PLUGIN: PluginStamp = { name: '__PACKAGE__', coreVersion: '__CORE_VERSION__' };
