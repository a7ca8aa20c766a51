/**
 * The published definitions the lookup tables are generated from (numbers only).
 *
 * - viridis, inferno, magma: Matt Zucker's degree-6 least-squares fits to matplotlib's maps
 *   (shadertoy WlfXRN, CC0), coefficients c0..c6 per channel, evaluated as sum(c_k * t^k).
 * - turbo: 33 evenly spaced entries of the 256-entry table Google published with Turbo (Anton
 *   Mikhailov, Apache-2.0), interpolated linearly: within 3/255 of the table everywhere (the
 *   published polynomial fit is off by up to 32/255 at the ends).
 * - blue-white-red: ColorBrewer's RdBu outer colours (Cynthia Brewer) around a pure white centre,
 *   reversed so that negative is blue.
 * - red-white-green: Captum's `RdWhGn` (matplotlib's 'red', 'white', 'green' = #008000).
 */

/** Coefficients c0..c6 (lowest degree first) for R, G and B. */
export type ChannelPolynomials = readonly [readonly number[], readonly number[], readonly number[]];

export const VIRIDIS_FIT: ChannelPolynomials = [
  [0.2777273272234177, 0.1050930431085774, -0.3308618287255563, -4.634230498983486, 6.228269936347081, 4.776384997670288, -5.435455855934631],
  [0.005407344544966578, 1.404613529898575, 0.214847559468213, -5.799100973351585, 14.17993336680509, -13.74514537774601, 4.645852612178535],
  [0.3340998053353061, 1.384590162594685, 0.09509516302823659, -19.33244095627987, 56.69055260068105, -65.35303263337234, 26.3124352495832],
];

export const INFERNO_FIT: ChannelPolynomials = [
  [0.0002189403691192265, 0.1065134194856116, 11.60249308247187, -41.70399613139459, 77.162935699427, -71.31942824499214, 25.13112622477341],
  [0.001651004631001012, 0.5639564367884091, -3.972853965665698, 17.43639888205313, -33.40235894210092, 32.62606426397723, -12.24266895238567],
  [-0.01948089843709184, 3.932712388889277, -15.9423941062914, 44.35414519872813, -81.80730925738993, 73.20951985803202, -23.07032500287172],
];

export const MAGMA_FIT: ChannelPolynomials = [
  [-0.002136485053939582, 0.2516605407371642, 8.353717279216625, -27.66873308576866, 52.17613981234068, -50.76852536473588, 18.65570506591883],
  [-0.000749655052795221, 0.6775232436837668, -3.577719514958484, 14.26473078096533, -27.94360607168351, 29.04658282127291, -11.48977351997711],
  [-0.005386127855323933, 2.494026599312351, 0.3144679030132573, -13.64921318813922, 12.94416944238394, 4.23415299384598, -5.601961508734096],
];

/** Evenly spaced control points, '#rrggbb', from the low end to the high end. */
export const BLUE_WHITE_RED_STOPS: readonly string[] = ['#053061', '#2166ac', '#4393c3', '#92c5de', '#d1e5f0', '#ffffff', '#fddbc7', '#f4a582', '#d6604d', '#b2182b', '#67001f'];

export const TURBO_STOPS: readonly string[] = [
  '#30123b',
  '#392a73',
  '#4040a2',
  '#4456c7',
  '#466be3',
  '#4680f6',
  '#4294ff',
  '#37a8fa',
  '#28bceb',
  '#1ccdd8',
  '#18ddc2',
  '#1fe9af',
  '#32f298',
  '#4ef97d',
  '#6dfe62',
  '#8bff4b',
  '#a4fc3c',
  '#b7f735',
  '#cbed34',
  '#dde037',
  '#ecd13a',
  '#f7c13a',
  '#fdae35',
  '#fe992c',
  '#fb8122',
  '#f56918',
  '#ec530f',
  '#e14109',
  '#d23105',
  '#c12302',
  '#ac1701',
  '#950d01',
  '#7a0403',
];

export const RED_WHITE_GREEN_STOPS: readonly string[] = ['#ff0000', '#ffffff', '#008000'];
