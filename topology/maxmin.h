/* Max-min fair bandwidth allocation by progressive filling (water-filling), as a pure
 * function over local indices, so the network model and tests share one solver.
 *
 * All flows' rates rise together; the link whose remaining capacity divided by its
 * unfrozen flows is smallest saturates first and freezes its flows at that share; the
 * others continue. A lazy min-heap holds one entry per link, keyed by (share, tie key);
 * an entry made stale by frozen flows is refreshed only when it reaches the top (shares
 * only rise), so one solve is O(H + R log L) for L links, H flow-hops and R refreshes.
 *
 * The result does not depend on the order in which flows or links are listed: remaining
 * capacities are exact sums (rates as fixed-point integers, PaleoRateSum), shares are
 * computed from them in one rounding, and equal shares are broken by the caller's tie
 * keys (the network passes global link ids). So two runs that present the same flows in
 * a different order get bit-identical rates. */
#ifndef PALEO_MAXMIN_H
#define PALEO_MAXMIN_H

#include <stdint.h>

/* An exact sum of rates: bytes/s x 2^64 as a 128-bit integer (rates in [0, 2^62) bytes/s;
 * the conversions are exact above 2^-12 bytes/s and deterministic everywhere). */
typedef __int128 PaleoRateSum;

static inline PaleoRateSum paleo_rate_sum_of(double bytes_per_s)
{
  int64_t whole = (int64_t)bytes_per_s;
  uint64_t frac = (uint64_t)((bytes_per_s - (double)whole) * 0x1p64);
  return ((PaleoRateSum)whole << 64) + frac;
}

static inline double paleo_rate_sum_value(PaleoRateSum sum)
{
  return (double)(int64_t)(sum >> 64) + (double)(uint64_t)sum * 0x1p-64;
}

typedef struct PaleoMaxMin PaleoMaxMin; /* reusable workspace */

PaleoMaxMin *paleo_maxmin_new(void);
void paleo_maxmin_free(PaleoMaxMin *mm);

/* Flow f crosses local links route_links[route_start[f] .. route_start[f + 1]) (indices
 * < n_links, each at most once per flow); capacity[l] > 0 in bytes/s. Writes each
 * flow's max-min fair rate (bytes/s) to rates[f]; a flow without links gets INFINITY. */
void paleo_maxmin_solve(PaleoMaxMin *mm, uint32_t n_links, const double *capacity,
                        uint32_t n_flows, const uint32_t *route_start,
                        const uint32_t *route_links, double *rates);

/* The same over what is left of each link: `residual[l]` is its capacity less the rates
 * of flows that are not part of the problem (may be <= 0: those links give nothing);
 * `tie[l]` orders links of equal share (distinct keys make the result independent of
 * the order of links and flows). Also writes each flow's bottleneck, the local link that
 * froze it (UINT32_MAX for a flow without links), and each link's saturation level
 * `level[l]` (INFINITY when none of its flows froze there); `level` may be NULL. */
void paleo_maxmin_solve_residual(PaleoMaxMin *mm, uint32_t n_links, const PaleoRateSum *residual,
                                 const uint32_t *tie, uint32_t n_flows, const uint32_t *route_start,
                                 const uint32_t *route_links, double *rates, uint32_t *bottleneck,
                                 double *level);

#endif
