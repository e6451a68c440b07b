/* Progressive filling with a lazy heap of link fair shares (see maxmin.h). */
#include "topology/maxmin.h"

#include <glib.h>
#include <math.h>

typedef struct {
  double share;     /* remaining capacity / unfrozen flows when pushed */
  uint32_t link;
  uint32_t version; /* stale when the link's version moved on */
} ShareEntry;

struct PaleoMaxMin {
  uint32_t cap_links, cap_flows, cap_hops;
  double *remaining;   /* per link: capacity not yet given to frozen flows */
  uint32_t *unfrozen;  /* per link: flows still rising */
  uint32_t *version;   /* per link */
  uint32_t *lf_start;  /* per link + 1: CSR of the flows crossing each link */
  uint32_t *lf_flows;  /* per hop */
  uint8_t *frozen;     /* per flow */
  GArray *heap;        /* ShareEntry */
};

PaleoMaxMin *paleo_maxmin_new(void) {
  PaleoMaxMin *mm = g_new0(PaleoMaxMin, 1);
  mm->heap = g_array_new(FALSE, FALSE, sizeof(ShareEntry));
  return mm;
}

void paleo_maxmin_free(PaleoMaxMin *mm) {
  if (mm == NULL) return;
  g_free(mm->remaining);
  g_free(mm->unfrozen);
  g_free(mm->version);
  g_free(mm->lf_start);
  g_free(mm->lf_flows);
  g_free(mm->frozen);
  g_array_free(mm->heap, TRUE);
  g_free(mm);
}

static void reserve(PaleoMaxMin *mm, uint32_t n_links, uint32_t n_flows, uint32_t n_hops) {
  if (n_links > mm->cap_links) {
    mm->cap_links = MAX(n_links, mm->cap_links * 2);
    mm->remaining = g_renew(double, mm->remaining, mm->cap_links);
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

static void heap_push(GArray *heap, ShareEntry e) {
  g_array_append_val(heap, e);
  ShareEntry *h = (ShareEntry *)heap->data;
  guint i = heap->len - 1;
  while (i > 0) {
    guint p = (i - 1) / 2;
    if (h[p].share <= e.share) break;
    h[i] = h[p];
    i = p;
  }
  h[i] = e;
}

static ShareEntry heap_pop(GArray *heap) {
  ShareEntry *h = (ShareEntry *)heap->data;
  ShareEntry top = h[0], last = h[heap->len - 1];
  guint n = heap->len - 1, i = 0;
  g_array_set_size(heap, n);
  while (n > 0) {
    guint c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && h[c + 1].share < h[c].share) c++;
    if (h[c].share >= last.share) break;
    h[i] = h[c];
    i = c;
  }
  if (n > 0) h[i] = last;
  return top;
}

static void push_link(PaleoMaxMin *mm, uint32_t l) {
  ShareEntry e = {fmax(mm->remaining[l], 0.0) / mm->unfrozen[l], l, mm->version[l]};
  heap_push(mm->heap, e);
}

/* Counting sort of hops by link: the flows crossing each link. */
static void build_link_flows(PaleoMaxMin *mm, uint32_t n_links, uint32_t n_flows,
                             const uint32_t *route_start, const uint32_t *route_links) {
  uint32_t *start = mm->lf_start;
  for (uint32_t l = 0; l <= n_links; l++) start[l] = 0;
  for (uint32_t h = 0; h < route_start[n_flows]; h++) start[route_links[h] + 1]++;
  for (uint32_t l = 0; l < n_links; l++) start[l + 1] += start[l];
  for (uint32_t f = 0; f < n_flows; f++)
    for (uint32_t h = route_start[f]; h < route_start[f + 1]; h++)
      mm->lf_flows[start[route_links[h]]++] = f;
  for (uint32_t l = n_links; l > 0; l--) start[l] = start[l - 1]; /* undo the fill shift */
  start[0] = 0;
}

/* Freezes every rising flow of link l at `level`, charging its other links. */
static void saturate(PaleoMaxMin *mm, uint32_t l, double level, const uint32_t *route_start,
                     const uint32_t *route_links, double *rates) {
  for (uint32_t k = mm->lf_start[l]; k < mm->lf_start[l + 1]; k++) {
    uint32_t f = mm->lf_flows[k];
    if (mm->frozen[f]) continue;
    mm->frozen[f] = 1;
    rates[f] = level;
    for (uint32_t h = route_start[f]; h < route_start[f + 1]; h++) {
      uint32_t m = route_links[h];
      mm->remaining[m] -= level;
      mm->unfrozen[m]--;
      mm->version[m]++; /* its heap entry is now stale; it is refreshed when popped */
    }
  }
}

void paleo_maxmin_solve(PaleoMaxMin *mm, uint32_t n_links, const double *capacity,
                        uint32_t n_flows, const uint32_t *route_start,
                        const uint32_t *route_links, double *rates) {
  uint32_t n_hops = route_start[n_flows];
  reserve(mm, n_links, n_flows, n_hops);
  build_link_flows(mm, n_links, n_flows, route_start, route_links);
  g_array_set_size(mm->heap, 0);
  for (uint32_t f = 0; f < n_flows; f++) {
    mm->frozen[f] = route_start[f + 1] == route_start[f];
    if (mm->frozen[f]) rates[f] = INFINITY;
  }
  for (uint32_t l = 0; l < n_links; l++) {
    g_assert(capacity[l] > 0.0);
    mm->remaining[l] = capacity[l];
    mm->unfrozen[l] = mm->lf_start[l + 1] - mm->lf_start[l];
    mm->version[l] = 0;
    if (mm->unfrozen[l] > 0) push_link(mm, l);
  }
  /* Each link with rising flows has one heap entry. Freezing a flow at the current level
   * x <= every link's share can only raise the shares of its other links ((r - x)/(u - 1)
   * >= r/u), so a stale entry is a lower bound: when it comes out on top it is refreshed
   * and pushed back, and an up-to-date entry on top is the true minimum. */
  while (mm->heap->len > 0) {
    ShareEntry e = heap_pop(mm->heap);
    if (mm->unfrozen[e.link] == 0) continue;
    if (e.version != mm->version[e.link]) {
      push_link(mm, e.link);
      continue;
    }
    saturate(mm, e.link, e.share, route_start, route_links, rates);
  }
}
