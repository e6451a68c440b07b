/* Straggler and fault models: per-iteration compute factors and pause-stretched compute
 * end times (formulas in straggler.h). */
#include "workloads/straggler.h"

#include <string.h>

const char *const paleo_noise_names[] = {"none", "lognormal", "exponential", NULL};

PaleoStragglerModel *paleo_straggler_model_new(uint32_t workers)
{
  PaleoStragglerModel *m = g_new0(PaleoStragglerModel, 1);
  m->workers = workers;
  m->factor = g_new(double, workers);
  m->noisy = g_new(gboolean, workers);
  m->paused = g_new(gboolean, workers);
  m->fail_at_ns = g_new(uint64_t, workers);
  for (uint32_t w = 0; w < workers; w++) {
    m->factor[w] = 1.0;
    m->noisy[w] = m->paused[w] = TRUE;
    m->fail_at_ns[w] = PALEO_NEVER_NS;
  }
  m->noise_mean = 0.1;
  return m;
}

PaleoStragglerModel *paleo_straggler_model_copy(const PaleoStragglerModel *src)
{
  PaleoStragglerModel *m = g_memdup2(src, sizeof(*src));
  m->factor = g_memdup2(src->factor, src->workers * sizeof(double));
  m->noisy = g_memdup2(src->noisy, src->workers * sizeof(gboolean));
  m->paused = g_memdup2(src->paused, src->workers * sizeof(gboolean));
  m->fail_at_ns = g_memdup2(src->fail_at_ns, src->workers * sizeof(uint64_t));
  return m;
}

void paleo_straggler_model_free(PaleoStragglerModel *m)
{
  if (!m)
    return;
  g_free(m->factor);
  g_free(m->noisy);
  g_free(m->paused);
  g_free(m->fail_at_ns);
  g_free(m);
}

void paleo_straggler_rng_init(PaleoRng *rng, uint64_t seed, uint32_t worker)
{
  paleo_rng_seed(rng, seed, (UINT64_C(1) << 32) + worker);
}

double paleo_straggler_draw(const PaleoStragglerModel *m, uint32_t worker, PaleoRng *rng)
{
  g_assert(worker < m->workers);
  double f = m->factor[worker];
  if (!m->noisy[worker])
    return f;
  switch (m->noise) {
  case PALEO_NOISE_NONE: return f;
  case PALEO_NOISE_LOGNORMAL: return f * paleo_rng_lognormal(rng, m->noise_mu, m->noise_sigma);
  case PALEO_NOISE_EXPONENTIAL: return f * (1.0 + paleo_rng_exponential(rng, m->noise_mean));
  }
  g_assert_not_reached();
}

/* In period k >= 1 the worker is paused during [k P, k P + D): after the first pause the
 * work proceeds R = P - D per period, so the end is found in constant time. */
uint64_t paleo_straggler_end_ns(const PaleoStragglerModel *m, uint32_t worker, uint64_t start_ns, uint64_t work_ns)
{
  g_assert(worker < m->workers);
  uint64_t P = m->pause_every_ns, D = m->pause_ns;
  if (!P || !D || !m->paused[worker])
    return start_ns + work_ns;
  g_assert(D < P);
  uint64_t t = start_ns, left = work_ns;
  uint64_t k = t / P;
  if (k >= 1 && t < k * P + D) /* starts inside a pause */
    t = k * P + D;
  uint64_t next_pause = (t / P + 1) * P;
  if (t + left <= next_pause)
    return t + left;
  left -= next_pause - t; /* up to the first pause; then whole periods of R = P - D work */
  t = next_pause + D;
  uint64_t R = P - D, n = (left - 1) / R;
  return t + n * P + (left - n * R);
}

gboolean paleo_straggler_any_failure(const PaleoStragglerModel *m)
{
  for (uint32_t w = 0; w < m->workers; w++)
    if (m->fail_at_ns[w] != PALEO_NEVER_NS)
      return TRUE;
  return FALSE;
}
