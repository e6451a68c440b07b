/* Scenario files: one table of keys drives parsing, defaults, range checks, --set
 * overrides and the key reference printed by `paleosim run --keys`. */
#include "sim/scenario.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "engine/trace.h"
#include "hardware/config_dir.h"
#include "hardware/kernel.h"
#include "output/trace_io.h"
#include "topology/generators.h"
#include "workloads/collective.h"
#include "workloads/cost.h"
#include "workloads/planner.h"

G_DEFINE_QUARK(paleo-scenario-error-quark, paleo_scenario_error)

static const char *const scaling_names[] = {"weak", "strong", NULL}; /* PaleoScaling order */
const char *const paleo_ps_placement_names[] = {"colocated", "dedicated", NULL};
const char *const paleo_trace_level_names[] = {"iterations", "tasks", "flows", "all", NULL};

/* Choice keys list their names through a function: the i-th name, NULL past the end. The
 * names of strategies, topologies, fabrics, collectives, precisions and trace formats are
 * their registries' (never a copy kept here). */
#define LIST_CHOICE(fn, names) \
  static const char *fn(int i) { return (names)[i]; }
LIST_CHOICE(scaling_choice, scaling_names)
LIST_CHOICE(ps_placement_choice, paleo_ps_placement_names)
LIST_CHOICE(trace_level_choice, paleo_trace_level_names)
LIST_CHOICE(collective_choice, paleo_collective_names)
LIST_CHOICE(fidelity_choice, paleo_fidelity_names)
LIST_CHOICE(noise_choice, paleo_noise_names)
LIST_CHOICE(schedule_choice, paleo_pipe_schedule_names)
LIST_CHOICE(recompute_choice, paleo_recompute_names)
LIST_CHOICE(optimizer_choice, paleo_optimizer_names)
LIST_CHOICE(intra_host_choice, paleo_intra_host_names)
#undef LIST_CHOICE

static const char *precision_choice(int i)
{
  return i >= 0 && i < PALEO_PRECISION_N ? paleo_precision_name((PaleoPrecision)i) : NULL;
}

static const char *trace_format_choice(int i)
{
  return i == 0 ? "auto" : paleo_trace_format_name_at(i - 1);
}

typedef enum { KEY_STRING, KEY_INT, KEY_U64, KEY_DOUBLE, KEY_BOOL, KEY_CHOICE } KeyType;

typedef struct {
  const char *group;
  const char *key;
  KeyType type;
  size_t offset;
  const char *def;                /* NULL: required */
  double min, max;                /* inclusive numeric range; strings: min > 0 = non-empty */
  gboolean min_open;              /* min is exclusive */
  const char *(*choice)(int i);   /* KEY_CHOICE: the i-th name, NULL past the end */
  const char *unit;
  const char *help;
} KeySpec;

#define OFF(field) offsetof(PaleoScenario, field)
#define NOLIM 0, 0, FALSE, NULL

