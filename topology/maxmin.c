/* Progressive filling with an indexed heap of link fair shares (see maxmin.h). */
#include "topology/maxmin.h"

#include <glib.h>
#include <math.h>

#define NONE UINT32_MAX

typedef struct {
  double share;     /* remaining capacity / unfrozen flows when pushed */
  uint32_t tie;     /* the caller's key for equal shares */
  uint32_t link;
  uint32_t version; /* stale when the link's version moved on */
} ShareEntry;

struct PaleoMaxMin {
  uint32_t cap_links, cap_flows, cap_hops;
  PaleoRateSum *remaining; /* per link: capacity not yet given to frozen flows */
  uint32_t *unfrozen;      /* per link: flows still rising */
  uint32_t *version;       /* per link */
  uint32_t *lf_start;      /* per link + 1: CSR of the flows crossing each link */
  uint32_t *lf_flows;      /* per hop */
  uint8_t *frozen;         /* per flow */
  uint32_t rising;         /* flows not frozen yet */
  ShareEntry *heap;
  uint32_t n_heap, cap_heap;
};

PaleoMaxMin *paleo_maxmin_new(void)
{
  return g_new0(PaleoMaxMin, 1);
}

void paleo_maxmin_free(PaleoMaxMin *mm)
{
  if (mm == NULL)
    return;
  g_free(mm->remaining);
  g_free(mm->unfrozen);
  g_free(mm->version);
  g_free(mm->lf_start);
  g_free(mm->lf_flows);
  g_free(mm->frozen);
  g_free(mm->heap);
  g_free(mm);
}

static void reserve(PaleoMaxMin *mm, uint32_t n_links, uint32_t n_flows, uint32_t n_hops)
{
  if (n_links > mm->cap_links) {
    mm->cap_links = MAX(n_links, mm->cap_links * 2);
    mm->remaining = g_renew(PaleoRateSum, mm->remaining, mm->cap_links);
    mm->unfrozen = g_renew(uint32_t, mm->unfrozen, mm->cap_links);
    mm->version = g_renew(uint32_t, mm->version, mm->cap_links);
    mm->lf_start = g_renew(uint32_t, mm->lf_start, mm->cap_links + 1);
  }
  if (n_flows > mm->cap_flows) {
    mm->cap_flows = MAX(n_flows, mm->cap_flows * 2);
    mm->frozen = g_renew(uint8_t, mm->frozen, mm->cap_flows);
  }
  if (n_hops > mm->cap_hops) {
    mm->cap_hops = MAX(n_hops, mm->cap_hops * 2);
    mm->lf_flows = g_renew(uint32_t, mm->lf_flows, mm->cap_hops);
  }
}

/* ---- the lazy heap, ordered by (share, tie key) ---- */

static inline gboolean before(const ShareEntry *a, const ShareEntry *b)
{
  return a->share < b->share || (a->share == b->share && a->tie < b->tie);
}

static void heap_push(PaleoMaxMin *mm, ShareEntry e)
{
  if (mm->n_heap == mm->cap_heap) {
    mm->cap_heap = mm->cap_heap ? 2 * mm->cap_heap : 64;
    mm->heap = g_renew(ShareEntry, mm->heap, mm->cap_heap);
  }
  ShareEntry *h = mm->heap;
  uint32_t i = mm->n_heap++;
  while (i > 0) {
    uint32_t p = (i - 1) / 2;
    if (!before(&e, &h[p]))
      break;
    h[i] = h[p];
    i = p;
  }
  h[i] = e;
}

static ShareEntry heap_pop(PaleoMaxMin *mm)
{
  ShareEntry *h = mm->heap, top = h[0], last = h[--mm->n_heap];
  uint32_t n = mm->n_heap, i = 0;
  for (;;) {
    uint32_t c = 2 * i + 1;
    if (c >= n)
      break;
    if (c + 1 < n && before(&h[c + 1], &h[c]))
      c++;
    if (!before(&h[c], &last))
      break;
    h[i] = h[c];
    i = c;
  }
  if (n > 0)
    h[i] = last;
  return top;
}

static void push_link(PaleoMaxMin *mm, uint32_t l, const uint32_t *tie)
{
  double left = paleo_rate_sum_value(mm->remaining[l]);
  ShareEntry e = {(left > 0.0 ? left : 0.0) / mm->unfrozen[l], tie[l], l, mm->version[l]};
  heap_push(mm, e);
}

/* ---- solving ---- */

