/* Wiring of one run: scenario -> catalog entries, net, costs, topology and network model,
 * trace sink, strategy; then the engine loop, the progress line and the summary. */
#include "sim/run.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine/engine.h"
#include "hardware/catalog.h"
#include "output/trace_io.h"
#include "paleo_config.h"
#include "topology/generators.h"
#include "topology/network.h"
#include "workloads/collective.h"
#include "workloads/executor.h"
#include "workloads/footprint.h"
#include "workloads/planner.h"
#include "workloads/train.h"
#include "workloads/train_costs.h"

/* The simulated-time horizon: a run whose clock would pass 2^62 ns (146 years; absurd
 * device, link or net figures) stops there with an error. Every duration the models hand
 * the engine is at most 2^62 ns (flows; cost-model times at most 2^60), so no event time
 * below the horizon plus one duration wraps the 64-bit clock. */
#define RUN_HORIZON_NS ((PaleoTime)1 << 62)

/* Process-wide because signals are: a stop request (SIGINT/SIGTERM) stops the engine now
 * running, and one that comes during set-up (no engine yet) stops the run before its first
 * event and cuts set-up short. */
static PaleoEngine *volatile running_engine;
static volatile sig_atomic_t stop_pending;
static volatile sig_atomic_t in_setup;
static volatile sig_atomic_t stop_taken;

gboolean paleo_run_request_stop(void)
{
  stop_pending = 1;
  PaleoEngine *e = running_engine;
  if (e)
    paleo_engine_stop(e);
  return !in_setup && !e;
}

gboolean paleo_run_stop_taken(void)
{
  return stop_taken != 0;
}

gboolean paleo_run_stop_requested(void)
{
  return stop_pending != 0;
}

/* Everything a run holds; freed by run_clear. */
typedef struct {
  const PaleoScenario *sc;
  const PaleoCatalog *catalog;        /* the caller's, or own_catalog */
  PaleoCatalog *own_catalog;
  const PaleoDevice *device;
  PaleoLink link, intra_link, ps_link; /* copies with the scenario's latencies */
  PaleoLink socket_link, pcie_link;    /* intra_host = pcie-tree (sockets) / cube-mesh, nvswitch */
  PaleoLink flat_link, host_link;      /* closed forms: flat collectives, hierarchical's intra steps */
  PaleoNet *net;
  PaleoTrainCosts *costs, *costs_one;
  PaleoEngine *engine;
  PaleoTopology *topo;
  PaleoNetwork *network;
  PaleoTraceSink *sink;
  GError *sink_error;
  PaleoTrainer *trainer;
  uint32_t *worker_nodes, *server_nodes;
  PaleoStragglerModel *stragglers;
  uint32_t splits;     /* the net's model-parallel width */
  uint32_t per_stage;  /* K: devices per stage (the splits, or the tensor-parallel degree) */
  uint32_t replicas;   /* D = workers / (P x K) */
  uint32_t micro_batches; /* M per step */
  int64_t micro_batch; /* samples per micro-batch (the batch the costs are for) */
  PaleoCostOptions cost_options; /* what the costs were computed with */
  uint32_t lanes, copies; /* the symmetric shortcut: devices per simulated worker, replicas per simulated one */
  PaleoPlan plan;      /* the step's parallelism (stage cuts borrowed from the scenario) */
  gint64 wall_start_us;
  gboolean progress_shown;
} Run;

static void run_clear(Run *r)
{
  paleo_trainer_free(r->trainer);
  if (r->sink)
    paleo_trace_sink_free(r->sink);
  g_clear_error(&r->sink_error);
  paleo_network_free(r->network);
  paleo_topology_free(r->topo);
  if (r->engine)
    paleo_engine_free(r->engine);
  paleo_train_costs_free(r->costs);
  paleo_train_costs_free(r->costs_one);
  if (r->net)
    paleo_net_free(r->net);
  if (r->own_catalog)
    paleo_catalog_free(r->own_catalog);
  g_free(r->worker_nodes);
  g_free(r->server_nodes);
  paleo_straggler_model_free(r->stragglers);
}

/* Re-labels an error from another module as bad scenario input naming section.key. */
static gboolean scenario_fail(const PaleoScenario *sc, GError **error, GError *cause, const char *section,
                              const char *key)
{
  paleo_scenario_set_error(sc, error, PALEO_SCENARIO_ERROR_UNKNOWN, section, key, "%s", cause->message);
  g_error_free(cause);
  return FALSE;
}

static gboolean find_link(Run *r, const char *key, const char *name, double latency_us, PaleoLink *out,
                          GError **error)
{
  GError *local = NULL;
  const PaleoLink *l = paleo_catalog_link(r->catalog, name, &local);
  if (!l)
    return scenario_fail(r->sc, error, local, "cluster", key);
  *out = *l;
  out->latency_us = latency_us;
  return TRUE;
}

static gboolean resolve_hardware(Run *r, const PaleoCatalog *catalog, GError **error)
{
  const PaleoScenario *sc = r->sc;
  GError *local = NULL;
  r->catalog = catalog ? catalog : (r->own_catalog = paleo_catalog_load_default(&local));
  if (!r->catalog) {
    g_propagate_error(error, local);
    return FALSE;
  }
  r->device = paleo_catalog_device(r->catalog, sc->cluster.device, &local);
  if (!r->device)
    return scenario_fail(sc, error, local, "cluster", "device");
  const char *ps_link = *sc->cluster.ps_link ? sc->cluster.ps_link : sc->cluster.link;
  gboolean tree = sc->cluster.intra_host == PALEO_INTRA_PCIE_TREE, nvlink = sc->cluster.intra_host > PALEO_INTRA_PCIE_TREE;
  return find_link(r, "link", sc->cluster.link, sc->cluster.latency_us, &r->link, error) &&
         find_link(r, "intra_host_link", sc->cluster.intra_host_link, sc->cluster.intra_host_latency_us,
                   &r->intra_link, error) &&
         find_link(r, *sc->cluster.ps_link ? "ps_link" : "link", ps_link, sc->cluster.latency_us, &r->ps_link, error) &&
         (!tree || find_link(r, "socket_link", sc->cluster.socket_link, sc->cluster.intra_host_latency_us,
                             &r->socket_link, error)) &&
         (!nvlink || find_link(r, "pcie_link", sc->cluster.pcie_link, sc->cluster.intra_host_latency_us,
                               &r->pcie_link, error));
}

/* The layers a tensor-parallel degree splits must divide by it: heads, key/value heads
 * (or T a multiple of them: they are replicated), column outputs, row inputs. A
 * vocabulary-parallel output layer need not: its vocabulary is padded, as Megatron pads it. */
static gboolean feeds_cross_entropy(const PaleoNet *net, guint i)
{
  for (guint j = i + 1; j < net->layers->len; j++) {
    const PaleoLayer *l = paleo_net_layer(net, j);
    if (l->type == PALEO_LAYER_CROSS_ENTROPY && l->parents[0] == i)
      return TRUE;
  }
  return FALSE;
}

