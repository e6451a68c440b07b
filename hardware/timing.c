/* PALEO's timing primitives, all-reduce closed forms and scaling rules (see timing.h). */
#include "hardware/timing.h"

#include <math.h>

uint64_t paleo_timing_ms_to_ns(double ms)
{
  g_return_val_if_fail(ms >= 0.0, 0);
  double ns = ms * 1e6;
  return ns >= (double)PALEO_TIMING_MAX_NS ? PALEO_TIMING_MAX_NS : (uint64_t)llround(ns);
}

double paleo_timing_cycle_ms(const PaleoDevice *device)
{
  return 1.0 / device->clock_mhz / 1e3;
}

double paleo_timing_comp_ms(const PaleoDevice *device, double flops, double ppp_comp)
{
  if (flops == 0.0)
    return 0.0;
  double ms = flops / 1e9 / device->peak_gflops * 1e3 / ppp_comp;
  return fmax(paleo_timing_cycle_ms(device), ms);
}

double paleo_timing_transfer_ms(const PaleoDevice *device, double bytes, double gbytes_per_s,
                                double ppp)
{
  double ms = bytes / 1073741824.0 / gbytes_per_s * 1e3 / ppp;
  return fmax(paleo_timing_cycle_ms(device), ms);
}

double paleo_timing_mem_ms(const PaleoDevice *device, double bytes, double ppp)
{
  return paleo_timing_transfer_ms(device, bytes, device->mem_gbps, ppp);
}

double paleo_timing_link_ms(const PaleoLink *link, double bytes, double ppp_comm)
{
  double bytes_per_s = link->gbps / 8 * 1e9;
  return bytes / bytes_per_s * 1000 / ppp_comm;
}

static const struct {
  const char *name;
  const char *paleo_name;
} scheme_names[PALEO_ALLREDUCE_N_SCHEMES] = {
  [PALEO_ALLREDUCE_ONE_TO_ALL] = {"onetoall", "OneToAll"},
  [PALEO_ALLREDUCE_TREE] = {"tree", "TreeAllReduce"},
  [PALEO_ALLREDUCE_BUTTERFLY] = {"butterfly", "ButterflyAllReduce"},
  [PALEO_ALLREDUCE_BUTTERFLY_MIXING] = {"butterfly-mixing", "ButterflyMixing"},
  [PALEO_ALLREDUCE_RING] = {"ring", "Ring"},
  [PALEO_ALLREDUCE_HIERARCHICAL] = {"hierarchical", "Hierarchical"},
};

const char *paleo_allreduce_name(PaleoAllReduceScheme scheme)
{
  g_return_val_if_fail(scheme < PALEO_ALLREDUCE_N_SCHEMES, "?");
  return scheme_names[scheme].name;
}

const char *paleo_allreduce_paleo_name(PaleoAllReduceScheme scheme)
{
  g_return_val_if_fail(scheme < PALEO_ALLREDUCE_N_SCHEMES, "?");
  return scheme_names[scheme].paleo_name;
}

gboolean paleo_allreduce_parse(const char *name, PaleoAllReduceScheme *out)
{
  for (int s = 0; name && s < PALEO_ALLREDUCE_N_SCHEMES; s++)
    if (!g_ascii_strcasecmp(name, scheme_names[s].name) ||
        !g_ascii_strcasecmp(name, scheme_names[s].paleo_name)) {
      *out = (PaleoAllReduceScheme)s;
      return TRUE;
    }
  return FALSE;
}

guint paleo_allreduce_tree_height(guint n)
{
  g_return_val_if_fail(n >= 1, 0);
  return (guint)ceil(log((double)n) / log(2.0));
}

guint paleo_allreduce_steps(PaleoAllReduceScheme scheme, guint workers)
{
  guint h = paleo_allreduce_tree_height(workers);
  switch (scheme) {
  case PALEO_ALLREDUCE_ONE_TO_ALL: return workers > 1 ? 2 : 0;
  case PALEO_ALLREDUCE_TREE: return 2 * h;
  case PALEO_ALLREDUCE_BUTTERFLY: return h;
  case PALEO_ALLREDUCE_BUTTERFLY_MIXING: return 1;
  case PALEO_ALLREDUCE_RING: return 2 * (workers - 1);
  case PALEO_ALLREDUCE_HIERARCHICAL: return 0;
  default: g_return_val_if_reached(0);
  }
}