/* Counting sort of hops by link: the flows crossing each link. */
static void build_link_flows(PaleoMaxMin *mm, uint32_t n_links, uint32_t n_flows, const uint32_t *route_start,
                             const uint32_t *route_links)
{
  uint32_t *start = mm->lf_start;
  for (uint32_t l = 0; l <= n_links; l++)
    start[l] = 0;
  for (uint32_t h = 0; h < route_start[n_flows]; h++)
    start[route_links[h] + 1]++;
  for (uint32_t l = 0; l < n_links; l++)
    start[l + 1] += start[l];
  for (uint32_t f = 0; f < n_flows; f++)
    for (uint32_t h = route_start[f]; h < route_start[f + 1]; h++)
      mm->lf_flows[start[route_links[h]]++] = f;
  for (uint32_t l = n_links; l > 0; l--)
    start[l] = start[l - 1]; /* undo the fill shift */
  start[0] = 0;
}

/* Freezes every rising flow of link l at `level`, charging its links (exact sums). */
static void saturate(PaleoMaxMin *mm, uint32_t l, double level, const uint32_t *route_start,
                     const uint32_t *route_links, double *rates, uint32_t *bottleneck)
{
  PaleoRateSum charge = paleo_rate_sum_of(level);
  for (uint32_t k = mm->lf_start[l]; k < mm->lf_start[l + 1]; k++) {
    uint32_t f = mm->lf_flows[k];
    if (mm->frozen[f])
      continue;
    mm->frozen[f] = 1;
    mm->rising--;
    rates[f] = level;
    bottleneck[f] = l;
    for (uint32_t h = route_start[f]; h < route_start[f + 1]; h++) {
      uint32_t m = route_links[h];
      mm->remaining[m] -= charge;
      mm->unfrozen[m]--;
      mm->version[m]++; /* its heap entry is now stale; it is refreshed when popped */
    }
  }
}

void paleo_maxmin_solve_residual(PaleoMaxMin *mm, uint32_t n_links, const PaleoRateSum *residual,
                                 const uint32_t *tie, uint32_t n_flows, const uint32_t *route_start,
                                 const uint32_t *route_links, double *rates, uint32_t *bottleneck,
                                 double *level)
{
  reserve(mm, MAX(n_links, 1), MAX(n_flows, 1), MAX(route_start[n_flows], 1));
  build_link_flows(mm, n_links, n_flows, route_start, route_links);
  mm->rising = n_flows;
  for (uint32_t f = 0; f < n_flows; f++) {
    mm->frozen[f] = route_start[f + 1] == route_start[f];
    mm->rising -= mm->frozen[f];
    if (mm->frozen[f]) {
      rates[f] = INFINITY;
      bottleneck[f] = NONE;
    }
  }
  mm->n_heap = 0;
  for (uint32_t l = 0; l < n_links; l++) {
    mm->remaining[l] = residual[l];
    mm->unfrozen[l] = mm->lf_start[l + 1] - mm->lf_start[l];
    mm->version[l] = 0;
    if (level)
      level[l] = INFINITY;
    if (mm->unfrozen[l] > 0)
      push_link(mm, l, tie);
  }
  /* Each link with rising flows has one heap entry. Freezing a flow at the current level
   * x <= every link's share can only raise the shares of its other links ((r - x)/(u - 1)
   * >= r/u), so a stale entry is a lower bound: when it comes out on top it is refreshed
   * and pushed back, and an up-to-date entry on top is the least share. */
  while (mm->n_heap > 0 && mm->rising > 0) {
    ShareEntry e = heap_pop(mm);
    if (mm->unfrozen[e.link] == 0)
      continue;
    if (e.version != mm->version[e.link]) {
      push_link(mm, e.link, tie);
      continue;
    }
    if (level)
      level[e.link] = e.share;
    saturate(mm, e.link, e.share, route_start, route_links, rates, bottleneck);
  }
}

void paleo_maxmin_solve(PaleoMaxMin *mm, uint32_t n_links, const double *capacity, uint32_t n_flows,
                        const uint32_t *route_start, const uint32_t *route_links, double *rates)
{
  g_autofree PaleoRateSum *residual = g_new(PaleoRateSum, MAX(n_links, 1));
  g_autofree uint32_t *tie = g_new(uint32_t, MAX(n_links, 1));
  g_autofree uint32_t *bottleneck = g_new(uint32_t, MAX(n_flows, 1));
  for (uint32_t l = 0; l < n_links; l++) {
    g_assert(capacity[l] > 0.0);
    residual[l] = paleo_rate_sum_of(capacity[l]);
    tie[l] = l;
  }
  paleo_maxmin_solve_residual(mm, n_links, residual, tie, n_flows, route_start, route_links, rates, bottleneck, NULL);
}