static gboolean check_tensor(Run *r, uint32_t T, GError **error)
{
  const PaleoNet *net = r->net;
  gboolean any = FALSE;
  for (guint i = 0; T > 1 && i < net->layers->len; i++) {
    const PaleoLayer *l = paleo_net_layer(net, i);
    int64_t bad = 0;
    const char *what = NULL;
    if (l->type == PALEO_LAYER_ATTENTION && l->tp == PALEO_TP_SPLIT && l->heads % T)
      bad = l->heads, what = "heads";
    else if (l->type == PALEO_LAYER_ATTENTION && l->tp == PALEO_TP_SPLIT && l->kv_heads % T && T % l->kv_heads)
      bad = l->kv_heads, what = "kv_heads (nor a divisor of it)";
    else if (l->tp == PALEO_TP_COLUMN && l->output.c % T && !feeds_cross_entropy(net, i))
      bad = l->output.c, what = "output features";
    else if (l->tp == PALEO_TP_ROW && l->input.c % T)
      bad = l->input.c, what = "input features";
    any = any || l->tp == PALEO_TP_COLUMN || l->tp == PALEO_TP_ROW;
    if (what) {
      paleo_scenario_set_error(r->sc, error, PALEO_SCENARIO_ERROR_RANGE, "parallelism", "tensor",
                               "layer '%s' has %" G_GINT64_FORMAT " %s, not a multiple of %u", l->name, bad, what, T);
      return FALSE;
    }
  }
  if (T > 1 && !any) {
    paleo_scenario_set_error(r->sc, error, PALEO_SCENARIO_ERROR_RANGE, "parallelism", "tensor",
                             "the net %s has no tensor-parallel layers (MatMul with \"tensor_parallel\": column or row)",
                             net->name);
    return FALSE;
  }
  return TRUE;
}

/* M and b from micro_batches and micro_batch: both given must agree. */
static gboolean size_micro_batches(Run *r, int64_t bpw, GError **error)
{
  const PaleoScenario *sc = r->sc;
  int64_t M = sc->parallelism.micro_batches, b = sc->parallelism.micro_batch;
  if (b > 0) {
    gboolean agree = bpw % b == 0 && (!sc->parallelism.micro_batches_given || bpw / b == M);
    if (!agree) {
      paleo_scenario_set_error(sc, error, PALEO_SCENARIO_ERROR_RANGE, "parallelism", "micro_batch",
                               "%" G_GINT64_FORMAT " samples per micro-batch %s the batch per replica %" G_GINT64_FORMAT
                               " (%u data-parallel replicas)%s", b, bpw % b ? "do not divide" : "disagree with",
                               bpw, r->replicas,
                               bpw % b ? "" : " split in micro_batches (give one of the two)");
      return FALSE;
    }
    M = bpw / b;
  } else if (bpw % M) {
    paleo_scenario_set_error(sc, error, PALEO_SCENARIO_ERROR_RANGE, "parallelism", "micro_batches",
                             "does not divide the batch per replica %" G_GINT64_FORMAT " (%u data-parallel replicas)",
                             bpw, r->replicas);
    return FALSE;
  }
  if (sc->parallelism.virtual_stages > 1 && M % sc->parallelism.pipeline) {
    paleo_scenario_set_error(sc, error, PALEO_SCENARIO_ERROR_RANGE, "parallelism", "virtual_stages",
                             "interleaving needs the %" G_GINT64_FORMAT " micro-batches to be a multiple of pipeline = %"
                             G_GINT64_FORMAT, M, sc->parallelism.pipeline);
    return FALSE;
  }
  r->micro_batches = (uint32_t)M;
  r->micro_batch = bpw / M;
  return TRUE;
}

/* The parallelism of a replica: K from the net or the tensor-parallel degree, D = workers /
 * (P x K), the micro-batches; anything that does not divide is bad input naming the numbers. */
static gboolean size_replicas(Run *r, int64_t *bpw_out, GError **error)
{
  const PaleoScenario *sc = r->sc;
  GError *local = NULL;
  if (!paleo_plan_net_splits(r->net, &r->splits, &local))
    return scenario_fail(sc, error, local, "workload", "net");
  if (!paleo_scenario_strategy(sc)->task_graph)
    r->splits = 1; /* the server strategies train whole replicas (no task graph) */
  uint32_t T = (uint32_t)sc->parallelism.tensor;
  if (T > 1 && r->splits > 1) {
    paleo_scenario_set_error(sc, error, PALEO_SCENARIO_ERROR_RANGE, "parallelism", "tensor",
                             "the net has ModelParallel blocks of %u splits: tensor parallelism and ModelParallel "
                             "blocks do not combine", r->splits);
    return FALSE;
  }
  if (!check_tensor(r, T, error))
    return FALSE;
  r->per_stage = MAX(r->splits, T);
  int64_t P = sc->parallelism.pipeline, per_replica = P * r->per_stage;
  if (sc->cluster.workers % per_replica) {
    paleo_scenario_set_error(sc, error, PALEO_SCENARIO_ERROR_RANGE, "cluster", "workers",
                             "not a multiple of pipeline %" G_GINT64_FORMAT " x %s %u = %" G_GINT64_FORMAT
                             " devices per data-parallel replica", P, T > 1 ? "tensor" : "model-parallel splits",
                             r->per_stage, per_replica);
    return FALSE;
  }
  r->replicas = (uint32_t)(sc->cluster.workers / per_replica);
  int64_t bpw = paleo_train_batch_per_worker(sc->workload.scaling, sc->workload.batch, r->replicas);
  if (!size_micro_batches(r, bpw, error))
    return FALSE;
  *bpw_out = bpw;
  return TRUE;
}

/* Hierarchical collectives reduce a stage's gradients among the same device of every
 * replica: those must fill hosts evenly. */
static gboolean check_hierarchical(Run *r, GError **error)
{
  const PaleoScenario *sc = r->sc;
  int64_t G = sc->cluster.gpus_per_host, per_replica = sc->cluster.workers / r->replicas;
  if (sc->training.collective != PALEO_COLLECTIVE_HIERARCHICAL || per_replica == 1 || G % per_replica == 0 ||
      per_replica % G == 0)
    return TRUE;
  paleo_scenario_set_error(sc, error, PALEO_SCENARIO_ERROR_RANGE, "cluster", "gpus_per_host",
                           "collective hierarchical: %" G_GINT64_FORMAT " devices per replica and %" G_GINT64_FORMAT
                           " per host: one must divide the other", per_replica, G);
  return FALSE;
}

/* The step's plan (the planner's input) from the scenario. */
static void make_plan(Run *r)
{
  const PaleoScenario *sc = r->sc;
  r->plan = (PaleoPlan){
    .stages = (uint32_t)sc->parallelism.pipeline, .micro_batches = r->micro_batches,
    .schedule = (PaleoPipeSchedule)sc->parallelism.schedule,
    .stage_first = sc->parallelism.stage_first->len ? (const uint32_t *)(void *)sc->parallelism.stage_first->data : NULL,
    .split_blocks = sc->parallelism.split_blocks, .splits = r->splits, .tensor = (uint32_t)sc->parallelism.tensor,
    .sequence_parallel = sc->parallelism.sequence_parallel && sc->parallelism.tensor > 1,
    .virtual_stages = (uint32_t)sc->parallelism.virtual_stages, .zero = (uint32_t)sc->parallelism.zero,
    .recompute = (PaleoRecompute)sc->parallelism.recompute, .replicas = r->replicas,
    .collective = sc->training.collective, .overlap = sc->training.overlap,
    .bucket_bytes = (uint64_t)llround(sc->training.bucket_mb * 1024 * 1024)};
}

