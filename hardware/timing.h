/* Timing primitives of the PALEO model (PALEO-MODEL.md §2, §7): compute and memory time
 * on a device, transfer time over a link, all-reduce schemes (PALEO's four, plus ring and
 * hierarchical with an alpha-beta latency term) and the weak/strong scaling rules.
 * Times are milliseconds (double), as in the original; convert to engine nanoseconds
 * with paleo_timing_ms_to_ns() only. */
#ifndef PALEO_TIMING_H
#define PALEO_TIMING_H

#include <glib.h>
#include <stdint.h>

#include "hardware/catalog.h"

/* PALEO's TimeMeasure: a compute part and a communication part (device memory traffic
 * and transfers). The serial time is their sum; the pipelined lower bound their max. */
typedef struct {
  double comp_ms;
  double comm_ms;
} PaleoCompComm;

static inline PaleoCompComm paleo_time_add(PaleoCompComm a, PaleoCompComm b)
{
  return (PaleoCompComm){a.comp_ms + b.comp_ms, a.comm_ms + b.comm_ms};
}
static inline double paleo_time_total_ms(PaleoCompComm t) { return t.comp_ms + t.comm_ms; }
static inline double paleo_time_lowerbound_ms(PaleoCompComm t)
{
  return t.comp_ms > t.comm_ms ? t.comp_ms : t.comm_ms;
}
/* Serial sum, or with `pipeline` PALEO's --use_pipeline max(comp, comm). */
static inline double paleo_time_ms(PaleoCompComm t, gboolean pipeline)
{
  return pipeline ? paleo_time_lowerbound_ms(t) : paleo_time_total_ms(t);
}

/* The longest duration a cost model hands the engine: 2^60 ns (36 years). Longer ones
 * (absurd device or link figures) saturate, so that adding one to any simulated time below
 * the run's horizon never wraps the 64-bit clock. */
#define PALEO_TIMING_MAX_NS (UINT64_C(1) << 60)

/* Milliseconds to engine nanoseconds (rounded to nearest, saturating at PALEO_TIMING_MAX_NS). */
uint64_t paleo_timing_ms_to_ns(double ms);

/* One clock cycle of the device: 1 / (clock_mhz * 1e6) s, in ms. */
double paleo_timing_cycle_ms(const PaleoDevice *device);
/* t_comp(F) = max(cycle, F / (peak_gflops * 1e9) / ppp_comp); 0 FLOPs -> 0. */
double paleo_timing_comp_ms(const PaleoDevice *device, double flops, double ppp_comp);
/* t_mem(B) = max(cycle, B / 2^30 / mem_gbps / ppp): one tensor read or written. */
double paleo_timing_mem_ms(const PaleoDevice *device, double bytes, double ppp);
/* Like t_mem over another bandwidth (GB/s, bytes divided by 2^30): PALEO's cross-device
 * fetch. Keeps the device's one-cycle floor. */
double paleo_timing_transfer_ms(const PaleoDevice *device, double bytes, double gbytes_per_s,
                                double ppp);
/* One link transfer t(D) = D / (gbps * 1e9 / 8) / ppp_comm (decimal, no latency). */
double paleo_timing_link_ms(const PaleoLink *link, double bytes, double ppp_comm);

typedef enum {
  PALEO_ALLREDUCE_ONE_TO_ALL,       /* parameter server on one node: 2 t(|w|(N-1)) */
  PALEO_ALLREDUCE_TREE,             /* 2 h t(|w|), h = ceil(log2 N) */
  PALEO_ALLREDUCE_BUTTERFLY,        /* h t(|w|) */
  PALEO_ALLREDUCE_BUTTERFLY_MIXING, /* t(|w|), also at N = 1 (PALEO) */
  PALEO_ALLREDUCE_RING,             /* 2(N-1) alpha + 2(N-1)/N |w| / B */
  PALEO_ALLREDUCE_HIERARCHICAL,     /* intra reduce-scatter + gather, leaders' ring, scatter + all-gather */
  PALEO_ALLREDUCE_N_SCHEMES
} PaleoAllReduceScheme;

/* The first four, in PALEO's column order. */
#define PALEO_ALLREDUCE_N_PALEO 4

/* CLI name ("onetoall", "tree", "butterfly", "butterfly-mixing", "ring", "hierarchical"). */
const char *paleo_allreduce_name(PaleoAllReduceScheme scheme);
/* PALEO's name ("OneToAll", "TreeAllReduce", ...; "Ring", "Hierarchical" for ours). */
const char *paleo_allreduce_paleo_name(PaleoAllReduceScheme scheme);
/* Accepts the CLI name or PALEO's name, case-insensitively. */
gboolean paleo_allreduce_parse(const char *name, PaleoAllReduceScheme *out);

/* ceil(log2 n) exactly as PALEO computes it (ceil(log(n)/log(2))); 0 for n = 1. */
guint paleo_allreduce_tree_height(guint n);

typedef struct {
  const PaleoLink *link;       /* the link between workers (between hosts if hierarchical) */
  double ppp_comm;             /* divides every bandwidth term */
  gboolean latency;            /* add alpha = link latency per step; FALSE reproduces PALEO */
  const PaleoLink *intra_link; /* hierarchical only: the link inside a host */
  guint workers_per_host;      /* hierarchical only: G >= 1 */
} PaleoAllReduceParams;

/* Number of sequential message steps (the alpha multiplier): OneToAll 2 (N > 1), tree 2h,
 * butterfly h, mixing 1, ring 2(N-1). Hierarchical has two latencies (intra and inter
 * host): its steps are 2(G-1) on the intra link plus 2(H-1) on the link, and this
 * function returns 0 for it. */
guint paleo_allreduce_steps(PaleoAllReduceScheme scheme, guint workers);

/* Time of one all-reduce of `bytes` over `workers` (>= 1), ms. PALEO's four schemes use
 * t(D) above (plus alpha * steps if params->latency). Ring and hierarchical:
 *   ring(N, S, link) = 2(N-1) alpha + 2(N-1)/N * S / B
 *   hierarchical (the leader variant `run` simulates, workloads/collective.h):
 *     G = min(workers_per_host, N), H = ceil(N / G) hosts,
 *     [G > 1] 4 (G-1)/G * S / B_i + 2 G alpha_i       (reduce-scatter, gather, scatter, all-gather)
 *     + ring(H, S, link)                              (the leaders' ring all-reduce)
 * with B = gbps * 1e9 / 8 * ppp_comm and alpha = latency_us (0 unless params->latency). */
double paleo_allreduce_ms(PaleoAllReduceScheme scheme, guint workers, double bytes,
                          const PaleoAllReduceParams *params);

typedef enum {
  PALEO_SCALING_WEAK,   /* batch per worker fixed; speed-up N T(1) / T(N) */
  PALEO_SCALING_STRONG, /* global batch B split as ceil(B / N); speed-up T(1) / T(N) */
} PaleoScaling;

const char *paleo_scaling_name(PaleoScaling scaling);
gboolean paleo_scaling_parse(const char *name, PaleoScaling *out);
int64_t paleo_scaling_batch_per_worker(PaleoScaling scaling, int64_t batch, guint workers);
int64_t paleo_scaling_effective_batch(PaleoScaling scaling, int64_t batch, guint workers);
double paleo_scaling_speedup(PaleoScaling scaling, guint workers, double t1_ms, double tn_ms);

#endif
