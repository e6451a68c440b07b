/* The network model on top of the engine: messages are flows of S bytes along their
 * routes, in one of two modes.
 *
 * PALEO_NET_FLOW: active flows share every directed link max-min fairly (progressive
 * filling, topology/maxmin.h). Starting or finishing a flow (or changing a link's
 * bandwidth) marks its links dirty; one SOLVE event at the current time re-solves what
 * the changes can affect (all changes at the same instant share one solve):
 *   - the new flows, and the flows bottlenecked at a dirty link, are re-solved;
 *   - so is every flow bottlenecked at a link those flows cross (the closure), since
 *     that link's fair share may move; every other flow keeps its rate and only lowers
 *     the capacity left on the links it shares with them (exact sums);
 *   - a kept flow whose rate would exceed the new share of a link it crosses joins the
 *     re-solved set (rare), and the solve repeats.
 * So the work grows with the flows whose rate can change, not with the connected
 * component (a parameter server's link joins every worker into one). The rates are
 * those of a full max-min solve (the property test checks at every solve that no link
 * is over capacity and every flow has a saturated bottleneck where it is largest).
 * A flow whose rate changed gets its drain event moved to now + ceil(remaining / rate)
 * (never early); its remaining bytes are brought up to date (rate x elapsed) then.
 * With a solve quantum q > 0 (paleo_network_set_solve_quantum) the SOLVE event goes to the
 * next multiple of q instead, so every change within one quantum shares one solve: a new
 * flow waits up to q before it sends, bandwidth freed by a finished flow is handed out up
 * to q late (never more than a link carries). Exact at q = 0, the default.
 * Latency: a flow occupies its links from its start until its last byte has been sent
 * (S bytes at its changing fair rate); it is delivered one path latency (sum of the link
 * latencies) after that. So an unshared flow takes latency + S / B.
 *
 * Routing: every message between two nodes follows one ECMP path, the one a hash of the
 * (source, destination) pair picks (a switch hashing a connection's 5-tuple), computed
 * once and cached; so a flow's route does not depend on when it starts.
 *
 * Aggregation (paleo_network_set_aggregation, on by default): flows that finish sending
 * at the same nanosecond are drained by one event, and flows delivered at the same
 * nanosecond by one event, in the order they joined it. A symmetric collective phase
 * (equal messages starting together over links with equal shares) thus completes as one
 * event however many flows it has; flows that share links with others get their own
 * times from the solver as always. Rates, times, link accounting and traces are the same
 * with aggregation on and off (only the engine's event count differs; a test runs the
 * suite's scenarios both ways): the solver's result is independent of the order in which
 * flows and links are presented (exact sums, ties broken by link id), and routes do not
 * depend on flow ids.
 *
 * PALEO_NET_ANALYTICAL: a transfer takes path latency + ceil(S / bottleneck bandwidth),
 * with no sharing: one event per flow (or per delivery instant, aggregated).
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
  uint64_t id;               /* dense, in start order from 0 */
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
  uint64_t reschedules;    /* drain events moved because a rate changed */
  uint64_t events;         /* engine events the network handled (drains, deliveries, solves) */
  uint64_t peak_active;    /* most flows sending at once */
  uint64_t peak_in_flight; /* most flows started and not yet delivered */
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

/* The analytical cost of a transfer from src to dst along its route: path latency +
 * ceil(bytes / bottleneck bandwidth) in ns (no sharing). */
PaleoTime paleo_network_analytical_ns(PaleoNetwork *net, uint32_t src, uint32_t dst, uint64_t bytes);

/* Re-solves at multiples of `quantum_ns` (0 = at once, exact); see above. */
void paleo_network_set_solve_quantum(PaleoNetwork *net, PaleoTime quantum_ns);
/* Aggregated drain and delivery events (TRUE, the default) or one of each per flow. Set
 * before the first flow starts. */
void paleo_network_set_aggregation(PaleoNetwork *net, gboolean on);

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
/* Bytes the network holds now: flow records, per-link lists, the route cache, events. */
gsize paleo_network_memory_bytes(const PaleoNetwork *net);
/* Bytes one flow in flight over `hops` links costs at most: its record, its route positions
 * beyond the inline ones, and its entries in the links' lists (which grow by doubling). */
gsize paleo_network_flow_bytes(uint32_t hops);

/* Flows currently sending (flow mode), in no meaningful order. */
uint32_t paleo_network_n_active(const PaleoNetwork *net);
const PaleoFlowInfo *paleo_network_active_flow(const PaleoNetwork *net, uint32_t i);

#endif