/* The stage cuts against the net (the planner must not fail later). */
static gboolean check_stages(Run *r, GError **error)
{
  const PaleoScenario *sc = r->sc;
  g_autofree uint32_t *stage_of = g_new(uint32_t, r->costs->n_layers);
  GError *local = NULL;
  if (paleo_plan_stages(r->net, r->costs, &r->plan, stage_of, &local))
    return TRUE;
  paleo_scenario_set_error(sc, error, PALEO_SCENARIO_ERROR_RANGE, "parallelism",
                           r->plan.stage_first || r->plan.split_blocks ? "stage_split" : "pipeline", "%s", local->message);
  g_error_free(local);
  return FALSE;
}

static PaleoCostOptions cost_options(Run *r, int64_t batch)
{
  const PaleoScenario *sc = r->sc;
  PaleoCostOptions o;
  paleo_cost_options_init(&o);
  o.ppp_comp = sc->workload.ppp_comp;
  o.ppp_comm = sc->workload.ppp_comm;
  o.batch = batch;
  o.precision = (PaleoPrecision)sc->workload.precision;
  o.tensor = r->plan.tensor;
  o.sequence_parallel = r->plan.sequence_parallel;
  o.optimizer = (PaleoOptimizer)sc->training.optimizer;
  return o;
}

static gboolean load_workload(Run *r, int64_t *bpw_out, GError **error)
{
  const PaleoScenario *sc = r->sc;
  GError *local = NULL;
  r->net = paleo_net_load_named(sc->workload.net, 0, &local);
  if (!r->net)
    return scenario_fail(sc, error, local, "workload", "net");
  if (!size_replicas(r, bpw_out, error) || !check_hierarchical(r, error))
    return FALSE;
  make_plan(r);
  if (!paleo_net_set_batch(r->net, r->micro_batch, &local))
    return scenario_fail(sc, error, local, "workload", "batch");
  r->cost_options = cost_options(r, r->micro_batch);
  r->costs = paleo_train_costs_new_with(r->net, r->device, sc->workload.cost_model, &r->cost_options, &local);
  if (!r->costs)
    return scenario_fail(sc, error, local, "workload", "cost_model");
  if (!check_stages(r, error))
    return FALSE;
  if (sc->workload.batch == r->micro_batch && r->plan.tensor <= 1)
    return TRUE;
  /* the one-worker reference: the whole batch on one device, no tensor parallelism */
  PaleoCostOptions one = cost_options(r, sc->workload.batch);
  one.tensor = 1;
  one.sequence_parallel = FALSE;
  r->costs_one = paleo_train_costs_new_with(r->net, r->device, sc->workload.cost_model, &one, &local);
  if (!r->costs_one)
    return scenario_fail(sc, error, local, "workload", "cost_model");
  return TRUE;
}

/* ---- memory of the collectives ---- */

/* Flow-fidelity task-graph strategies keep, per collective in progress, a cursor over its
 * participants and its messages in flight (workloads/executor.c; schedules are generated
 * on demand, O(steps)). The step graph (one replica's, small) is planned and the
 * executor's need computed before anything big is built, against a budget that leaves a
 * 24 GiB machine room. */
#define SCHEDULE_LIMIT_GIB 8.0

static gboolean check_schedule_memory(Run *r, GError **error)
{
  const PaleoScenario *sc = r->sc;
  if (sc->training.fidelity != PALEO_FIDELITY_FLOW || !paleo_scenario_strategy(sc)->task_graph)
    return TRUE;
  g_autoptr(GError) local = NULL;
  g_autoptr(PaleoStepGraph) graph = paleo_plan_step(r->net, r->costs, &r->plan, &local);
  if (!graph) {
    paleo_scenario_set_error(sc, error, PALEO_SCENARIO_ERROR_RANGE, "parallelism", "pipeline", "%s", local->message);
    return FALSE;
  }
  PaleoTrainConfig cfg = {.workers = (uint32_t)sc->cluster.workers, .collective = sc->training.collective,
                          .fidelity = PALEO_FIDELITY_FLOW, .ps_servers = (uint32_t)sc->cluster.ps_count,
                          .ps_dedicated = sc->cluster.ps_placement == PALEO_PS_DEDICATED,
                          .gpus_per_host = (uint32_t)sc->cluster.gpus_per_host};
  uint64_t in_flight = 0;
  double gib = paleo_executor_flow_memory(graph, &cfg, &in_flight) / (1024.0 * 1024 * 1024);
  if (gib <= SCHEDULE_LIMIT_GIB)
    return TRUE;
  paleo_scenario_set_error(sc, error, PALEO_SCENARIO_ERROR_RANGE, "cluster", "workers",
                           "%u data-parallel replicas with collective %s in flow fidelity can have %.3g messages "
                           "in flight in %u collectives per step, about %.1f GiB of collective state: more than "
                           "paleosim's limit of %.0f GiB. Use fewer workers or parameter servers (cluster.ps_count), "
                           "fewer buckets (training.bucket_mb), or fidelity analytical",
                           r->replicas, paleo_collective_names[sc->training.collective], (double)in_flight,
                           graph->collectives->len, gib, SCHEDULE_LIMIT_GIB);
  return FALSE;
}

static double bytes_per_s(const PaleoLink *l, double ppp_comm)
{
  return l->gbps * 1e9 / 8 * ppp_comm;
}

static gboolean refined(const PaleoScenario *sc)
{
  return !g_ascii_strcasecmp(sc->workload.cost_model, "refined");
}

/* The factor every link bandwidth is scaled by: ppp_comm, and under the refined model
 * also the device profile's collective efficiency (achieved bus bandwidth / link). */
static double comm_scale(const Run *r)
{
  return r->sc->workload.ppp_comm * (refined(r->sc) ? r->device->profile.collective_eff : 1.0);
}

/* Gradients go through parameter servers: every strategy but sync, and sync with ps. */
static gboolean uses_ps(const PaleoScenario *sc)
{
  return paleo_scenario_strategy(sc)->servers || sc->training.collective == PALEO_COLLECTIVE_PS;
}

/* The links a [stragglers] degrade_link target names: a link, or every link of a node. */
static GArray *degrade_targets(const PaleoTopology *topo, const char *target)
{
  GArray *links = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  int64_t node = paleo_topology_find_node(topo, target);
  for (uint32_t i = 0; i < paleo_topology_n_links(topo); i++) {
    const PaleoTopoLink *l = paleo_topology_link(topo, i);
    if (!strcmp(l->name, target) || (node >= 0 && (l->src == (uint32_t)node || l->dst == (uint32_t)node)))
      g_array_append_val(links, i);
  }
  return links;
}

static gboolean schedule_degradations(Run *r, GError **error)
{
  const GArray *dg = r->sc->stragglers.degrades;
  for (guint i = 0; dg && i < dg->len; i++) {
    const PaleoLinkDegrade *d = &g_array_index(dg, PaleoLinkDegrade, i);
    g_autoptr(GArray) links = degrade_targets(r->topo, d->target);
    if (!links->len) {
      const PaleoTopoLink *l0 = paleo_topology_link(r->topo, 0);
      paleo_scenario_set_error(r->sc, error, PALEO_SCENARIO_ERROR_UNKNOWN, "stragglers", "degrade_link",
                               "no link or node named '%s' in the topology (a link is named like '%s', a node like "
                               "'w0'; a trace's link table lists them all)", d->target, l0->name);
      return FALSE;
    }
    for (guint k = 0; k < links->len; k++) {
      uint32_t id = g_array_index(links, uint32_t, k);
      double bw = paleo_topology_link(r->topo, id)->bw_bytes_per_s * d->factor;
      paleo_network_schedule_link_bandwidth(r->network, (PaleoTime)llround(d->at_ms * 1e6), id, bw);
    }
  }
  return TRUE;
}

