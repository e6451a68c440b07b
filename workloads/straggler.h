/* Straggler and fault models of the workers: a fixed compute factor per worker, random
 * per-iteration noise (lognormal or exponential), periodic pauses and failure times.
 * Every training strategy draws from the same model the same way, so `paleosim compare`
 * sees identical noise under every strategy.
 *
 * Noise stream: worker w draws from its own PaleoRng seeded with (seed, 2^32 + w)
 * (engine/rng.h), one draw per iteration it starts, independent of entity ids and of the
 * order of events elsewhere.
 *
 * Per-iteration compute factor of worker w (multiplies every compute duration of that
 * iteration): factor[w] x noise, where noise is
 *   none:        1
 *   lognormal:   exp(N(mu, sigma))      (mean exp(mu + sigma^2 / 2))
 *   exponential: 1 + Exp(mean)          (a delay of `mean` x the nominal time on average)
 * and is 1 for workers not listed in `noisy`.
 *
 * Pauses: a paused worker makes no compute progress during [k P, k P + D) for k >= 1
 * (P = pause_every_ns, D = pause_ns < P); compute that would run into a pause is
 * stretched by it. Failures: a worker stops for good at fail_at_ns[w]. */
#ifndef PALEO_STRAGGLER_H
#define PALEO_STRAGGLER_H

#include <glib.h>
#include <stdint.h>

#include "engine/rng.h"

typedef enum {
  PALEO_NOISE_NONE = 0,
  PALEO_NOISE_LOGNORMAL,
  PALEO_NOISE_EXPONENTIAL,
} PaleoNoiseKind;
/* NULL-terminated, indexed by PaleoNoiseKind: "none", "lognormal", "exponential". */
extern const char *const paleo_noise_names[];

#define PALEO_NEVER_NS UINT64_MAX

typedef struct {
  uint32_t workers;
  double *factor;           /* per worker fixed compute multiplier, > 0 (1 = nominal) */
  PaleoNoiseKind noise;
  double noise_mu, noise_sigma; /* lognormal */
  double noise_mean;        /* exponential, > 0 */
  gboolean *noisy;          /* per worker: the noise applies */
  uint64_t pause_every_ns;  /* P; 0 = no pauses */
  uint64_t pause_ns;        /* D < P */
  gboolean *paused;         /* per worker: the pauses apply */
  uint64_t *fail_at_ns;     /* per worker; PALEO_NEVER_NS = never fails */
} PaleoStragglerModel;

/* A model in which nothing happens: factor 1, no noise, pauses or failures; every worker
 * listed in `noisy` and `paused` (they only matter once noise / pauses are set). */
PaleoStragglerModel *paleo_straggler_model_new(uint32_t workers);
PaleoStragglerModel *paleo_straggler_model_copy(const PaleoStragglerModel *model);
void paleo_straggler_model_free(PaleoStragglerModel *model);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PaleoStragglerModel, paleo_straggler_model_free)

/* Seeds worker w's noise stream: paleo_rng_seed(rng, seed, 2^32 + w). */
void paleo_straggler_rng_init(PaleoRng *rng, uint64_t seed, uint32_t worker);
/* The compute factor of the worker's next iteration (draws from `rng` only when the
 * worker is noisy and noise is not none: lognormal two u64, exponential one). */
double paleo_straggler_draw(const PaleoStragglerModel *model, uint32_t worker, PaleoRng *rng);
/* When `work_ns` of compute started at `start_ns` ends, pauses included (the worker's
 * pauses only when model->paused[worker]). */
uint64_t paleo_straggler_end_ns(const PaleoStragglerModel *model, uint32_t worker, uint64_t start_ns,
                                uint64_t work_ns);
/* TRUE when any worker fails (fail_at_ns != never). */
gboolean paleo_straggler_any_failure(const PaleoStragglerModel *model);

#endif