static const KeySpec keys[] = {
  {"scenario", "name", KEY_STRING, OFF(name), "", NOLIM, "", "scenario name for reports and traces (default: the file name)"},
  {"scenario", "description", KEY_STRING, OFF(description), "", NOLIM, "", "free text"},

  {"workload", "net", KEY_STRING, OFF(workload.net), NULL, 1, 0, FALSE, NULL, "", "network: shipped name (configs/nets) or path to a PALEO JSON file"},
  {"workload", "batch", KEY_INT, OFF(workload.batch), NULL, 1, 1 << 24, FALSE, NULL, "samples", "mini-batch per worker (weak scaling) or global batch split as ceil(batch/workers) (strong)"},
  {"workload", "scaling", KEY_CHOICE, OFF(workload.scaling), "weak", 0, 0, FALSE, scaling_choice, "", "weak: batch per worker fixed; strong: global batch fixed"},
  {"workload", "cost_model", KEY_STRING, OFF(workload.cost_model), "paleo", 1, 0, FALSE, NULL, "", "per-layer cost model: paleo (PALEO exactly) or refined (kernel model fitted on DeepBench; the shipped scenarios use it); see `paleosim list models`"},
  {"workload", "precision", KEY_CHOICE, OFF(workload.precision), "fp32", 0, 0, FALSE, precision_choice, "", "numeric precision of compute, activations, gradients and their communication (refined only; paleo is fp32); fp16io = 16-bit storage, 32-bit math"},
  {"workload", "ppp_comp", KEY_DOUBLE, OFF(workload.ppp_comp), "1.0", 0, 1, TRUE, NULL, "fraction", "platform percent of peak for compute and device memory"},
  {"workload", "ppp_comm", KEY_DOUBLE, OFF(workload.ppp_comm), "1.0", 0, 1, TRUE, NULL, "fraction", "platform percent of peak for network links (scales every link's bandwidth)"},

  {"cluster", "device", KEY_STRING, OFF(cluster.device), NULL, 1, 0, FALSE, NULL, "", "accelerator of every worker (hardware catalog key)"},
  {"cluster", "workers", KEY_INT, OFF(cluster.workers), NULL, 1, 1 << 20, FALSE, NULL, "", "number of data-parallel workers (one accelerator each), all the machines: with strategy backup the backups too"},
  {"cluster", "topology", KEY_CHOICE, OFF(cluster.topology), "star", 0, 0, FALSE, paleo_topology_generator_name_at, "", "network topology generator"},
  {"cluster", "topology_file", KEY_STRING, OFF(cluster.topology_file), "", NOLIM, "path", "topology description when topology = file"},
  {"cluster", "link", KEY_STRING, OFF(cluster.link), "ethernet", 1, 0, FALSE, NULL, "", "network link type of every host NIC and fabric link (catalog link key)"},
  {"cluster", "gpus_per_host", KEY_INT, OFF(cluster.gpus_per_host), "1", 1, 1024, FALSE, NULL, "", "accelerators per host; workers w lives on host w / gpus_per_host"},
  {"cluster", "hosts", KEY_INT, OFF(cluster.hosts), "0", 0, 1 << 20, FALSE, NULL, "", "hosts in the cluster; 0 = ceil(workers / gpus_per_host)"},
  {"cluster", "intra_host_link", KEY_STRING, OFF(cluster.intra_host_link), "pcie3", 1, 0, FALSE, NULL, "", "link between an accelerator and its host (catalog link key); intra_host = cube-mesh or nvswitch: a GPU's whole NVLink bandwidth"},
  {"cluster", "intra_host", KEY_CHOICE, OFF(cluster.intra_host), "direct", 0, 0, FALSE, intra_host_choice, "", "how a host's GPUs connect (cost_model = refined): direct (each on its own link to the host), pcie-tree (PCIe switches of gpus_per_switch GPUs on sockets), cube-mesh (DGX-1 NVLink, 8 GPUs), nvswitch"},
  {"cluster", "gpus_per_switch", KEY_INT, OFF(cluster.gpus_per_switch), "2", 1, 1024, FALSE, NULL, "", "intra_host = pcie-tree: GPUs per PCIe switch (they share its uplink)"},
  {"cluster", "sockets", KEY_INT, OFF(cluster.sockets), "1", 1, 64, FALSE, NULL, "", "intra_host = pcie-tree: CPU sockets (PCIe root complexes) per host; the switches split over them"},
  {"cluster", "socket_link", KEY_STRING, OFF(cluster.socket_link), "qpi", 1, 0, FALSE, NULL, "", "intra_host = pcie-tree, sockets > 1: link between sockets (catalog link key)"},
  {"cluster", "pcie_link", KEY_STRING, OFF(cluster.pcie_link), "pcie3", 1, 0, FALSE, NULL, "", "intra_host = cube-mesh or nvswitch: each GPU's PCIe path to the host and its NICs (catalog link key)"},
  {"cluster", "oversubscription", KEY_DOUBLE, OFF(cluster.oversubscription), "1.0", 1, 1024, FALSE, NULL, "ratio", "fat-tree: rack downlink / uplink capacity ratio"},
  {"cluster", "radix", KEY_INT, OFF(cluster.radix), "32", 2, 1 << 16, FALSE, NULL, "ports", "fat-tree: ports per leaf switch, split between hosts and spine uplinks by the oversubscription"},
  {"cluster", "fabric", KEY_CHOICE, OFF(cluster.fabric), "fat-tree", 0, 0, FALSE, paleo_topology_fabric_name_at, "", "topology = hierarchical: the network joining the hosts"},
  {"cluster", "nics_per_host", KEY_INT, OFF(cluster.nics_per_host), "1", 1, 64, FALSE, NULL, "", "links from each host into the fabric"},
  {"cluster", "dims", KEY_STRING, OFF(cluster.dims), "", NOLIM, "", "torus dimensions in hosts, \"4x4\" or \"4x4x2\"; empty = as square/cubic as fits"},
  {"cluster", "latency_us", KEY_DOUBLE, OFF(cluster.latency_us), "0", 0, 1e6, FALSE, NULL, "us", "latency of every network link hop (PALEO: 0)"},
  {"cluster", "intra_host_latency_us", KEY_DOUBLE, OFF(cluster.intra_host_latency_us), "0", 0, 1e6, FALSE, NULL, "us", "latency of every intra-host link hop"},
  {"cluster", "ps_count", KEY_INT, OFF(cluster.ps_count), "1", 1, 4096, FALSE, NULL, "", "parameter servers (shards) for collective = ps"},
  {"cluster", "ps_placement", KEY_CHOICE, OFF(cluster.ps_placement), "colocated", 0, 0, FALSE, ps_placement_choice, "", "colocated: servers are workers 0..k-1 (PALEO's OneToAll); dedicated: own nodes with own NICs"},
  {"cluster", "ps_link", KEY_STRING, OFF(cluster.ps_link), "", NOLIM, "", "NIC of dedicated parameter servers; empty = link"},
  {"cluster", "slowdown", KEY_STRING, OFF(cluster.slowdown), "", NOLIM, "", "fixed compute slowdowns, \"3:2.0,5:1.5\" = worker 3 2x slower, worker 5 1.5x"},

  {"training", "strategy", KEY_CHOICE, OFF(training.strategy), "sync", 0, 0, FALSE, paleo_strategy_name_at, "", "sync: barrier every iteration; async-ps: servers apply each push, no barrier; ssp: async-ps at most ssp_bound iterations ahead of the slowest; backup: sync on the first workers - backup_workers gradients"},
  {"training", "collective", KEY_CHOICE, OFF(training.collective), "ring", 0, 0, FALSE, collective_choice, "", "gradient exchange: ps|tree|butterfly|butterfly-mixing|ring|hierarchical"},
  {"training", "fidelity", KEY_CHOICE, OFF(training.fidelity), "flow", 0, 0, FALSE, fidelity_choice, "", "analytical: one closed-form event per collective; flow: messages as flows"},
  {"training", "solve_quantum_us", KEY_DOUBLE, OFF(training.solve_quantum_us), "0", 0, 1e6, FALSE, NULL, "us", "flow fidelity: share one max-min re-solve among all flow changes within this quantum (faster with thousands of concurrent flows; a flow may start or speed up up to one quantum late); 0 = exact"},
  {"training", "aggregate", KEY_BOOL, OFF(training.aggregate), "true", NOLIM, "", "flow fidelity: flows that finish sending (or arrive) in the same nanosecond share one engine event (each flow is still simulated and traced); false: one event per flow, to verify (results and traces are the same)"},
  {"training", "overlap", KEY_BOOL, OFF(training.overlap), "true", NOLIM, "", "reduce gradient buckets while backward continues (false: PALEO's serial sum)"},
  {"training", "bucket_mb", KEY_DOUBLE, OFF(training.bucket_mb), "25", 0, 1 << 20, TRUE, NULL, "MiB", "gradient bucket size (PyTorch DDP style); a layer never splits"},
  {"training", "iterations", KEY_INT, OFF(training.iterations), "10", 1, 1000000, FALSE, NULL, "", "iterations to simulate"},
  {"training", "seed", KEY_U64, OFF(training.seed), "1", NOLIM, "", "seed of every random stream"},
  {"training", "ssp_bound", KEY_INT, OFF(training.ssp_bound), "0", 0, 1000000, FALSE, NULL, "iterations", "strategy ssp: how many iterations a worker may run ahead of the slowest (0 = lockstep)"},
  {"training", "backup_workers", KEY_INT, OFF(training.backup_workers), "0", 0, 1 << 20, FALSE, NULL, "", "strategy backup: b < workers; an update aggregates the first workers - b gradients, the b late ones are dropped"},
  {"training", "optimizer", KEY_CHOICE, OFF(training.optimizer), "sgd", 0, 0, FALSE, optimizer_choice, "", "the weight update: sgd (with momentum; PALEO's) or adam; refined: its memory traffic; both: its state in the memory model"},

  {"stragglers", "noise", KEY_CHOICE, OFF(stragglers.noise), "none", 0, 0, FALSE, noise_choice, "", "per-iteration compute noise, a factor drawn per worker per iteration from the seed"},
  {"stragglers", "noise_mu", KEY_DOUBLE, OFF(stragglers.noise_mu), "0", -10, 10, FALSE, NULL, "", "lognormal: factor = exp(N(mu, sigma)), mean exp(mu + sigma^2/2); in [-10, 10]"},
  {"stragglers", "noise_sigma", KEY_DOUBLE, OFF(stragglers.noise_sigma), "0.1", 0, 3, FALSE, NULL, "", "lognormal: standard deviation of the underlying normal, in [0, 3]"},
  {"stragglers", "noise_mean", KEY_DOUBLE, OFF(stragglers.noise_mean), "0.1", 0, 1000, TRUE, NULL, "fraction", "exponential: factor = 1 + Exp(mean), a delay of mean x the nominal compute on average; in (0, 1000]"},
  {"stragglers", "noise_workers", KEY_STRING, OFF(stragglers.noise_workers), "", NOLIM, "", "workers the noise applies to, \"0,3,5\"; empty = every worker"},
  {"stragglers", "pause_every_ms", KEY_DOUBLE, OFF(stragglers.pause_every_ms), "0", 0, 1e9, FALSE, NULL, "ms", "period P of pauses: no compute progress during [kP, kP + D) for k >= 1; 0 = no pauses"},
  {"stragglers", "pause_ms", KEY_DOUBLE, OFF(stragglers.pause_ms), "0", 0, 1e9, FALSE, NULL, "ms", "length D of each pause, < pause_every_ms"},
  {"stragglers", "pause_workers", KEY_STRING, OFF(stragglers.pause_workers), "", NOLIM, "", "workers that pause, \"0,3\"; empty = every worker"},
  {"stragglers", "fail", KEY_STRING, OFF(stragglers.fail), "", NOLIM, "", "failures, \"3:50,7:120\" = worker 3 stops at 50 ms, worker 7 at 120 ms (simulated time); sync stalls, async goes on"},
  {"stragglers", "degrade_link", KEY_STRING, OFF(stragglers.degrade_link), "", NOLIM, "", "bandwidth changes, \"w0->sw0:0.5@100,host1:0.25@0\" = TARGET:FACTOR@MS; TARGET a link name or a node name (every link from or to it); needs fidelity flow"},

  {"parallelism", "pipeline", KEY_INT, OFF(parallelism.pipeline), "1", 1, 4096, FALSE, NULL, "stages", "pipeline stages P (strategy sync): the net's layers cut into P stages, one device each (K with ModelParallel blocks or tensor parallelism); the data-parallel degree is workers / (P x K)"},
  {"parallelism", "micro_batches", KEY_INT, OFF(parallelism.micro_batches), "1", 1, 65536, FALSE, NULL, "", "micro-batches M per step: each replica's batch split in M equal parts (it must divide), each through every stage"},
  {"parallelism", "micro_batch", KEY_INT, OFF(parallelism.micro_batch), "0", 0, 1 << 24, FALSE, NULL, "samples", "samples b per micro-batch, the alternative to micro_batches: M = batch per replica / b (global batch / (data-parallel degree x b) under strong scaling); 0 = from micro_batches; both given must agree"},
  {"parallelism", "schedule", KEY_CHOICE, OFF(parallelism.schedule), "1f1b", 0, 0, FALSE, schedule_choice, "", "order of the micro-batches on a stage: gpipe (all forwards, then the backwards) or 1f1b (P - 1 - s warm-up forwards on stage s, then one forward one backward; at most P micro-batches in flight)"},
  {"parallelism", "virtual_stages", KEY_INT, OFF(parallelism.virtual_stages), "1", 1, 1024, FALSE, NULL, "chunks", "interleaved 1F1B (Megatron): each device holds v chunks of the model (P v chunks in all); needs schedule 1f1b, pipeline > 1 and micro-batches a multiple of P"},
  {"parallelism", "stage_split", KEY_STRING, OFF(parallelism.stage_split), "balanced", 1, 0, FALSE, NULL, "", "balanced (chunk costs fwd + bwd as equal as the layer order allows; nets with attention cut between transformer blocks), blocks (the same number of transformer blocks per chunk, as Megatron splits) or layers:a,b,c (the first layer index of chunks 1..P v - 1, increasing; layer 0 is data)"},
  {"parallelism", "tensor", KEY_INT, OFF(parallelism.tensor), "1", 1, 4096, FALSE, NULL, "ranks", "tensor-parallel degree T (Megatron): every layer split over T devices of a stage, column- and row-parallel MatMuls with two all-reduces of b s h per layer forward and two backward; groups are consecutive devices (inside a host when T divides gpus_per_host)"},
  {"parallelism", "sequence_parallel", KEY_BOOL, OFF(parallelism.sequence_parallel), "false", NOLIM, "", "with tensor > 1: reduce-scatters and all-gathers replace the all-reduces, and norms, dropout and residuals split along the sequence"},
  {"parallelism", "zero", KEY_INT, OFF(parallelism.zero), "0", 0, 3, FALSE, NULL, "stage", "ZeRO: 1 shards the optimizer state over the data-parallel replicas (gradients reduce-scattered, parameters all-gathered), 2 the gradients too, 3 the parameters too (FSDP: each transformer block gathered before its forward and its backward); 2 and 3 need pipeline = 1"},
  {"parallelism", "recompute", KEY_CHOICE, OFF(parallelism.recompute), "none", 0, 0, FALSE, recompute_choice, "", "activation recomputation: none, selective (unfused attention's forward again before its backward) or full (each transformer block's forward again before its backward); the recomputed FLOPs run as tasks"},

  {"output", "trace", KEY_STRING, OFF(output.trace), "", NOLIM, "path", "trace file (.db SQLite, .h5 HDF5); empty = none"},
  {"output", "trace_level", KEY_CHOICE, OFF(output.trace_level), "tasks", 0, 0, FALSE, trace_level_choice, "", "what the trace records: iterations < tasks < flows < all (link usage)"},
  {"output", "trace_format", KEY_CHOICE, OFF(output.trace_format), "auto", 0, 0, FALSE, trace_format_choice, "", "auto = from the trace file's extension"},
  {"output", "compression", KEY_INT, OFF(output.compression), "4", 0, 9, FALSE, NULL, "level", "HDF5 deflate level, 0 = off"},
};

