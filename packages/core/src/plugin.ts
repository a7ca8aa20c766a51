/**
 * The version of this copy of @salience/core. `pnpm version-packages` keeps it equal to
 * package.json's version (a test checks that they agree).
 */
export const CORE_VERSION = '0.1.0';

/**
 * What a plugin (a method or an adapter published on its own) says about itself, so that a
 * mismatch with the installed @salience/core is reported instead of failing in odd ways.
 */
export interface PluginStamp {
  /** The plugin's package name, e.g. '@acme/salience-rise'. */
  readonly name: string;
  /** The version of @salience/core the plugin was built and tested against, e.g. '0.1.0'. */
  readonly coreVersion: string;
}

export interface Compatibility {
  /** False only when the plugin declares a core version of another major (0.x: another minor). */
  readonly compatible: boolean;
  readonly coreVersion: string;
  readonly plugin?: PluginStamp;
  /** Why the plugin is not compatible, or why that cannot be told. */
  readonly message?: string;
}

export interface CompatibilityOptions {
  /** Where warnings go; default `console.warn`. */
  readonly warn?: (message: string) => void;
  /** The core version to compare with; default this copy's `CORE_VERSION`. */
  readonly coreVersion?: string;
}

// Each plugin version is reported once per process, however many models or calls meet it.
const warned = new Set<string>();

/**
 * The line of releases that keep an API: the major, or for 0.x versions the minor (as npm's caret
 * ranges treat them). `undefined` for strings that are not versions.
 */
function releaseLine(version: string): string | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)(?:[-+].*)?$/.exec(version.trim());
  if (!match) return undefined;
  return match[1] === '0' ? `0.${match[2]}.x` : `${match[1]}.x`;
}

/**
 * Compares the core version a plugin was built against (`thing.plugin.coreVersion`, for a
 * `Method` or a `Model`) with the core that is loaded, and warns once per plugin version when
 * their majors differ. Plugins without a stamp are assumed compatible.
 */
export function checkPluginCompatibility(thing: { readonly plugin?: PluginStamp } | undefined, options: CompatibilityOptions = {}): Compatibility {
  const coreVersion = options.coreVersion ?? CORE_VERSION;
  const plugin = thing?.plugin;
  if (!plugin) return { compatible: true, coreVersion };
  const built = releaseLine(String(plugin.coreVersion));
  const loaded = releaseLine(coreVersion);
  let message: string | undefined;
  if (built === undefined) {
    message = `${plugin.name} declares it was built against @salience/core '${plugin.coreVersion}', which is not a version like '1.2.3'; its compatibility with @salience/core ${coreVersion} cannot be checked.`;
  } else if (built !== loaded) {
    const fix =
      compareLines(built, loaded ?? '') < 0
        ? `upgrade ${plugin.name} to a release built for @salience/core ${loaded}, or install @salience/core@^${plugin.coreVersion}`
        : `upgrade @salience/core to ^${plugin.coreVersion}`;
    message = `${plugin.name} was built against @salience/core ${plugin.coreVersion} (${built}) but @salience/core ${coreVersion} (${loaded}) is loaded; the contracts may differ between these majors. To fix it, ${fix}. \`npm ls @salience/core\` shows which copies are installed.`;
  }
  if (message === undefined) return { compatible: true, coreVersion, plugin };
  const key = `${plugin.name}@${plugin.coreVersion}->${coreVersion}`;
  if (!warned.has(key)) {
    warned.add(key);
    (options.warn ?? console.warn)(`[salience] ${message}`);
  }
  return { compatible: built === undefined, coreVersion, plugin, message };
}

function compareLines(a: string, b: string): number {
  const parts = (line: string) =>
    line
      .split('.')
      .filter((p) => p !== 'x')
      .map(Number);
  const [pa, pb] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