static double alpha_ms(const PaleoLink *link, gboolean latency)
{
  return latency ? link->latency_us / 1e3 : 0.0;
}

/* Bandwidth-optimal ring all-reduce of `bytes` over n members of one link. */
static double ring_ms(guint n, double bytes, const PaleoLink *link, double ppp,
                      gboolean latency)
{
  if (n <= 1)
    return 0.0;
  double steps = 2.0 * (n - 1);
  return steps * alpha_ms(link, latency) +
         paleo_timing_link_ms(link, steps / n * bytes, ppp);
}

/* The leader variant the flow model runs (workloads/collective.h): intra-host ring
 * reduce-scatter and gather to the leader, a ring all-reduce of S among the H leaders,
 * scatter and intra-host all-gather; the leader's NIC carries 4 (G-1)/G S inside the host. */
static double hierarchical_ms(guint n, double bytes, const PaleoAllReduceParams *p)
{
  g_return_val_if_fail(p->intra_link && p->workers_per_host >= 1, 0.0);
  guint g = MIN(p->workers_per_host, n);
  guint hosts = (n + g - 1) / g;
  double intra = 0;
  if (g > 1)
    intra = 4 * paleo_timing_link_ms(p->intra_link, (g - 1.0) / g * bytes, p->ppp_comm) +
            2.0 * g * alpha_ms(p->intra_link, p->latency);
  return intra + ring_ms(hosts, bytes, p->link, p->ppp_comm, p->latency);
}

double paleo_allreduce_ms(PaleoAllReduceScheme scheme, guint workers, double bytes,
                          const PaleoAllReduceParams *params)
{
  g_return_val_if_fail(workers >= 1 && params && params->link, 0.0);
  const PaleoLink *link = params->link;
  double ppp = params->ppp_comm;
  double one = paleo_timing_link_ms(link, bytes, ppp);
  double alpha = alpha_ms(link, params->latency) * paleo_allreduce_steps(scheme, workers);
  guint h = paleo_allreduce_tree_height(workers);
  switch (scheme) {
  case PALEO_ALLREDUCE_ONE_TO_ALL:
    return alpha + 2 * paleo_timing_link_ms(link, bytes * (workers - 1), ppp);
  case PALEO_ALLREDUCE_TREE: return alpha + 2 * h * one;
  case PALEO_ALLREDUCE_BUTTERFLY: return alpha + h * one;
  case PALEO_ALLREDUCE_BUTTERFLY_MIXING: return alpha + one;
  case PALEO_ALLREDUCE_RING: return ring_ms(workers, bytes, link, ppp, params->latency);
  case PALEO_ALLREDUCE_HIERARCHICAL: return hierarchical_ms(workers, bytes, params);
  default: g_return_val_if_reached(0.0);
  }
}

const char *paleo_scaling_name(PaleoScaling scaling)
{
  return scaling == PALEO_SCALING_STRONG ? "strong" : "weak";
}

gboolean paleo_scaling_parse(const char *name, PaleoScaling *out)
{
  if (name && !g_ascii_strcasecmp(name, "weak")) {
    *out = PALEO_SCALING_WEAK;
    return TRUE;
  }
  if (name && !g_ascii_strcasecmp(name, "strong")) {
    *out = PALEO_SCALING_STRONG;
    return TRUE;
  }
  return FALSE;
}

int64_t paleo_scaling_batch_per_worker(PaleoScaling scaling, int64_t batch, guint workers)
{
  g_return_val_if_fail(workers >= 1 && batch >= 1, 0);
  if (scaling == PALEO_SCALING_WEAK)
    return batch;
  return (batch + workers - 1) / workers;
}

int64_t paleo_scaling_effective_batch(PaleoScaling scaling, int64_t batch, guint workers)
{
  return scaling == PALEO_SCALING_WEAK ? batch * (int64_t)workers : batch;
}

double paleo_scaling_speedup(PaleoScaling scaling, guint workers, double t1_ms, double tn_ms)
{
  if (tn_ms <= 0.0)
    return 0.0;
  double ratio = t1_ms / tn_ms;
  return scaling == PALEO_SCALING_WEAK ? workers * ratio : ratio;
}