#undef OFF
#undef NOLIM

static const KeySpec *key_find(const char *group, const char *key)
{
  for (gsize i = 0; i < G_N_ELEMENTS(keys); i++)
    if (!strcmp(keys[i].group, group) && !strcmp(keys[i].key, key))
      return &keys[i];
  return NULL;
}

static gboolean group_known(const char *group)
{
  for (gsize i = 0; i < G_N_ELEMENTS(keys); i++)
    if (!strcmp(keys[i].group, group))
      return TRUE;
  return FALSE;
}

static void *field(PaleoScenario *s, const KeySpec *k)
{
  return (char *)s + k->offset;
}

static char *choices_text(const KeySpec *k)
{
  GString *out = g_string_new(NULL);
  for (int i = 0; k->choice(i); i++)
    g_string_append_printf(out, "%s%s", i ? "|" : "", k->choice(i));
  return g_string_free(out, FALSE);
}

static void set_key_error(GError **error, const char *origin, int code, const KeySpec *k,
                          const char *value, const char *expect)
{
  g_set_error(error, PALEO_SCENARIO_ERROR, code, "%s: [%s] %s = '%s': expected %s", origin, k->group,
              k->key, value, expect);
}

static char *range_text(const KeySpec *k, const char *what)
{
  if (k->min == 0 && k->max == 0)
    return g_strdup(what);
  const char *fmt = k->type == KEY_INT ? "%s in %s%.0f, %.0f]" : "%s in %s%g, %g]";
  return g_strdup_printf(fmt, what, k->min_open ? "(" : "[", k->min, k->max);
}

static gboolean in_range(const KeySpec *k, double v)
{
  if (k->min == 0 && k->max == 0)
    return TRUE;
  return (k->min_open ? v > k->min : v >= k->min) && v <= k->max;
}

static gboolean parse_bool(const char *v, gboolean *out)
{
  static const char *const yes[] = {"true", "yes", "on", "1"}, *const no[] = {"false", "no", "off", "0"};
  for (gsize i = 0; i < G_N_ELEMENTS(yes); i++) {
    if (!g_ascii_strcasecmp(v, yes[i])) {
      *out = TRUE;
      return TRUE;
    }
    if (!g_ascii_strcasecmp(v, no[i])) {
      *out = FALSE;
      return TRUE;
    }
  }
  return FALSE;
}

static gboolean parse_int(const char *v, int64_t *out)
{
  char *end = NULL;
  errno = 0;
  gint64 x = g_ascii_strtoll(v, &end, 10);
  if (end == v || *end || errno)
    return FALSE;
  *out = x;
  return TRUE;
}

static gboolean parse_double(const char *v, double *out)
{
  char *end = NULL;
  errno = 0;
  double x = g_ascii_strtod(v, &end);
  if (end == v || *end || errno || !isfinite(x))
    return FALSE;
  *out = x;
  return TRUE;
}

/* Parses one value into the struct; `raw` is already stripped. */
static gboolean parse_value(PaleoScenario *s, const KeySpec *k, const char *raw, GError **error)
{
  const char *origin = s->path;
  switch (k->type) {
  case KEY_STRING:
    if (k->min > 0 && !*raw) {
      set_key_error(error, origin, PALEO_SCENARIO_ERROR_RANGE, k, raw, "a non-empty value");
      return FALSE;
    }
    g_free(*(char **)field(s, k));
    *(char **)field(s, k) = g_strdup(raw);
    return TRUE;
  case KEY_INT: {
    int64_t x;
    if (!parse_int(raw, &x) || !in_range(k, (double)x)) {
      g_autofree char *e = range_text(k, "an integer");
      set_key_error(error, origin, parse_int(raw, &x) ? PALEO_SCENARIO_ERROR_RANGE : PALEO_SCENARIO_ERROR_TYPE, k, raw, e);
      return FALSE;
    }
    *(int64_t *)field(s, k) = x;
    return TRUE;
  }
  case KEY_U64: {
    char *end = NULL;
    errno = 0;
    guint64 x = g_ascii_strtoull(raw, &end, 10);
    if (end == raw || *end || errno || raw[0] == '-') {
      set_key_error(error, origin, PALEO_SCENARIO_ERROR_TYPE, k, raw, "an unsigned 64-bit integer");
      return FALSE;
    }
    *(uint64_t *)field(s, k) = x;
    return TRUE;
  }
  case KEY_DOUBLE: {
    double x;
    if (!parse_double(raw, &x) || !in_range(k, x)) {
      g_autofree char *e = range_text(k, "a number");
      set_key_error(error, origin, parse_double(raw, &x) ? PALEO_SCENARIO_ERROR_RANGE : PALEO_SCENARIO_ERROR_TYPE, k, raw, e);
      return FALSE;
    }
    *(double *)field(s, k) = x;
    return TRUE;
  }
  case KEY_BOOL:
    if (!parse_bool(raw, (gboolean *)field(s, k))) {
      set_key_error(error, origin, PALEO_SCENARIO_ERROR_TYPE, k, raw, "true|false (or yes|no, on|off, 1|0)");
      return FALSE;
    }
    return TRUE;
  case KEY_CHOICE:
    for (int i = 0; k->choice(i); i++) {
      if (!g_ascii_strcasecmp(raw, k->choice(i))) {
        *(int *)field(s, k) = i;
        return TRUE;
      }
    }
    {
      g_autofree char *c = choices_text(k);
      g_autofree char *e = g_strdup_printf("one of %s", c);
      set_key_error(error, origin, PALEO_SCENARIO_ERROR_UNKNOWN, k, raw, e);
    }
    return FALSE;
  }
  g_assert_not_reached();
}

