/* The network model on top of the engine: messages are flows of S bytes along their
 * routes, in one of two modes.
 *
 * PALEO_NET_FLOW: active flows share every directed link max-min fairly (progressive
 * filling, topology/maxmin.h). Starting or finishing a flow (or changing a link's
 * bandwidth) marks its links dirty; one SOLVE event at the current time re-solves only
 * the connected components of the flow-link graph that touch dirty links (all changes at
 * the same instant share one solve). A flow whose rate changed gets its drain event
 * re-keyed to now + ceil(remaining / rate) (never early); remaining bytes are brought up
 * to date (rate x elapsed) whenever its component is re-solved.
 * With a solve quantum q > 0 (paleo_network_set_solve_quantum) the SOLVE event goes to the
 * next multiple of q instead, so every change within one quantum shares one solve: a new
 * flow waits up to q before it sends, bandwidth freed by a finished flow is handed out up
 * to q late (never more than a link carries). Exact at q = 0, the default.
 * Latency: a flow occupies its links from its start until its last byte has been sent
 * (S bytes at its changing fair rate); it is delivered one path latency (sum of the link
 * latencies) after that. So an unshared flow takes latency + S / B.
 *
 * PALEO_NET_ANALYTICAL: a transfer takes path latency + ceil(S / bottleneck bandwidth),
 * with no sharing: one event per flow.
 *
 * Either way the owner is called back on delivery. Link statistics (bytes carried, busy
 * time) are always kept; link-usage intervals go to an optional hook. */
#ifndef PALEO_NETWORK_H
#define PALEO_NETWORK_H

#include <glib.h>
#include <stdint.h>

#include "engine/engine.h"
#include "engine/trace.h"
#include "topology/topology.h"

typedef enum {
  PALEO_NET_FLOW = 0,       /* max-min fair sharing, re-solved on every change */
  PALEO_NET_ANALYTICAL = 1, /* latency + S / bottleneck, no sharing */
} PaleoNetworkMode;

typedef struct PaleoNetwork PaleoNetwork;

/* A flow as its owner sees it. Valid during callbacks and while the flow is active. */
typedef struct {
  uint64_t id;               /* dense, in start order from 0; also the ECMP hash input */
  uint32_t src, dst;         /* node ids */
  uint64_t bytes;
  PaleoTime start_ns;
  PaleoTime end_ns;          /* delivery time; 0 until delivered */
  const uint32_t *links;     /* route: directed link ids */
  uint32_t n_links;
  uint64_t latency_ns;       /* sum of the route's link latencies */
  double rate_bytes_per_s;   /* current fair rate (flow mode, while sending) */
} PaleoFlowInfo;

/* Called once when the flow's last byte arrives at dst (at engine time end_ns). The
 * callback may start new flows. */
typedef void (*PaleoFlowDoneFn)(PaleoNetwork *net, const PaleoFlowInfo *flow, void *user_data);
/* Link-usage interval [start_ns, end_ns) with a constant number of flows and load. */
typedef void (*PaleoLinkUsageFn)(const PaleoLinkUsageRecord *record, void *user_data);
/* Called after every re-solve (tests check invariants here). */
typedef void (*PaleoSolveHookFn)(PaleoNetwork *net, void *user_data);

typedef struct {
  uint64_t bytes_carried; /* bytes of flows that finished crossing the link */
  PaleoTime busy_ns;      /* time with at least one flow sending over it (flow mode) */
  uint32_t active_flows;  /* flows sending over it now */
  double load_bytes_per_s; /* sum of their rates */
} PaleoLinkStats;

typedef struct {
  uint64_t flows_started, flows_delivered;
  uint64_t bytes_delivered;
  uint64_t solves;         /* re-solve events */
  uint64_t solved_flows;   /* flows re-solved, summed over solves */
  uint64_t reschedules;    /* drain events re-keyed because a rate changed */
} PaleoNetworkStats;

/* Registers one engine entity for the network. Neither engine nor topology is owned;
 * both must outlive the network. The topology's link bandwidths may be changed through
 * paleo_network_set_link_bandwidth only. */
PaleoNetwork *paleo_network_new(PaleoEngine *engine, PaleoTopology *topo, PaleoNetworkMode mode);
void paleo_network_free(PaleoNetwork *net);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PaleoNetwork, paleo_network_free)

PaleoNetworkMode paleo_network_mode(const PaleoNetwork *net);
PaleoTopology *paleo_network_topology(const PaleoNetwork *net);
PaleoEngine *paleo_network_engine(const PaleoNetwork *net);

/* Starts a flow of `bytes` from node src to node dst now; returns its id. src == dst or
 * bytes == 0 costs only the path latency. The nodes must be connected (assert). */
uint64_t paleo_network_start_flow(PaleoNetwork *net, uint32_t src, uint32_t dst, uint64_t bytes,
                                  PaleoFlowDoneFn done, void *user_data);

/* The analytical cost of a transfer along the route flow `flow_hash` would take:
 * path latency + ceil(bytes / bottleneck bandwidth) in ns (no sharing). */
PaleoTime paleo_network_analytical_ns(PaleoNetwork *net, uint32_t src, uint32_t dst,
                                      uint64_t bytes, uint64_t flow_hash);

/* Re-solves at multiples of `quantum_ns` (0 = at once, exact); see above. */
void paleo_network_set_solve_quantum(PaleoNetwork *net, PaleoTime quantum_ns);

/* Changes a link's bandwidth (> 0 bytes/s) now, re-solving the flows over it. */
void paleo_network_set_link_bandwidth(PaleoNetwork *net, uint32_t link, double bw_bytes_per_s);
/* The same at a later time `at` (>= now), e.g. a link degrading mid-run. */
void paleo_network_schedule_link_bandwidth(PaleoNetwork *net, PaleoTime at, uint32_t link,
                                           double bw_bytes_per_s);

/* Hooks; NULL disables. With no usage hook, no intervals are computed. */
void paleo_network_set_usage_hook(PaleoNetwork *net, PaleoLinkUsageFn fn, void *user_data);
void paleo_network_set_solve_hook(PaleoNetwork *net, PaleoSolveHookFn fn, void *user_data);
/* Emits the open usage interval of every busy link up to now (call at the end of a run). */
void paleo_network_flush_usage(PaleoNetwork *net);

void paleo_network_link_stats(const PaleoNetwork *net, uint32_t link, PaleoLinkStats *out);
const PaleoNetworkStats *paleo_network_stats(const PaleoNetwork *net);

/* Flows currently sending (flow mode), in no meaningful order. */
uint32_t paleo_network_n_active(const PaleoNetwork *net);
const PaleoFlowInfo *paleo_network_active_flow(const PaleoNetwork *net, uint32_t i);

#endif
