/* Max-min fair bandwidth allocation by progressive filling (water-filling), as a pure
 * function over local indices, so the network model and tests share one solver.
 *
 * All flows' rates rise together; the link whose remaining capacity divided by its
 * unfrozen flows is smallest saturates first and freezes its flows at that share; the
 * others continue. A lazy min-heap holds one entry per link; an entry made stale by
 * frozen flows is refreshed only when it reaches the top (shares only rise), so one solve
 * is O(H + R log L) for L links, H flow-hops and R refreshes (R <= H, usually ~L). */
#ifndef PALEO_MAXMIN_H
#define PALEO_MAXMIN_H

#include <stdint.h>

typedef struct PaleoMaxMin PaleoMaxMin; /* reusable workspace */

PaleoMaxMin *paleo_maxmin_new(void);
void paleo_maxmin_free(PaleoMaxMin *mm);

/* Flow f crosses local links route_links[route_start[f] .. route_start[f + 1]) (indices
 * < n_links, each at most once per flow); capacity[l] > 0 in bytes/s. Writes each
 * flow's max-min fair rate (bytes/s) to rates[f]; a flow without links gets INFINITY. */
void paleo_maxmin_solve(PaleoMaxMin *mm, uint32_t n_links, const double *capacity,
                        uint32_t n_flows, const uint32_t *route_start,
                        const uint32_t *route_links, double *rates);

#endif