/* Applies "section.key=value" to the key file; unknown keys are errors. */
static gboolean apply_override(GKeyFile *kf, const char *origin, const char *ov, GError **error)
{
  const char *eq = strchr(ov, '=');
  const char *dot = strchr(ov, '.');
  if (!eq || !dot || dot > eq || dot == ov || dot + 1 == eq) {
    g_set_error(error, PALEO_SCENARIO_ERROR, PALEO_SCENARIO_ERROR_PARSE,
                "%s: --set '%s': expected section.key=value (e.g. training.iterations=5)", origin, ov);
    return FALSE;
  }
  g_autofree char *group = g_strndup(ov, dot - ov);
  g_autofree char *key = g_strndup(dot + 1, eq - dot - 1);
  g_strstrip(group);
  g_strstrip(key);
  if (!key_find(group, key)) {
    g_set_error(error, PALEO_SCENARIO_ERROR, PALEO_SCENARIO_ERROR_UNKNOWN,
                "%s: --set '%s': unknown key [%s] %s (`paleosim run --keys` lists them)", origin, ov, group, key);
    return FALSE;
  }
  g_key_file_set_value(kf, group, key, eq + 1);
  return TRUE;
}

/* "scenario, workload, ... or output": the table's sections in order. */
static char *sections_text(void)
{
  GString *out = g_string_new(NULL);
  const char *last = NULL;
  for (gsize i = 0; i < G_N_ELEMENTS(keys); i++) {
    if (last && !strcmp(last, keys[i].group))
      continue;
    gboolean final = TRUE;
    for (gsize j = i + 1; j < G_N_ELEMENTS(keys) && final; j++)
      final = !strcmp(keys[j].group, keys[i].group);
    if (last)
      g_string_append(out, final ? " or " : ", ");
    g_string_append(out, keys[i].group);
    last = keys[i].group;
  }
  return g_string_free(out, FALSE);
}

/* Every section and key present must be in the table (catches typos). */
static gboolean check_known(GKeyFile *kf, const char *origin, GError **error)
{
  g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);
  for (char **g = groups; *g; g++) {
    if (!group_known(*g)) {
      g_autofree char *expected = sections_text();
      g_set_error(error, PALEO_SCENARIO_ERROR, PALEO_SCENARIO_ERROR_UNKNOWN, "%s: unknown section [%s] (expected %s)",
                  origin, *g, expected);
      return FALSE;
    }
    g_auto(GStrv) ks = g_key_file_get_keys(kf, *g, NULL, NULL);
    for (char **k = ks; *k; k++) {
      if (!key_find(*g, *k)) {
        g_set_error(error, PALEO_SCENARIO_ERROR, PALEO_SCENARIO_ERROR_UNKNOWN,
                    "%s: [%s] %s: unknown key (`paleosim run --keys` lists them)", origin, *g, *k);
        return FALSE;
      }
    }
  }
  return TRUE;
}

static gboolean parse_all(PaleoScenario *s, GKeyFile *kf, GError **error)
{
  for (gsize i = 0; i < G_N_ELEMENTS(keys); i++) {
    const KeySpec *k = &keys[i];
    g_autofree char *v = g_key_file_get_value(kf, k->group, k->key, NULL);
    if (!v && !k->def) {
      g_set_error(error, PALEO_SCENARIO_ERROR, PALEO_SCENARIO_ERROR_MISSING,
                  "%s: [%s] %s: required key is missing (%s)", s->path, k->group, k->key, k->help);
      return FALSE;
    }
    g_autofree char *raw = g_strstrip(g_strdup(v ? v : k->def));
    if (!parse_value(s, k, raw, error))
      return FALSE;
  }
  return TRUE;
}

static int slowdown_cmp(gconstpointer a, gconstpointer b)
{
  const PaleoSlowdown *x = a, *y = b;
  return (x->worker > y->worker) - (x->worker < y->worker);
}

static gboolean parse_slowdowns(PaleoScenario *s, GError **error)
{
  s->cluster.slowdowns = g_array_new(FALSE, FALSE, sizeof(PaleoSlowdown));
  g_auto(GStrv) items = g_strsplit(s->cluster.slowdown, ",", -1);
  for (char **it = items; *it; it++) {
    g_strstrip(*it);
    if (!**it)
      continue;
    g_auto(GStrv) wf = g_strsplit(*it, ":", 2);
    int64_t w;
    double f;
    if (!wf[0] || !wf[1] || !parse_int(g_strstrip(wf[0]), &w) || !parse_double(g_strstrip(wf[1]), &f)) {
      paleo_scenario_set_error(s, error, PALEO_SCENARIO_ERROR_TYPE, "cluster", "slowdown",
                               "entry '%s' is not WORKER:FACTOR (e.g. 3:2.0)", *it);
      return FALSE;
    }
    if (w < 0 || w >= s->cluster.workers || f <= 0 || f > 1000) {
      paleo_scenario_set_error(s, error, PALEO_SCENARIO_ERROR_RANGE, "cluster", "slowdown",
                               "entry '%s' needs a worker in [0, %" G_GINT64_FORMAT ") and a factor in (0, 1000]", *it,
                               s->cluster.workers);
      return FALSE;
    }
    for (guint i = 0; i < s->cluster.slowdowns->len; i++) {
      if (g_array_index(s->cluster.slowdowns, PaleoSlowdown, i).worker == (uint32_t)w) {
        paleo_scenario_set_error(s, error, PALEO_SCENARIO_ERROR_RANGE, "cluster", "slowdown",
                                 "worker %" G_GINT64_FORMAT " is listed twice", w);
        return FALSE;
      }
    }
    PaleoSlowdown sd = {(uint32_t)w, f};
    g_array_append_val(s->cluster.slowdowns, sd);
  }
  g_array_sort(s->cluster.slowdowns, slowdown_cmp);
  return TRUE;
}

int paleo_scenario_parse_dims(const char *text, int64_t dims[3])
{
  g_auto(GStrv) parts = g_strsplit(text, "x", -1);
  int n = 0;
  for (char **p = parts; *p; p++) {
    if (n == 3 || !parse_int(g_strstrip(*p), &dims[n]) || dims[n] < 1)
      return 0;
    n++;
  }
  return n;
}

static gboolean validate_capacity(PaleoScenario *s, GError **error)
{
  int64_t g = s->cluster.gpus_per_host, hosts = paleo_scenario_hosts(s);
  if (s->cluster.hosts > 0 && hosts * g < s->cluster.workers) {
    paleo_scenario_set_error(s, error, PALEO_SCENARIO_ERROR_RANGE, "cluster", "workers",
                             "more workers than the topology has accelerators (%" G_GINT64_FORMAT
                             " hosts x %" G_GINT64_FORMAT " gpus_per_host = %" G_GINT64_FORMAT ")",
                             hosts, g, hosts * g);
    return FALSE;
  }
  /* the torus is the topology, or the fabric joining the hosts */
  const char *kind = !strcmp(paleo_scenario_topology(s), "hierarchical") ? paleo_scenario_fabric(s)
                                                                          : paleo_scenario_topology(s);
  gboolean torus = !strcmp(kind, "torus2d") || !strcmp(kind, "torus3d");
  if (torus && *s->cluster.dims) {
    int64_t d[3] = {1, 1, 1};
    int want = !strcmp(kind, "torus2d") ? 2 : 3;
    if (paleo_scenario_parse_dims(s->cluster.dims, d) != want) {
      paleo_scenario_set_error(s, error, PALEO_SCENARIO_ERROR_TYPE, "cluster", "dims",
                               "expected %d positive sizes separated by 'x' for %s", want, kind);
      return FALSE;
    }
    if (d[0] * d[1] * d[2] * g < s->cluster.workers) {
      paleo_scenario_set_error(s, error, PALEO_SCENARIO_ERROR_RANGE, "cluster", "workers",
                               "more workers than the topology has accelerators (torus %s of hosts x %" G_GINT64_FORMAT
                               " gpus_per_host = %" G_GINT64_FORMAT ")", s->cluster.dims, g, d[0] * d[1] * d[2] * g);
      return FALSE;
    }
  }
  if (!strcmp(paleo_scenario_topology(s), "file") && !*s->cluster.topology_file) {
    paleo_scenario_set_error(s, error, PALEO_SCENARIO_ERROR_MISSING, "cluster", "topology_file",
                             "required when topology = file");
    return FALSE;
  }
  return TRUE;
}