/* Hosts of several GPUs (or topology = hierarchical) are built by the hierarchical
 * generator. */
static gboolean hierarchical(const PaleoScenario *sc)
{
  const char *topology = paleo_scenario_topology(sc);
  return !strcmp(topology, "hierarchical") || (sc->cluster.gpus_per_host > 1 && strcmp(topology, "file"));
}

/* The generator's parameters, every bandwidth scaled by comm_scale. */
static void topology_params(const Run *r, PaleoTopologyParams *p)
{
  const PaleoScenario *sc = r->sc;
  paleo_topology_params_init(p);
  gboolean hier = hierarchical(sc);
  const char *topology = paleo_scenario_topology(sc);
  g_free(p->generator);
  p->generator = g_strdup(hier ? "hierarchical" : topology);
  if (hier) {
    g_free(p->fabric);
    p->fabric = g_strdup(!strcmp(topology, "hierarchical") ? paleo_scenario_fabric(sc) : topology);
    p->intra = sc->cluster.intra_host;
    p->gpus_per_switch = (uint32_t)sc->cluster.gpus_per_switch;
    p->sockets = (uint32_t)sc->cluster.sockets;
    if (sc->cluster.intra_host == PALEO_INTRA_PCIE_TREE)
      p->socket_bw_bytes_per_s = bytes_per_s(&r->socket_link, comm_scale(r));
    if (sc->cluster.intra_host > PALEO_INTRA_PCIE_TREE)
      p->pcie_bw_bytes_per_s = bytes_per_s(&r->pcie_link, comm_scale(r));
  }
  uint32_t N = (uint32_t)sc->cluster.workers;
  p->workers = !strcmp(topology, "file") ? 0 : N;
  p->gpus_per_host = (uint32_t)sc->cluster.gpus_per_host;
  p->nics_per_host = (uint32_t)sc->cluster.nics_per_host;
  p->link_bw_bytes_per_s = bytes_per_s(&r->link, comm_scale(r));
  p->link_latency_ns = (uint64_t)llround(sc->cluster.latency_us * 1000);
  p->intra_bw_bytes_per_s = bytes_per_s(&r->intra_link, comm_scale(r));
  p->intra_latency_ns = (uint64_t)llround(sc->cluster.intra_host_latency_us * 1000);
  p->oversubscription = sc->cluster.oversubscription;
  p->radix = (uint32_t)sc->cluster.radix;
  gboolean dedicated = uses_ps(sc) && sc->cluster.ps_placement == PALEO_PS_DEDICATED;
  p->ps_count = dedicated ? (uint32_t)sc->cluster.ps_count : 0;
  int64_t d[3] = {0, 0, 0};
  if (*sc->cluster.dims && paleo_scenario_parse_dims(sc->cluster.dims, d)) /* validated when loaded */
    for (guint i = 0; i < 3; i++)
      p->dims[i] = (uint32_t)d[i];
  if (!strcmp(topology, "file"))
    p->file = g_strdup(sc->cluster.topology_file);
}

/* The links the closed forms use (analytical fidelity). Under paleo: PALEO's, the NIC
 * link for every flat collective and the intra-host link for the hierarchical one's host
 * steps. Under refined, with hosts of several GPUs, both see the intra-host structure
 * through its ring bottleneck (paleo_topology_intra_ring_bw): the hierarchical
 * collective's host steps run at it, and a flat collective (whose rank-order ring or tree
 * crosses each NIC once per direction) at the slower of it and the NIC, or at it alone
 * when every worker is in one host. */
static void closed_form_links(Run *r)
{
  const PaleoScenario *sc = r->sc;
  r->flat_link = r->link;
  r->host_link = r->intra_link;
  if (!refined(sc) || !hierarchical(sc) || sc->cluster.gpus_per_host < 2)
    return;
  PaleoTopologyParams p;
  topology_params(r, &p);
  double gbps = paleo_topology_intra_ring_bw(&p) * 8 / 1e9 / comm_scale(r);
  paleo_topology_params_clear(&p);
  r->host_link.gbps = gbps;
  if (paleo_scenario_hosts(sc) > 1) {
    r->flat_link.gbps = MIN(r->link.gbps, gbps);
  } else {
    r->flat_link.gbps = gbps;
    r->flat_link.latency_us = 2 * r->intra_link.latency_us; /* GPU -> host (or switch) -> GPU */
  }
}

static gboolean build_topology(Run *r, GError **error)
{
  const PaleoScenario *sc = r->sc;
  PaleoTopologyParams p;
  topology_params(r, &p);
  uint32_t N = (uint32_t)sc->cluster.workers;
  gboolean file = !strcmp(paleo_scenario_topology(sc), "file");
  gboolean dedicated = uses_ps(sc) && sc->cluster.ps_placement == PALEO_PS_DEDICATED;
  GError *local = NULL;
  r->topo = paleo_topology_generate(&p, &local);
  paleo_topology_params_clear(&p);
  if (!r->topo)
    return scenario_fail(sc, error, local, "cluster", file ? "topology_file" : "topology");
  if (paleo_topology_n_workers(r->topo) < N) {
    paleo_scenario_set_error(sc, error, PALEO_SCENARIO_ERROR_RANGE, "cluster", "workers",
                             "more workers than the topology has accelerators (%u)", paleo_topology_n_workers(r->topo));
    return FALSE;
  }
  r->worker_nodes = g_new(uint32_t, N);
  for (uint32_t w = 0; w < N; w++)
    r->worker_nodes[w] = paleo_topology_worker_node(r->topo, w);
  if (dedicated) {
    r->server_nodes = g_new(uint32_t, sc->cluster.ps_count);
    for (uint32_t j = 0; j < sc->cluster.ps_count; j++)
      r->server_nodes[j] = paleo_topology_ps_node(r->topo, j);
  }
  r->network = paleo_network_new(r->engine, r->topo, PALEO_NET_FLOW);
  paleo_network_set_solve_quantum(r->network, (PaleoTime)llround(sc->training.solve_quantum_us * 1000));
  paleo_network_set_aggregation(r->network, sc->training.aggregate);
  return schedule_degradations(r, error);
}

/* ---- trace ---- */

/* After a failed write the file is closed as "failed" (still a readable file). */
static gboolean sink_ok(Run *r, gboolean ok)
{
  if (!ok && r->sink) {
    paleo_trace_sink_close(r->sink, "failed", NULL);
    paleo_trace_sink_free(r->sink);
    r->sink = NULL;
  }
  return ok;
}

static void usage_hook(const PaleoLinkUsageRecord *rec, void *user_data)
{
  Run *r = user_data;
  if (r->sink && !r->sink_error && !r->sink->ops->link_usage(r->sink, rec, &r->sink_error))
    paleo_engine_stop(r->engine);
}

