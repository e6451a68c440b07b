/* Per-entity random number streams: xoshiro256** seeded through splitmix64 from
 * (seed, stream id), so each entity's draws are independent of every other entity's
 * and of event order elsewhere.
 *
 * Derivation (stable: changing it changes every simulation result):
 *   mix64(z)    = the splitmix64 finaliser: z ^= z >> 30; z *= 0xbf58476d1ce4e5b9;
 *                 z ^= z >> 27; z *= 0x94d049bb133111eb; z ^= z >> 31;
 *   x           = seed ^ mix64(stream + 0x9e3779b97f4a7c15)
 *   s[0..3]     = four successive splitmix64 outputs from state x
 *                 (x += 0x9e3779b97f4a7c15; output mix64(x)).
 * mix64 is a bijection, so for one seed distinct streams never share a starting state, and
 * for one stream distinct seeds never do. The generator is xoshiro256** 1.0 (Blackman and
 * Vigna), period 2^256 - 1.
 *
 * Variates: uniform = (u64 >> 11) * 2^-53 in [0, 1); exponential = -mean * ln(1 - U);
 * normal = Box-Muller, one draw per pair of uniforms (the second value is discarded, so
 * every call consumes exactly two u64 and the stream position is easy to reason about):
 * mean + stddev * sqrt(-2 ln(1 - U1)) * cos(2 pi U2); lognormal = exp(normal(mu, sigma)),
 * whose mean is exp(mu + sigma^2 / 2). */
#ifndef PALEO_RNG_H
#define PALEO_RNG_H

#include <stdint.h>

typedef struct {
  uint64_t s[4];
} PaleoRng;

void paleo_rng_seed(PaleoRng *rng, uint64_t seed, uint64_t stream);
uint64_t paleo_rng_u64(PaleoRng *rng);
double paleo_rng_uniform(PaleoRng *rng);                  /* [0, 1) */
double paleo_rng_exponential(PaleoRng *rng, double mean); /* mean > 0 */
double paleo_rng_normal(PaleoRng *rng, double mean, double stddev); /* stddev >= 0 */
double paleo_rng_lognormal(PaleoRng *rng, double mu, double sigma); /* exp(N(mu, sigma)) */

#endif