/* A strategy parameter ([training] `key`) set to anything but 0 needs the strategy whose
 * parameter it is. */
static gboolean validate_strategy_parameter(const PaleoScenario *s, const char *key, int64_t value, GError **error)
{
  const PaleoStrategy *st = paleo_scenario_strategy(s);
  if (!value || (st->parameter && !strcmp(st->parameter, key)))
    return TRUE;
  const PaleoStrategy *owner = paleo_strategies;
  while (owner->name && g_strcmp0(owner->parameter, key))
    owner++;
  paleo_scenario_set_error(s, error, PALEO_SCENARIO_ERROR_RANGE, "training", key,
                           "applies to strategy %s only (strategy is %s)", owner->name ? owner->name : "?", st->name);
  return FALSE;
}

static gboolean validate_training(PaleoScenario *s, GError **error)
{
  if (s->training.collective == PALEO_COLLECTIVE_HIERARCHICAL && s->cluster.workers % s->cluster.gpus_per_host) {
    paleo_scenario_set_error(s, error, PALEO_SCENARIO_ERROR_RANGE, "cluster", "workers",
                             "collective hierarchical needs whole hosts: workers a multiple of gpus_per_host = %" G_GINT64_FORMAT,
                             s->cluster.gpus_per_host);
    return FALSE;
  }
  if (s->cluster.intra_host != PALEO_INTRA_DIRECT && g_ascii_strcasecmp(s->workload.cost_model, "refined")) {
    paleo_scenario_set_error(s, error, PALEO_SCENARIO_ERROR_RANGE, "cluster", "intra_host",
                             "%s applies to cost_model = refined only (PALEO's hosts are direct links; cost_model "
                             "is %s)", paleo_intra_host_names[s->cluster.intra_host], s->workload.cost_model);
    return FALSE;
  }
  if (s->cluster.intra_host != PALEO_INTRA_DIRECT && strcmp(paleo_scenario_topology(s), "hierarchical") &&
      (s->cluster.gpus_per_host < 2 || !strcmp(paleo_scenario_topology(s), "file"))) {
    paleo_scenario_set_error(s, error, PALEO_SCENARIO_ERROR_RANGE, "cluster", "intra_host",
                             "%s describes hosts of several GPUs: set gpus_per_host > 1 (or topology = "
                             "hierarchical); a topology file describes its hosts itself",
                             paleo_intra_host_names[s->cluster.intra_host]);
    return FALSE;
  }
  if (s->cluster.intra_host == PALEO_INTRA_CUBE_MESH && s->cluster.gpus_per_host != 8) {
    paleo_scenario_set_error(s, error, PALEO_SCENARIO_ERROR_RANGE, "cluster", "intra_host",
                             "cube-mesh is the 8-GPU NVLink hybrid cube-mesh (DGX-1): it needs gpus_per_host = 8 "
                             "(gpus_per_host = %" G_GINT64_FORMAT ")", s->cluster.gpus_per_host);
    return FALSE;
  }
  if (s->workload.precision != 0 && g_ascii_strcasecmp(s->workload.cost_model, "refined")) {
    paleo_scenario_set_error(s, error, PALEO_SCENARIO_ERROR_RANGE, "workload", "precision",
                             "applies to cost_model = refined only (PALEO is FP32; cost_model is %s)",
                             s->workload.cost_model);
    return FALSE;
  }
  if (s->cluster.ps_placement == PALEO_PS_COLOCATED && s->cluster.ps_count > s->cluster.workers) {
    paleo_scenario_set_error(s, error, PALEO_SCENARIO_ERROR_RANGE, "cluster", "ps_count",
                             "colocated parameter servers live on workers: at most workers = %" G_GINT64_FORMAT,
                             s->cluster.workers);
    return FALSE;
  }
  const PaleoStrategy *st = paleo_scenario_strategy(s);
  if (!validate_strategy_parameter(s, "ssp_bound", s->training.ssp_bound, error) ||
      !validate_strategy_parameter(s, "backup_workers", s->training.backup_workers, error))
    return FALSE;
  if (st->parameter && !strcmp(st->parameter, "backup_workers") && s->training.backup_workers >= s->cluster.workers) {
    paleo_scenario_set_error(s, error, PALEO_SCENARIO_ERROR_RANGE, "training", "backup_workers",
                             "an update needs at least one gradient: backup_workers < workers = %" G_GINT64_FORMAT
                             " (workers counts the backups too)", s->cluster.workers);
    return FALSE;
  }
  return TRUE;
}

/* ---- [stragglers] ---- */

/* Simulated milliseconds to nanoseconds, rounded to the nearest (ms within the keys' ranges). */
static uint64_t ms_to_ns(double ms)
{
  g_assert(ms >= 0 && ms <= 1e9);
  return (uint64_t)llround(ms * 1e6);
}

/* The largest time a fail or degrade_link entry may name (as the pause keys). */
#define MAX_EVENT_MS 1e9

/* Parses a worker id of entry `entry` of [stragglers] `key` into [0, workers). */
static gboolean parse_worker(const PaleoScenario *s, const char *key, const char *text, const char *entry,
                             uint32_t *out, GError **error)
{
  int64_t w;
  if (!parse_int(text, &w)) {
    paleo_scenario_set_error(s, error, PALEO_SCENARIO_ERROR_TYPE, "stragglers", key,
                             "entry '%s': '%s' is not a worker id (an integer)", entry, text);
    return FALSE;
  }
  if (w < 0 || w >= s->cluster.workers) {
    paleo_scenario_set_error(s, error, PALEO_SCENARIO_ERROR_RANGE, "stragglers", key,
                             "entry '%s' needs a worker in [0, %" G_GINT64_FORMAT ")", entry, s->cluster.workers);
    return FALSE;
  }
  *out = (uint32_t)w;
  return TRUE;
}

/* Parses a number of entry `entry` of [stragglers] `key` in [lo, hi] (lo excluded when
 * `lo_open`); `what` names it in messages. */
static gboolean parse_entry_number(const PaleoScenario *s, const char *key, const char *text, const char *entry,
                                   const char *what, double lo, gboolean lo_open, double hi, double *out,
                                   GError **error)
{
  double x;
  if (!parse_double(text, &x)) {
    paleo_scenario_set_error(s, error, PALEO_SCENARIO_ERROR_TYPE, "stragglers", key,
                             "entry '%s': %s '%s' is not a number", entry, what, text);
    return FALSE;
  }
  if ((lo_open ? x <= lo : x < lo) || x > hi) {
    paleo_scenario_set_error(s, error, PALEO_SCENARIO_ERROR_RANGE, "stragglers", key,
                             "entry '%s': %s must be in %s%g, %g]", entry, what, lo_open ? "(" : "[", lo, hi);
    return FALSE;
  }
  *out = x;
  return TRUE;
}

static gboolean listed_twice(const PaleoScenario *s, const char *key, const gboolean *seen, uint32_t w,
                             GError **error)
{
  if (!seen[w])
    return FALSE;
  paleo_scenario_set_error(s, error, PALEO_SCENARIO_ERROR_RANGE, "stragglers", key, "worker %u is listed twice", w);
  return TRUE;
}

/* A worker list key ("" = every worker, else "0,3,5") into mask[workers]. */
static gboolean parse_worker_list(const PaleoScenario *s, const char *key, const char *text, gboolean *mask,
                                  GError **error)
{
  uint32_t n = (uint32_t)s->cluster.workers, listed = 0;
  memset(mask, 0, n * sizeof(*mask));
  g_auto(GStrv) items = g_strsplit(text, ",", -1);
  for (char **it = items; *it; it++) {
    uint32_t w;
    if (!*g_strstrip(*it))
      continue;
    if (!parse_worker(s, key, *it, *it, &w, error) || listed_twice(s, key, mask, w, error))
      return FALSE;
    mask[w] = TRUE;
    listed++;
  }
  for (uint32_t w = 0; w < n && !listed; w++)
    mask[w] = TRUE;
  return TRUE;
}