static gboolean trace_static(Run *r, GError **error)
{
  PaleoTraceSink *k = r->sink;
  PaleoRunMeta meta = {r->sc->name, r->sc->text, r->sc->training.seed, PALEO_VERSION, (int64_t)(g_get_real_time() / G_USEC_PER_SEC)};
  if (!k->ops->begin(k, &meta, error))
    return FALSE;
  for (uint32_t i = 0; r->topo && i < paleo_topology_n_nodes(r->topo); i++) {
    const PaleoNode *n = paleo_topology_node(r->topo, i);
    PaleoEntityRecord e = {i, n->kind, n->host, n->kind == PALEO_ENTITY_WORKER ? n->rank : -1, n->name};
    if (!k->ops->entity(k, &e, error))
      return FALSE;
  }
  if (!r->topo) /* analytical: workers only */
    for (uint32_t w = 0; w < r->sc->cluster.workers; w++) {
      g_autofree char *name = g_strdup_printf("w%u", w);
      PaleoEntityRecord e = {w, PALEO_ENTITY_WORKER, -1, (int32_t)w, name};
      if (!k->ops->entity(k, &e, error))
        return FALSE;
    }
  for (uint32_t i = 0; r->topo && i < paleo_topology_n_links(r->topo); i++) {
    const PaleoTopoLink *l = paleo_topology_link(r->topo, i);
    PaleoLinkRecord lr = {i, l->src, l->dst, l->bw_bytes_per_s, l->latency_ns, l->name};
    if (!k->ops->link(k, &lr, error))
      return FALSE;
  }
  for (guint i = 0; i < r->net->layers->len; i++) {
    const PaleoLayer *l = paleo_net_layer(r->net, i);
    PaleoLayerRecord lr = {i, l->name, l->type_name};
    if (!k->ops->layer(k, &lr, error))
      return FALSE;
  }
  if (r->network && k->level >= PALEO_TRACE_LEVEL_ALL)
    paleo_network_set_usage_hook(r->network, usage_hook, r);
  return TRUE;
}

static gboolean open_trace(Run *r, GError **error)
{
  const PaleoScenario *sc = r->sc;
  if (!*sc->output.trace)
    return TRUE;
  r->sink = paleo_trace_sink_open(sc->output.trace, paleo_scenario_trace_format(sc), (PaleoTraceLevel)sc->output.trace_level,
                                  (int)sc->output.compression, error);
  return r->sink && sink_ok(r, trace_static(r, error));
}

/* ---- progress ---- */

static void progress(PaleoEngine *engine, PaleoTime now, uint64_t events, void *user_data)
{
  (void)engine;
  Run *r = user_data;
  double wall = (g_get_monotonic_time() - r->wall_start_us) / 1e6;
  if (wall < 1.0)
    return;
  const PaleoTrainStats *st = paleo_trainer_stats(r->trainer);
  fprintf(stderr, "\r[paleosim] iteration %u/%" G_GINT64_FORMAT "  updates %" G_GUINT64_FORMAT "  simulated %.1f ms  %" G_GUINT64_FORMAT
          " events  %.1f s", st->iterations_done, r->sc->training.iterations, st->updates, now / 1e6, events, wall);
  fflush(stderr);
  r->progress_shown = TRUE;
}

/* ---- the symmetric shortcut ---- */

/* Analytical fidelity without perturbations or a trace: the replicas of a transformer net
 * are identical, and so are a stage's tensor-parallel ranks, so one of each is simulated
 * (executor.h; the collectives keep every real participant). */
static gboolean symmetric(const Run *r)
{
  const PaleoScenario *sc = r->sc;
  g_autofree int32_t *block = g_new(int32_t, MAX(r->net->layers->len, 1));
  return sc->training.fidelity == PALEO_FIDELITY_ANALYTICAL && paleo_scenario_strategy(sc)->task_graph &&
         !*sc->output.trace && sc->stragglers.noise == PALEO_NOISE_NONE && sc->stragglers.pause_every_ms <= 0 &&
         !*sc->stragglers.fail && !*sc->cluster.slowdown && !*sc->stragglers.degrade_link &&
         paleo_plan_blocks(r->net, block) > 0;
}

/* The simulated worker a real one mirrors: rank (r D + l) lanes + k is (r mod R') D' + l. */
static uint32_t mirrored_worker(const Run *r, uint32_t w)
{
  uint32_t lanes = r->lanes, D = r->plan.stages * paleo_plan_devices_per_stage(&r->plan);
  uint32_t device = w / lanes, replica = device / D;
  return (r->copies > 1 ? 0 : replica) * D + device % D;
}

#define EXPAND(field, type)                                                      \
  do {                                                                           \
    if (st->field) {                                                             \
      type *v = g_new(type, N);                                                  \
      for (uint32_t w = 0; w < N; w++)                                           \
        v[w] = st->field[mirrored_worker(r, w)];                                 \
      out->field = v;                                                            \
    }                                                                            \
  } while (0)

/* The trainer's statistics over every real worker (a copy; free with stats_free). */
static PaleoTrainStats *expanded_stats(const Run *r, const PaleoTrainStats *st)
{
  PaleoTrainStats *out = g_new(PaleoTrainStats, 1);
  *out = *st;
  uint32_t N = (uint32_t)r->sc->cluster.workers;
  out->workers = N;
  out->devices_per_replica = st->devices_per_replica * r->lanes;
  EXPAND(worker_iterations, uint32_t);
  EXPAND(stretched_ns, uint64_t);
  EXPAND(nominal_ns, uint64_t);
  EXPAND(failed_at_ns, uint64_t);
  EXPAND(compute_ns, uint64_t);
  EXPAND(comm_ns, uint64_t);
  EXPAND(hidden_ns, uint64_t);
  EXPAND(exposed_ns, uint64_t);
  EXPAND(wait_ns, uint64_t);
  EXPAND(stage_of, uint32_t);
  EXPAND(pass_busy_ns, uint64_t);
  EXPAND(peak_in_flight, uint32_t);
  return out;
}
#undef EXPAND

static void stats_free(PaleoTrainStats *st)
{
  g_free(st->worker_iterations);
  g_free(st->stretched_ns);
  g_free(st->nominal_ns);
  g_free(st->failed_at_ns);
  g_free(st->compute_ns);
  g_free(st->comm_ns);
  g_free(st->hidden_ns);
  g_free(st->exposed_ns);
  g_free(st->wait_ns);
  g_free(st->stage_of);
  g_free(st->pass_busy_ns);
  g_free(st->peak_in_flight);
  g_free(st);
}

/* ---- FLOPs and memory ---- */

static void memory_of(const Run *r, PaleoMemory *out)
{
  g_autofree uint32_t *chunk_of = g_new(uint32_t, r->costs->n_layers);
  gboolean ok = paleo_plan_stages(r->net, r->costs, &r->plan, chunk_of, NULL);
  g_assert(ok); /* checked by check_stages */
  PaleoMemoryInput in = {.net = r->net, .costs = r->costs, .plan = &r->plan, .chunk_of = chunk_of,
                         .data_parallel = r->replicas, .optimizer = (PaleoOptimizer)r->sc->training.optimizer,
                         .weight_bytes = r->costs->bytes_per_element, .options = &r->cost_options,
                         .capacity_gib = r->device->mem_gib};
  paleo_memory_estimate(&in, out);
}

