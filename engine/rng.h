/* Per-entity random number streams: xoshiro256** seeded through splitmix64 from
 * (seed, stream id), so each entity's draws are independent of every other entity's
 * and of event order elsewhere. */
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
double paleo_rng_normal(PaleoRng *rng, double mean, double stddev);
double paleo_rng_lognormal(PaleoRng *rng, double mu, double sigma); /* exp(N(mu, sigma)) */

#endif