/* fail = "W:MS,..." into fail_at_ns[workers] (PALEO_NEVER_NS when not listed). */
static gboolean parse_failures(const PaleoScenario *s, uint64_t *fail_at_ns, GError **error)
{
  uint32_t n = (uint32_t)s->cluster.workers;
  g_autofree gboolean *seen = g_new0(gboolean, n);
  for (uint32_t w = 0; w < n; w++)
    fail_at_ns[w] = PALEO_NEVER_NS;
  g_auto(GStrv) items = g_strsplit(s->stragglers.fail, ",", -1);
  for (char **it = items; *it; it++) {
    if (!*g_strstrip(*it))
      continue;
    g_auto(GStrv) wm = g_strsplit(*it, ":", 2);
    if (!wm[0] || !wm[1]) {
      paleo_scenario_set_error(s, error, PALEO_SCENARIO_ERROR_TYPE, "stragglers", "fail",
                               "entry '%s' is not WORKER:MS (e.g. 3:50)", *it);
      return FALSE;
    }
    uint32_t w;
    double ms;
    if (!parse_worker(s, "fail", g_strstrip(wm[0]), *it, &w, error) ||
        !parse_entry_number(s, "fail", g_strstrip(wm[1]), *it, "the time (ms)", 0, FALSE, MAX_EVENT_MS, &ms, error) ||
        listed_twice(s, "fail", seen, w, error))
      return FALSE;
    seen[w] = TRUE;
    fail_at_ns[w] = ms_to_ns(ms);
  }
  return TRUE;
}

static void link_degrade_clear(gpointer p)
{
  g_free(((PaleoLinkDegrade *)p)->target);
}

/* One degrade_link entry "TARGET:FACTOR@MS": split on the last '@' and the last ':' before
 * it (a target may hold ':' and '@'). */
static gboolean parse_degrade(const PaleoScenario *s, const char *entry, PaleoLinkDegrade *out, GError **error)
{
  const char *at = strrchr(entry, '@');
  const char *colon = at ? g_strrstr_len(entry, at - entry, ":") : NULL;
  if (!at || !colon || colon == entry) { /* entries are stripped: colon > entry means a target */
    paleo_scenario_set_error(s, error, PALEO_SCENARIO_ERROR_TYPE, "stragglers", "degrade_link",
                             "entry '%s' is not TARGET:FACTOR@MS (e.g. w0->sw0:0.5@100)", entry);
    return FALSE;
  }
  g_autofree char *target = g_strstrip(g_strndup(entry, colon - entry));
  g_autofree char *factor = g_strstrip(g_strndup(colon + 1, at - colon - 1));
  g_autofree char *ms = g_strstrip(g_strdup(at + 1));
  if (!parse_entry_number(s, "degrade_link", factor, entry, "the bandwidth factor", 1e-6, FALSE, 1e6, &out->factor,
                          error) ||
      !parse_entry_number(s, "degrade_link", ms, entry, "the time (ms)", 0, FALSE, MAX_EVENT_MS, &out->at_ms, error))
    return FALSE;
  out->target = g_steal_pointer(&target);
  return TRUE;
}

static gboolean parse_degrades(PaleoScenario *s, GError **error)
{
  s->stragglers.degrades = g_array_new(FALSE, FALSE, sizeof(PaleoLinkDegrade));
  g_array_set_clear_func(s->stragglers.degrades, link_degrade_clear);
  g_auto(GStrv) items = g_strsplit(s->stragglers.degrade_link, ",", -1);
  for (char **it = items; *it; it++) {
    PaleoLinkDegrade d = {0};
    if (!*g_strstrip(*it))
      continue;
    if (!parse_degrade(s, *it, &d, error))
      return FALSE;
    g_array_append_val(s->stragglers.degrades, d);
  }
  if (s->stragglers.degrades->len && s->training.fidelity != PALEO_FIDELITY_FLOW) {
    paleo_scenario_set_error(s, error, PALEO_SCENARIO_ERROR_RANGE, "stragglers", "degrade_link",
                             "needs training.fidelity = flow (fidelity is %s: collectives have no links)",
                             paleo_fidelity_names[s->training.fidelity]);
    return FALSE;
  }
  return TRUE;
}

static gboolean validate_pauses(const PaleoScenario *s, GError **error)
{
  if (s->stragglers.pause_ms <= 0)
    return TRUE;
  if (ms_to_ns(s->stragglers.pause_ms) >= ms_to_ns(s->stragglers.pause_every_ms)) {
    paleo_scenario_set_error(s, error, PALEO_SCENARIO_ERROR_RANGE, "stragglers", "pause_ms",
                             "a pause must be shorter than its period: pause_ms < pause_every_ms = %g%s",
                             s->stragglers.pause_every_ms,
                             s->stragglers.pause_every_ms > 0 ? "" : " (set pause_every_ms > 0 to have pauses)");
    return FALSE;
  }
  return TRUE;
}

/* Checks every [stragglers] key against the cluster and parses degrade_link. */
static gboolean validate_stragglers(PaleoScenario *s, GError **error)
{
  uint32_t n = (uint32_t)s->cluster.workers;
  g_autofree gboolean *mask = g_new(gboolean, n);
  g_autofree uint64_t *fail_at_ns = g_new(uint64_t, n);
  return parse_worker_list(s, "noise_workers", s->stragglers.noise_workers, mask, error) &&
         parse_worker_list(s, "pause_workers", s->stragglers.pause_workers, mask, error) && validate_pauses(s, error) &&
         parse_failures(s, fail_at_ns, error) && parse_degrades(s, error);
}

/* stage_split: "balanced", "blocks" or "layers:a,b,c" with P v - 1 increasing positive cuts
 * (checked against the net's layers when the run is wired). */
static gboolean parse_stage_split(PaleoScenario *s, GError **error)
{
  s->parallelism.stage_first = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  const char *t = s->parallelism.stage_split;
  if (!g_ascii_strcasecmp(t, "balanced"))
    return TRUE;
  if (!g_ascii_strcasecmp(t, "blocks")) {
    s->parallelism.split_blocks = TRUE;
    return TRUE;
  }
  int64_t chunks = s->parallelism.pipeline * s->parallelism.virtual_stages;
  if (!g_str_has_prefix(t, "layers:")) {
    paleo_scenario_set_error(s, error, PALEO_SCENARIO_ERROR_TYPE, "parallelism", "stage_split",
                             "expected balanced, blocks or layers:a,b,c (the first layer of chunks 1..%" G_GINT64_FORMAT
                             ")", chunks - 1);
    return FALSE;
  }
  g_auto(GStrv) items = g_strsplit(t + strlen("layers:"), ",", -1);
  int64_t prev = 0;
  for (char **it = items; *it && **it; it++) {
    int64_t v;
    if (!parse_int(g_strstrip(*it), &v) || v <= prev || v > G_MAXUINT32) {
      paleo_scenario_set_error(s, error, PALEO_SCENARIO_ERROR_RANGE, "parallelism", "stage_split",
                               "cut '%s': expected increasing layer indices > 0", *it);
      return FALSE;
    }
    uint32_t cut = (uint32_t)v;
    g_array_append_val(s->parallelism.stage_first, cut);
    prev = v;
  }
  if ((int64_t)s->parallelism.stage_first->len != chunks - 1) {
    paleo_scenario_set_error(s, error, PALEO_SCENARIO_ERROR_RANGE, "parallelism", "stage_split",
                             "%u cuts for %" G_GINT64_FORMAT " chunks (pipeline x virtual_stages; expected %" G_GINT64_FORMAT
                             ")", s->parallelism.stage_first->len, chunks, chunks - 1);
    return FALSE;
  }
  return TRUE;
}

