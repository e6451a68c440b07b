/* xoshiro256** streams seeded through splitmix64, and the variates built on them.
 * The derivation is documented in rng.h. */
#include "engine/rng.h"

#include <glib.h>
#include <math.h>

#define GOLDEN_GAMMA 0x9e3779b97f4a7c15ULL

static uint64_t mix64(uint64_t z)
{
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static uint64_t splitmix64_next(uint64_t *state)
{
  *state += GOLDEN_GAMMA;
  return mix64(*state);
}

static inline uint64_t rotl(uint64_t x, int k)
{
  return (x << k) | (x >> (64 - k));
}

void paleo_rng_seed(PaleoRng *rng, uint64_t seed, uint64_t stream)
{
  uint64_t x = seed ^ mix64(stream + GOLDEN_GAMMA);
  for (int i = 0; i < 4; i++)
    rng->s[i] = splitmix64_next(&x);
}

uint64_t paleo_rng_u64(PaleoRng *rng)
{
  uint64_t *s = rng->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

double paleo_rng_uniform(PaleoRng *rng)
{
  return (double)(paleo_rng_u64(rng) >> 11) * 0x1.0p-53;
}

double paleo_rng_exponential(PaleoRng *rng, double mean)
{
  g_assert(mean > 0);
  return -mean * log1p(-paleo_rng_uniform(rng));
}

double paleo_rng_normal(PaleoRng *rng, double mean, double stddev)
{
  g_assert(stddev >= 0);
  double u1 = paleo_rng_uniform(rng);
  double u2 = paleo_rng_uniform(rng);
  return mean + stddev * sqrt(-2.0 * log1p(-u1)) * cos(2.0 * G_PI * u2);
}

double paleo_rng_lognormal(PaleoRng *rng, double mu, double sigma)
{
  return exp(paleo_rng_normal(rng, mu, sigma));
}