char *paleo_run_memory_text(const PaleoMemory *m)
{
  const double gib = 1024.0 * 1024 * 1024;
  return g_strdup_printf("weights %.2f + gradients %.2f + optimizer %.2f + activations %.2f (%u micro-batch "
                         "pass%s in flight) + workspace %.2f = %.2f GiB on a stage-%u device; capacity %.2f GiB",
                         m->weights / gib, m->gradients / gib, m->optimizer / gib, m->activations / gib, m->in_flight,
                         m->in_flight == 1 ? "" : "es",
                         m->workspace / gib, m->total / gib, m->stage, m->capacity / gib);
}

/* The configuration must fit in the devices' memory (unless allowed not to). Enforced for
 * nets with transformer blocks, where the activation model is Korthikanti et al.'s; for the
 * others the estimate (every layer's output kept) is reported only: PALEO's case studies
 * use batches (Inception v3 at 256 per K40) no framework could hold, and paleosim keeps
 * reproducing them. */
static gboolean check_memory(Run *r, const PaleoRunOptions *options, PaleoMemory *m, GError **error)
{
  memory_of(r, m);
  g_autofree int32_t *block = g_new(int32_t, MAX(r->net->layers->len, 1));
  gboolean enforced = paleo_plan_blocks(r->net, block) > 0;
  if (m->fits || !enforced || (options && options->allow_oom)) /* fits: also when the catalog gives no capacity */
    return TRUE;
  g_autofree char *text = paleo_run_memory_text(m);
  g_set_error(error, PALEO_SCENARIO_ERROR, PALEO_SCENARIO_ERROR_MEMORY,
              "%s: does not fit in the memory of %s: %s (--allow-oom runs it anyway)", r->sc->path, r->device->name,
              text);
  return FALSE;
}

/* Peak FLOP/s of one device at the run's precision (the refined model's math path; the
 * paleo model's FP32 peak). */
static double device_peak_flops(const Run *r)
{
  PaleoMath math;
  if (refined(r->sc) && paleo_math_init(&math, r->device, (PaleoPrecision)r->sc->workload.precision, NULL))
    return math.peak_flops * MAX(r->device->dies, 1);
  return r->device->peak_gflops * 1e9;
}

/* The net's sequence length: its first sequence layer's, 0 without one. */
static double sequence_length(const PaleoNet *net)
{
  for (guint i = 0; i < net->layers->len; i++) {
    const PaleoLayer *l = paleo_net_layer(net, i);
    if (l->output_rank == 3)
      return (double)l->output.h;
  }
  return 0;
}

static void summarize_flops(const Run *r, PaleoRunSummary *out, double iteration_s)
{
  const PaleoScenario *sc = r->sc;
  int64_t samples = paleo_train_effective_batch(sc->workload.scaling, sc->workload.batch, r->replicas);
  PaleoStepFlops f = paleo_step_flops(r->net, r->plan.recompute, samples);
  double devices = (double)sc->cluster.workers, peak = device_peak_flops(r);
  out->model_flops_per_iteration = f.model;
  out->hardware_flops_per_iteration = f.hardware;
  out->peak_tflops = peak / 1e12;
  if (iteration_s <= 0)
    return;
  out->tflops_per_device = f.hardware / iteration_s / devices / 1e12;
  out->mfu = f.model / iteration_s / devices / peak;
  out->hfu = f.hardware / iteration_s / devices / peak;
  out->tokens_per_s = (double)samples * sequence_length(r->net) / iteration_s;
}

gboolean paleo_run_memory(const PaleoScenario *sc, const PaleoCatalog *catalog, PaleoMemory *out, GError **error)
{
  Run r = {.sc = sc};
  int64_t bpw = 0;
  gboolean ok = resolve_hardware(&r, catalog, error) && load_workload(&r, &bpw, error);
  if (ok)
    memory_of(&r, out);
  run_clear(&r);
  return ok;
}

/* ---- summary ---- */