/* The combinations of [parallelism] keys that cannot work, whatever the net. */
static gboolean check_parallel_combinations(PaleoScenario *s, GError **error)
{
  const char *key = NULL, *why = NULL;
  gboolean graph = paleo_scenario_strategy(s)->task_graph;
  if (s->parallelism.virtual_stages > 1 && s->parallelism.pipeline == 1)
    key = "virtual_stages", why = "interleaving needs pipeline > 1";
  else if (s->parallelism.virtual_stages > 1 && s->parallelism.schedule != PALEO_PIPE_1F1B)
    key = "virtual_stages", why = "interleaving is a 1F1B schedule: set schedule = 1f1b";
  else if (s->parallelism.zero >= 2 && s->parallelism.pipeline > 1)
    key = "zero", why = "ZeRO-2 and ZeRO-3 shard what pipelining keeps per stage (DeepSpeed and Megatron refuse it too): use zero = 1 or pipeline = 1";
  else if (!graph && (s->parallelism.tensor > 1 || s->parallelism.zero > 0 || s->parallelism.recompute ||
                      s->parallelism.micro_batch > 0))
    key = s->parallelism.tensor > 1 ? "tensor" : s->parallelism.zero > 0 ? "zero" : s->parallelism.recompute ? "recompute" : "micro_batch",
    why = "tensor parallelism, ZeRO, recomputation and micro-batches need strategy sync";
  if (!key)
    return TRUE;
  paleo_scenario_set_error(s, error, PALEO_SCENARIO_ERROR_RANGE, "parallelism", key, "%s", why);
  return FALSE;
}

static gboolean validate_parallelism(PaleoScenario *s, GError **error)
{
  if (!parse_stage_split(s, error) || !check_parallel_combinations(s, error))
    return FALSE;
  gboolean pipelined = s->parallelism.pipeline > 1 || s->parallelism.micro_batches > 1;
  if (pipelined && !paleo_scenario_strategy(s)->task_graph) {
    paleo_scenario_set_error(s, error, PALEO_SCENARIO_ERROR_RANGE, "parallelism",
                             s->parallelism.pipeline > 1 ? "pipeline" : "micro_batches",
                             "pipelining needs strategy sync (strategy is %s)", paleo_scenario_strategy(s)->name);
    return FALSE;
  }
  int64_t per_replica = s->parallelism.pipeline * s->parallelism.tensor;
  if (s->cluster.workers % per_replica) {
    paleo_scenario_set_error(s, error, PALEO_SCENARIO_ERROR_RANGE, "cluster", "workers",
                             "not a multiple of [parallelism] pipeline x tensor = %" G_GINT64_FORMAT " x %" G_GINT64_FORMAT
                             " (data-parallel degree = workers / (pipeline x tensor x model-parallel splits))",
                             s->parallelism.pipeline, s->parallelism.tensor);
    return FALSE;
  }
  return TRUE;
}

static gboolean validate_output(PaleoScenario *s, GError **error)
{
  if (!*s->output.trace || s->output.trace_format != 0)
    return TRUE;
  const char *format = paleo_trace_format_of_path(s->output.trace);
  for (int i = 0; format && paleo_trace_format_name_at(i); i++)
    if (!strcmp(paleo_trace_format_name_at(i), format))
      s->output.trace_format = i + 1;
  if (!format) {
    paleo_scenario_set_error(s, error, PALEO_SCENARIO_ERROR_RANGE, "output", "trace",
                             "cannot tell the format from the extension: use .db or .h5, or set output.trace_format");
    return FALSE;
  }
  return TRUE;
}

static char *default_name(const char *origin)
{
  g_autofree char *base = g_path_get_basename(origin);
  char *dot = strrchr(base, '.');
  if (dot && dot != base)
    *dot = '\0';
  return g_strdup(base);
}

/* The keys that hold paths: always, or (net) only when the value is a path rather than a
 * shipped name. */
static const struct {
  const char *group, *key;
  gboolean always;
} path_keys[] = {
  {"workload", "net", FALSE},
  {"cluster", "topology_file", TRUE},
  {"output", "trace", TRUE},
};

/* Relative paths written in the file are relative to the file's folder `dir`. */
static void resolve_paths(GKeyFile *kf, const char *dir)
{
  for (gsize i = 0; i < G_N_ELEMENTS(path_keys); i++) {
    g_autofree char *v = g_key_file_get_value(kf, path_keys[i].group, path_keys[i].key, NULL);
    if (!v || !*g_strstrip(v) || g_path_is_absolute(v))
      continue;
    if (!path_keys[i].always && !strchr(v, '/') && !g_str_has_suffix(v, ".json"))
      continue;
    g_autofree char *resolved = g_build_filename(dir, v, NULL);
    g_key_file_set_value(kf, path_keys[i].group, path_keys[i].key, resolved);
  }
}

/* Loads `text`; with `dir`, relative paths in the text resolve against it. */
static PaleoScenario *load(const char *text, const char *origin, const char *dir, char *const *overrides,
                           GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new();
  g_autoptr(GError) local = NULL;
  if (!g_key_file_load_from_data(kf, text, (gsize)-1, G_KEY_FILE_KEEP_COMMENTS, &local)) {
    g_set_error(error, PALEO_SCENARIO_ERROR, PALEO_SCENARIO_ERROR_PARSE, "%s: not a valid INI file: %s", origin,
                local->message);
    return NULL;
  }
  if (dir)
    resolve_paths(kf, dir);
  for (char *const *ov = overrides; ov && *ov; ov++)
    if (!apply_override(kf, origin, *ov, error))
      return NULL;
  if (!check_known(kf, origin, error))
    return NULL;
  g_autoptr(PaleoScenario) s = g_new0(PaleoScenario, 1);
  s->path = g_strdup(origin);
  s->parallelism.micro_batches_given = g_key_file_has_key(kf, "parallelism", "micro_batches", NULL);
  if (!parse_all(s, kf, error) || !parse_slowdowns(s, error) || !validate_capacity(s, error) ||
      !validate_training(s, error) || !validate_stragglers(s, error) || !validate_parallelism(s, error) ||
      !validate_output(s, error))
    return NULL;
  if (!*s->name) {
    g_free(s->name);
    s->name = default_name(origin);
  }
  s->text = g_key_file_to_data(kf, NULL, NULL);
  return g_steal_pointer(&s);
}

PaleoScenario *paleo_scenario_load_data(const char *text, const char *origin, char *const *overrides,
                                        GError **error)
{
  return load(text, origin, NULL, overrides, error);
}

PaleoScenario *paleo_scenario_load_text(const char *text, const char *path, char *const *overrides,
                                        GError **error)
{
  g_autofree char *dir = g_path_get_dirname(path);
  return load(text, path, dir, overrides, error);
}

char *paleo_scenario_read(const char *path, GError **error)
{
  char *text = NULL;
  g_autoptr(GError) local = NULL;
  if (!paleo_config_read_file(path, &text, NULL, &local)) {
    g_set_error(error, PALEO_SCENARIO_ERROR, PALEO_SCENARIO_ERROR_PARSE, "cannot read scenario '%s': %s", path,
                local->message);
    return NULL;
  }
  return text;
}

PaleoScenario *paleo_scenario_load(const char *path, char *const *overrides, GError **error)
{
  g_autofree char *text = paleo_scenario_read(path, error);
  return text ? paleo_scenario_load_text(text, path, overrides, error) : NULL;
}

void paleo_scenario_free(PaleoScenario *s)
{
  if (!s)
    return;
  for (gsize i = 0; i < G_N_ELEMENTS(keys); i++)
    if (keys[i].type == KEY_STRING)
      g_free(*(char **)field(s, &keys[i]));
  if (s->cluster.slowdowns)
    g_array_free(s->cluster.slowdowns, TRUE);
  if (s->stragglers.degrades)
    g_array_free(s->stragglers.degrades, TRUE);
  if (s->parallelism.stage_first)
    g_array_free(s->parallelism.stage_first, TRUE);
  g_free(s->path);
  g_free(s->text);
  g_free(s);
}

char *paleo_scenario_resolve_path(const char *name_or_path)
{
  if (g_file_test(name_or_path, G_FILE_TEST_IS_REGULAR) || strchr(name_or_path, '/'))
    return g_strdup(name_or_path);
  g_autofree char *file = g_str_has_suffix(name_or_path, ".ini") ? g_strdup(name_or_path)
                                                                  : g_strconcat(name_or_path, ".ini", NULL);
  char *shipped = paleo_config_path("scenarios", file);
  if (g_file_test(shipped, G_FILE_TEST_IS_REGULAR))
    return shipped;
  g_free(shipped);
  return g_strdup(name_or_path);
}