static int double_cmp(gconstpointer a, gconstpointer b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static int link_cmp(gconstpointer a, gconstpointer b)
{
  const PaleoRunLink *x = a, *y = b;
  if (x->utilization != y->utilization)
    return x->utilization > y->utilization ? -1 : 1;
  return strcmp(x->name, y->name);
}

double paleo_run_percentile(const double *v, guint n, double q)
{
  guint k = (guint)ceil(q * n);
  return v[k ? k - 1 : 0];
}

static void summarize_links(Run *r, PaleoRunSummary *out, double makespan_s)
{
  GArray *all = g_array_new(FALSE, FALSE, sizeof(PaleoRunLink));
  for (uint32_t i = 0; r->network && makespan_s > 0 && i < paleo_topology_n_links(r->topo); i++) {
    PaleoLinkStats ls;
    paleo_network_link_stats(r->network, i, &ls);
    const PaleoTopoLink *l = paleo_topology_link(r->topo, i);
    if (!ls.bytes_carried)
      continue;
    PaleoRunLink rl = {(char *)l->name, MIN(1.0, ls.bytes_carried / (l->bw_bytes_per_s * makespan_s))};
    g_array_append_val(all, rl);
  }
  g_array_sort(all, link_cmp);
  for (guint i = 0; i < all->len && i < 10; i++) {
    PaleoRunLink rl = g_array_index(all, PaleoRunLink, i);
    rl.name = g_strdup(rl.name);
    g_array_append_val(out->links, rl);
  }
  g_array_free(all, TRUE);
}

/* Iteration time statistics: sync and backup from the global iteration ends, async-ps
 * and ssp from every worker iteration. */
static void summarize_iterations(const PaleoTrainStats *st, gboolean global, PaleoRunSummary *out)
{
  uint32_t I = st->iterations_done;
  guint n = global ? I : st->worker_iteration_ns->len;
  if (!n)
    return;
  g_autofree double *d = g_new(double, n);
  double sum = 0;
  for (guint i = 0; i < n; i++) {
    d[i] = global ? (st->iteration_end_ns[i] - (i ? st->iteration_end_ns[i - 1] : 0)) / 1e6
                  : g_array_index(st->worker_iteration_ns, uint64_t, i) / 1e6;
    sum += d[i];
  }
  qsort(d, n, sizeof(double), double_cmp);
  out->iteration_mean_ms = sum / n;
  out->iteration_p50_ms = paleo_run_percentile(d, n, 0.5);
  out->iteration_p99_ms = paleo_run_percentile(d, n, 0.99);
}

/* Nearest-rank percentile of a histogram of counts per value. */
static double histogram_percentile(const GArray *hist, uint64_t total, double q)
{
  uint64_t rank = (uint64_t)ceil(q * (double)total), seen = 0;
  for (guint v = 0; v < hist->len; v++) {
    seen += g_array_index(hist, uint64_t, v);
    if (seen >= MAX(rank, 1))
      return v;
  }
  return hist->len ? hist->len - 1 : 0;
}

static void summarize_staleness(const PaleoTrainStats *st, PaleoRunSummary *out)
{
  uint64_t total = 0;
  double sum = 0;
  for (guint v = 0; v < st->staleness->len; v++) {
    uint64_t c = g_array_index(st->staleness, uint64_t, v);
    total += c;
    sum += (double)c * v;
    if (c)
      out->staleness.max = v;
  }
  if (!total)
    return;
  out->staleness.mean = sum / (double)total;
  out->staleness.p50 = histogram_percentile(st->staleness, total, 0.5);
  out->staleness.p99 = histogram_percentile(st->staleness, total, 0.99);
}

static void summarize_workers(const PaleoTrainStats *st, PaleoRunSummary *out)
{
  for (uint32_t w = 0; w < st->workers; w++) {
    PaleoRunWorker rw = {w, st->nominal_ns[w] ? (double)st->stretched_ns[w] / (double)st->nominal_ns[w] : 1.0,
                         st->worker_iterations[w],
                         st->failed_at_ns[w] == PALEO_NEVER_NS ? -1.0 : st->failed_at_ns[w] / 1e6};
    g_array_append_val(out->workers_detail, rw);
  }
}

/* async-ps, ssp: the gradients every worker still alive contributed. */
static uint32_t least_live_iterations(const PaleoTrainStats *st)
{
  uint32_t least = G_MAXUINT32;
  for (uint32_t w = 0; w < st->workers; w++)
    if (st->failed_at_ns[w] == PALEO_NEVER_NS)
      least = MIN(least, st->worker_iterations[w]);
  return least == G_MAXUINT32 ? 0 : least;
}

/* The step's parallelism and, per pipeline stage, compute, bubble and micro-batches in
 * flight (task-graph strategies; the others report one stage without a bubble). */
static void summarize_parallelism(Run *r, const PaleoTrainStats *st, PaleoRunSummary *out)
{
  const PaleoScenario *sc = r->sc;
  out->planner = paleo_planner_for(&r->plan, r->replicas)->name;
  out->data_parallel = r->replicas;
  out->pipeline = r->plan.stages;
  out->model_parallel = r->splits;
  out->tensor = MAX(r->plan.tensor, 1);
  out->sequence_parallel = r->plan.sequence_parallel;
  out->virtual_stages = MAX(r->plan.virtual_stages, 1);
  out->zero = r->plan.zero;
  out->recompute = paleo_recompute_names[r->plan.recompute];
  out->micro_batches = r->plan.micro_batches;
  out->micro_batch = r->micro_batch;
  out->schedule = sc->parallelism.virtual_stages > 1 ? "interleaved-1f1b" : paleo_pipe_schedule_names[sc->parallelism.schedule];
  uint32_t P = st->stages ? st->stages : 1, N = st->workers, done = st->iterations_done;
  double busy_all = 0;
  for (uint32_t s = 0; s < P; s++) {
    PaleoRunStage rs = {.stage = s};
    double busy = 0, comp = 0;
    for (uint32_t w = 0; w < N; w++) {
      if ((st->stage_of ? st->stage_of[w] : 0) != s)
        continue;
      rs.devices++;
      comp += st->compute_ns[w];
      busy += st->pass_busy_ns ? st->pass_busy_ns[w] : 0;
      rs.peak_in_flight = MAX(rs.peak_in_flight, st->peak_in_flight ? st->peak_in_flight[w] : 1);
    }
    if (rs.devices && done)
      rs.compute_ms = comp / rs.devices / done / 1e6;
    if (rs.devices && st->window_ns)
      rs.bubble_fraction = MAX(0.0, 1.0 - busy / rs.devices / (double)st->window_ns);
    busy_all += busy;
    g_array_append_val(out->stages, rs);
  }
  if (st->window_ns && N)
    out->bubble_fraction = MAX(0.0, 1.0 - busy_all / N / (double)st->window_ns);
}

static void summarize(Run *r, PaleoRunSummary *out, int64_t bpw)
{
  const PaleoScenario *sc = r->sc;
  PaleoTrainStats *all = r->lanes * r->copies > 1 ? expanded_stats(r, paleo_trainer_stats(r->trainer)) : NULL;
  const PaleoTrainStats *st = all ? all : paleo_trainer_stats(r->trainer);
  gboolean sync = !paleo_scenario_strategy(sc)->servers;
  gboolean async = paleo_scenario_strategy(sc)->asynchronous;
  uint32_t N = st->workers, I = async ? least_live_iterations(st) : st->iterations_done;
  out->iterations = I;
  out->buckets = st->n_buckets;
  out->flows = st->flows;
  if (r->network) {
    out->peak_flows_in_flight = paleo_network_stats(r->network)->peak_in_flight;
    out->network_bytes = paleo_network_memory_bytes(r->network);
  }
  out->events = paleo_engine_events_processed(r->engine);
  out->updates = st->updates;
  out->dropped_gradients = st->dropped_gradients;
  out->has_staleness = async && st->updates > 0;
  summarize_staleness(st, out);
  summarize_workers(st, out);
  summarize_iterations(st, !async, out);
  double makespan_s = st->makespan_ns / 1e9;
  if (st->updates && makespan_s > 0) {
    double samples = sync ? (double)paleo_train_effective_batch(sc->workload.scaling, sc->workload.batch, r->replicas)
                          : (double)st->gradients_per_update * (double)bpw;
    out->updates_per_s = st->updates / makespan_s;
    out->throughput_samples_per_s = samples * out->updates_per_s;
    if (sync)
      out->speedup = paleo_train_speedup(sc->workload.scaling, r->replicas, out->one_worker_ms,
                                         st->makespan_ns / 1e6 / I);
    else /* against one worker training alone, in samples/s */
      out->speedup = out->throughput_samples_per_s * out->one_worker_ms / 1e3 / (double)sc->workload.batch;
  }
  double comp = 0, comm = 0, hidden = 0, exposed = 0, wait = 0;
  for (uint32_t w = 0; w < N; w++) {
    comp += st->compute_ns[w];
    comm += st->comm_ns[w];
    hidden += st->hidden_ns[w];
    exposed += st->exposed_ns[w];
    wait += st->wait_ns[w];
  }
  /* per worker iteration: sync/backup N x I of them, async-ps/ssp every one finished */
  double finished = async ? st->worker_iteration_ns->len : (double)N * I;
  if (finished) { /* else no per-iteration figures: they stay 0 */
    out->compute_ms = comp / (1e6 * finished);
    out->comm_ms = comm / (1e6 * finished);
    out->comm_exposed_ms = exposed / (1e6 * finished);
    out->wait_ms = wait / (1e6 * finished);
  }
  out->overlap_fraction = comm > 0 ? hidden / comm : 0;
  out->batch_per_worker = bpw;
  out->params = r->net->params;
  summarize_links(r, out, st->makespan_ns / 1e9);
  summarize_parallelism(r, st, out);
  summarize_flops(r, out, sync && I ? st->makespan_ns / 1e9 / I : 0);
  if (all)
    stats_free(all);
}

/* ---- the run ---- */

static PaleoTrainConfig train_config(Run *r)
{
  const PaleoScenario *sc = r->sc;
  gboolean sym = symmetric(r);
  r->lanes = sym && r->plan.tensor > 1 ? r->plan.tensor : 1;
  r->copies = sym ? r->replicas : 1;
  r->plan.tensor_lanes = r->lanes > 1;
  uint32_t N = (uint32_t)sc->cluster.workers / r->lanes / r->copies;
  r->stragglers = paleo_scenario_straggler_model(sc);
  return (PaleoTrainConfig){
    .workers = N,
    .iterations = (uint32_t)sc->training.iterations,
    .collective = sc->training.collective,
    .fidelity = sc->training.fidelity,
    .overlap = sc->training.overlap,
    .bucket_bytes = (uint64_t)llround(sc->training.bucket_mb * 1024 * 1024),
    .ps_servers = (uint32_t)sc->cluster.ps_count,
    .ps_dedicated = sc->cluster.ps_placement == PALEO_PS_DEDICATED,
    .gpus_per_host = (uint32_t)sc->cluster.gpus_per_host,
    .links = {&r->flat_link, &r->host_link, comm_scale(r), TRUE},
    .ps_link = &r->ps_link,
    .ps_message_ns = refined(sc) ? (uint64_t)llround(r->device->profile.ps_message_us * 1000) : 0,
    .ssp_bound = (uint32_t)sc->training.ssp_bound,
    .backup_workers = (uint32_t)sc->training.backup_workers,
    .stragglers = sym ? NULL : r->stragglers, /* the shortcut runs only without perturbations */
    .worker_nodes = r->worker_nodes,
    .server_nodes = r->server_nodes,
    .sink = r->sink,
    .net = r->net,
    .stages = r->plan.stages,
    .micro_batches = r->plan.micro_batches,
    .splits = r->splits,
    .schedule = r->plan.schedule,
    .stage_first = r->plan.stage_first,
    .split_blocks = r->plan.split_blocks,
    .tensor = r->plan.tensor,
    .sequence_parallel = r->plan.sequence_parallel,
    .virtual_stages = r->plan.virtual_stages,
    .zero = r->plan.zero,
    .recompute = r->plan.recompute,
    .lanes = r->lanes,
    .replica_copies = r->copies,
  };
}

/* The 1-worker iteration, computed the way the run computes: compute plus, in analytical
 * fidelity, the collective's closed form at N = 1 (PALEO charges butterfly-mixing). */
static double one_worker_ms(Run *r, const PaleoTrainConfig *cfg)
{
  const PaleoTrainCosts *c = r->costs_one ? r->costs_one : r->costs;
  double t = (double)(c->update_ns + 0) / 1e6;
  for (guint i = 0; i < c->n_layers; i++)
    t += (c->fwd_ns[i] + c->bwd_ns[i]) / 1e6;
  if (cfg->fidelity == PALEO_FIDELITY_ANALYTICAL && c->total_grad_bytes) {
    PaleoCollectiveSpec one = {.kind = cfg->collective, .workers = 1, .bytes = c->total_grad_bytes,
                               .ps_servers = 1, .gpus_per_host = 1};
    t += paleo_collective_time_ns(&one, &cfg->links) / 1e6;
  }
  return t;
}

static gboolean finish_trace(Run *r, gboolean interrupted, GError **error)
{
  if (!r->sink)
    return TRUE;
  GError *train_err = NULL;
  gboolean ok = paleo_trainer_trace_status(r->trainer, &train_err);
  if (!ok || r->sink_error) {
    GError *e = train_err ? train_err : g_error_copy(r->sink_error);
    paleo_trace_sink_close(r->sink, "failed", NULL);
    g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_IO, "trace %s: %s", r->sc->output.trace, e->message);
    g_error_free(e);
    return FALSE;
  }
  return paleo_trace_sink_close(r->sink, interrupted ? "interrupted" : "complete", error);
}