static int compare_names(gconstpointer a, gconstpointer b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

char **paleo_scenario_shipped_names(void)
{
  g_autofree char *dir_path = paleo_config_path("scenarios", NULL);
  GPtrArray *names = g_ptr_array_new();
  g_autoptr(GDir) dir = g_dir_open(dir_path, 0, NULL);
  const char *entry;
  while (dir && (entry = g_dir_read_name(dir)) != NULL)
    if (g_str_has_suffix(entry, ".ini"))
      g_ptr_array_add(names, g_strndup(entry, strlen(entry) - strlen(".ini")));
  g_ptr_array_sort(names, compare_names);
  g_ptr_array_add(names, NULL);
  return (char **)g_ptr_array_free(names, FALSE);
}

const PaleoStrategy *paleo_scenario_strategy(const PaleoScenario *s)
{
  return &paleo_strategies[s->training.strategy];
}

const char *paleo_scenario_topology(const PaleoScenario *s)
{
  return paleo_topology_generator_name_at(s->cluster.topology);
}

const char *paleo_scenario_fabric(const PaleoScenario *s)
{
  return paleo_topology_fabric_name_at(s->cluster.fabric);
}

const char *paleo_scenario_trace_format(const PaleoScenario *s)
{
  return *s->output.trace ? paleo_trace_format_name_at(s->output.trace_format - 1) : NULL;
}

double paleo_scenario_slowdown(const PaleoScenario *s, uint32_t worker)
{
  for (guint i = 0; i < s->cluster.slowdowns->len; i++) {
    const PaleoSlowdown *sd = &g_array_index(s->cluster.slowdowns, PaleoSlowdown, i);
    if (sd->worker == worker)
      return sd->factor;
  }
  return 1.0;
}

PaleoStragglerModel *paleo_scenario_straggler_model(const PaleoScenario *s)
{
  PaleoStragglerModel *m = paleo_straggler_model_new((uint32_t)s->cluster.workers);
  for (uint32_t w = 0; w < m->workers; w++)
    m->factor[w] = paleo_scenario_slowdown(s, w);
  m->noise = (PaleoNoiseKind)s->stragglers.noise;
  m->noise_mu = s->stragglers.noise_mu;
  m->noise_sigma = s->stragglers.noise_sigma;
  m->noise_mean = s->stragglers.noise_mean;
  m->pause_every_ns = ms_to_ns(s->stragglers.pause_every_ms);
  m->pause_ns = ms_to_ns(s->stragglers.pause_ms);
  /* validated at load: these cannot fail */
  gboolean ok = parse_worker_list(s, "noise_workers", s->stragglers.noise_workers, m->noisy, NULL) &&
                parse_worker_list(s, "pause_workers", s->stragglers.pause_workers, m->paused, NULL) &&
                parse_failures(s, m->fail_at_ns, NULL);
  g_assert(ok);
  return m;
}

int64_t paleo_scenario_hosts(const PaleoScenario *s)
{
  if (s->cluster.hosts > 0)
    return s->cluster.hosts;
  return (s->cluster.workers + s->cluster.gpus_per_host - 1) / s->cluster.gpus_per_host;
}

/* The current value of a key as text (for messages). */
static char *value_text(const PaleoScenario *s, const KeySpec *k)
{
  const void *f = (const char *)s + k->offset;
  switch (k->type) {
  case KEY_STRING: return g_strdup(*(char *const *)f);
  case KEY_INT: return g_strdup_printf("%" G_GINT64_FORMAT, *(const int64_t *)f);
  case KEY_U64: return g_strdup_printf("%" G_GUINT64_FORMAT, *(const uint64_t *)f);
  case KEY_DOUBLE: return g_strdup_printf("%g", *(const double *)f);
  case KEY_BOOL: return g_strdup(*(const gboolean *)f ? "true" : "false");
  case KEY_CHOICE: return g_strdup(k->choice(*(const int *)f));
  }
  g_assert_not_reached();
}

void paleo_scenario_set_error(const PaleoScenario *s, GError **error, int code, const char *section,
                              const char *key, const char *fmt, ...)
{
  const KeySpec *k = key_find(section, key);
  g_assert(k);
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_autofree char *v = value_text(s, k);
  g_set_error(error, PALEO_SCENARIO_ERROR, code, "%s: [%s] %s = '%s': %s", s->path, section, key, v, msg);
}

static const char *type_name(const KeySpec *k)
{
  static const char *const names[] = {"string", "integer", "integer", "number", "boolean", "choice"};
  return names[k->type];
}

void paleo_scenario_print_keys(FILE *out, gboolean markdown)
{
  if (markdown)
    fprintf(out, "| section | key | type | unit | default | meaning |\n|---|---|---|---|---|---|\n");
  for (gsize i = 0; i < G_N_ELEMENTS(keys); i++) {
    const KeySpec *k = &keys[i];
    g_autofree char *choices = k->type == KEY_CHOICE ? choices_text(k) : NULL;
    const char *type = choices ? choices : type_name(k);
    const char *def = k->def ? (*k->def ? k->def : "\"\"") : "(required)";
    if (markdown) {
      g_auto(GStrv) parts = g_strsplit(type, "|", -1); /* a bare | would split the cell */
      g_autofree char *cell = g_strjoinv("\\|", parts);
      g_auto(GStrv) hparts = g_strsplit(k->help, "|", -1);
      g_autofree char *help = g_strjoinv("\\|", hparts);
      fprintf(out, "| %s | %s | %s | %s | %s | %s |\n", k->group, k->key, cell, k->unit, def, help);
    }
    else if (choices)
      fprintf(out, "%-10s %-22s %-8s %-9s %-10s %s (%s)\n", k->group, k->key, "choice", k->unit, def, k->help, choices);
    else
      fprintf(out, "%-10s %-22s %-8s %-9s %-10s %s\n", k->group, k->key, type, k->unit, def, k->help);
  }
}

/* ---- keys and values for other modules ---- */

guint paleo_scenario_n_keys(void)
{
  return G_N_ELEMENTS(keys);
}

static void fill_value(const PaleoScenario *s, const KeySpec *k, PaleoScenarioValue *out)
{
  const void *f = (const char *)s + k->offset;
  *out = (PaleoScenarioValue){.section = k->group, .key = k->key, .min = k->min, .max = k->max,
                              .min_open = k->min_open, .bounded = k->min != 0 || k->max != 0};
  switch (k->type) {
  case KEY_STRING: out->kind = PALEO_VALUE_STRING; out->text = *(char *const *)f; break;
  case KEY_CHOICE: out->kind = PALEO_VALUE_STRING; out->text = k->choice(*(const int *)f); break;
  case KEY_INT: out->kind = PALEO_VALUE_INT; out->i = *(const int64_t *)f; out->number = (double)out->i; break;
  case KEY_U64: out->kind = PALEO_VALUE_UINT; out->u = *(const uint64_t *)f; out->number = (double)out->u; break;
  case KEY_DOUBLE: out->kind = PALEO_VALUE_NUMBER; out->number = *(const double *)f; break;
  case KEY_BOOL: out->kind = PALEO_VALUE_BOOL; out->b = *(const gboolean *)f; break;
  }
}

void paleo_scenario_value_at(const PaleoScenario *s, guint i, PaleoScenarioValue *out)
{
  g_return_if_fail(i < G_N_ELEMENTS(keys));
  fill_value(s, &keys[i], out);
}

/* "section.key" split at the first dot; NULL when malformed or unknown. */
static const KeySpec *key_find_dotted(const char *dotted)
{
  const char *dot = strchr(dotted, '.');
  if (!dot || dot == dotted)
    return NULL;
  g_autofree char *group = g_strndup(dotted, dot - dotted);
  return key_find(group, dot + 1);
}

gboolean paleo_scenario_key_known(const char *dotted, GError **error)
{
  if (key_find_dotted(dotted))
    return TRUE;
  g_set_error(error, PALEO_SCENARIO_ERROR, PALEO_SCENARIO_ERROR_UNKNOWN,
              "'%s' is not a scenario key section.key (`paleosim run --keys` lists them)", dotted);
  return FALSE;
}

gboolean paleo_scenario_value(const PaleoScenario *s, const char *dotted, PaleoScenarioValue *out, GError **error)
{
  const KeySpec *k = key_find_dotted(dotted);
  if (!k)
    return paleo_scenario_key_known(dotted, error);
  fill_value(s, k, out);
  return TRUE;
}