gboolean paleo_run_scenario(const PaleoScenario *sc, const PaleoRunOptions *options, PaleoRunSummary *out,
                            GError **error)
{
  memset(out, 0, sizeof(*out));
  out->links = g_array_new(FALSE, FALSE, sizeof(PaleoRunLink));
  out->stages = g_array_new(FALSE, FALSE, sizeof(PaleoRunStage));
  out->workers_detail = g_array_new(FALSE, FALSE, sizeof(PaleoRunWorker));
  out->strategy = paleo_scenario_strategy(sc)->name;
  out->workers = (uint32_t)sc->cluster.workers;
  Run r = {.sc = sc, .wall_start_us = g_get_monotonic_time()};
  in_setup = 1;
  int64_t bpw = 0;
  gboolean ok = resolve_hardware(&r, options ? options->catalog : NULL, error) && load_workload(&r, &bpw, error) &&
                check_memory(&r, options, &out->memory, error) && check_schedule_memory(&r, error);
  if (ok)
    closed_form_links(&r);
  if (ok) {
    r.engine = paleo_engine_new(sc->training.seed);
    ok = (sc->training.fidelity == PALEO_FIDELITY_ANALYTICAL || build_topology(&r, error)) && open_trace(&r, error);
  }
  if (!ok) {
    in_setup = 0;
    run_clear(&r);
    return FALSE;
  }
  PaleoTrainConfig cfg = train_config(&r);
  out->one_worker_ms = one_worker_ms(&r, &cfg);
  const PaleoStrategy *strategy = paleo_scenario_strategy(sc);
  r.trainer = strategy->create(r.engine, r.network, r.costs, &cfg);
  if (options && options->progress && isatty(STDERR_FILENO))
    paleo_engine_set_progress(r.engine, progress, &r, 200000);
  running_engine = r.engine;
  in_setup = 0;
  if (stop_pending) /* a signal during set-up: stop before the first event */
    paleo_engine_stop(r.engine);
  PaleoStopReason reason = paleo_engine_run(r.engine, &(PaleoRunLimits){.until = RUN_HORIZON_NS});
  running_engine = NULL;
  if (stop_pending)
    stop_taken = 1;
  /* An empty queue before the target is a failed worker blocking the others (anything
   * else would be a deadlock in the trainer). */
  const PaleoTrainStats *st = paleo_trainer_stats(r.trainer);
  out->stalled = reason == PALEO_STOP_DONE && !st->complete;
  g_assert(!out->stalled || paleo_straggler_any_failure(r.stragglers));
  out->stalled_at_ms = st->last_active_ns / 1e6;
  paleo_engine_finish(r.engine);
  if (r.progress_shown)
    fprintf(stderr, "\n");
  if (r.network)
    paleo_network_flush_usage(r.network);
  out->interrupted = reason == PALEO_STOP_REQUESTED && !st->complete && !r.sink_error &&
                     paleo_trainer_trace_status(r.trainer, NULL);
  gboolean past_horizon = reason == PALEO_STOP_TIME && !st->complete;
  ok = finish_trace(&r, (reason == PALEO_STOP_REQUESTED || past_horizon) && !st->complete, error);
  if (ok && past_horizon) {
    paleo_scenario_set_error(sc, error, PALEO_SCENARIO_ERROR_RANGE, "training", "iterations",
                             "the simulated clock passed %.0f years after %u of %" G_GINT64_FORMAT
                             " iterations: check the device, link and net figures", RUN_HORIZON_NS / 3.15576e16,
                             st->iterations_done, sc->training.iterations);
    ok = FALSE;
  }
  summarize(&r, out, bpw);
  out->wall_s = (g_get_monotonic_time() - r.wall_start_us) / 1e6;
  run_clear(&r);
  return ok;
}

void paleo_run_summary_clear(PaleoRunSummary *s)
{
  if (s->stages)
    g_array_free(s->stages, TRUE);
  s->stages = NULL;
  if (s->workers_detail)
    g_array_free(s->workers_detail, TRUE);
  s->workers_detail = NULL;
  if (!s->links)
    return;
  for (guint i = 0; i < s->links->len; i++)
    g_free(g_array_index(s->links, PaleoRunLink, i).name);
  g_array_free(s->links, TRUE);
  s->links = NULL;
}
