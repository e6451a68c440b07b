/* Run summaries as the `run` table and as JSON members, shared by `run` and `compare`
 * (see summary_print.h). */
#include "sim/summary_print.h"

#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "output/trace_io.h"
#include "sim/cli_common.h"
#include "sim/result_row.h"
#include "workloads/collective.h"

char *paleo_summary_strategy_label(const PaleoScenario *sc)
{
  const PaleoStrategy *st = paleo_scenario_strategy(sc);
  if (!st->parameter)
    return g_strdup(st->name);
  int64_t value = !strcmp(st->parameter, "ssp_bound") ? sc->training.ssp_bound : sc->training.backup_workers;
  return g_strdup_printf("%s:%" G_GINT64_FORMAT, st->name, value);
}

/* ---- the per-worker block ---- */

static int cmp_u32(const void *a, const void *b)
{
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

/* The most common iteration count (the smallest of equally common ones). */
static uint32_t common_iterations(const GArray *workers)
{
  g_autofree uint32_t *v = g_new(uint32_t, workers->len);
  for (guint i = 0; i < workers->len; i++)
    v[i] = g_array_index(workers, PaleoRunWorker, i).iterations;
  qsort(v, workers->len, sizeof(*v), cmp_u32);
  uint32_t best = v[0];
  guint best_run = 0;
  for (guint i = 0, j; i < workers->len; i = j) {
    for (j = i; j < workers->len && v[j] == v[i]; j++)
      ;
    if (j - i > best_run) {
      best_run = j - i;
      best = v[i];
    }
  }
  return best;
}

static gboolean worker_differs(const PaleoRunWorker *w, uint32_t common)
{
  return fabs(w->slowdown - 1.0) > 1e-9 || w->failed_at_ms >= 0 || w->iterations != common;
}

static void print_worker(FILE *out, const PaleoRunWorker *w)
{
  g_autofree char *failed = w->failed_at_ms >= 0 ? g_strdup_printf("%.3f", w->failed_at_ms) : g_strdup("-");
  fprintf(out, "%-18s%6u %10.3f %12u %14s\n", "", w->id, w->slowdown, w->iterations, failed);
}

static void print_workers(FILE *out, const GArray *workers)
{
  if (!workers || !workers->len)
    return;
  uint32_t common = common_iterations(workers);
  gboolean all = workers->len <= PALEO_SUMMARY_ALL_WORKERS_MAX;
  fprintf(out, "%-18s%6s %10s %12s %14s\n", "per worker", "id", "slowdown", "iterations", "failed at ms");
  guint rest = 0;
  for (guint i = 0; i < workers->len; i++) {
    const PaleoRunWorker *w = &g_array_index(workers, PaleoRunWorker, i);
    if (all || worker_differs(w, common))
      print_worker(out, w);
    else
      rest++;
  }
  if (rest)
    fprintf(out, "%-18s(%u other worker%s: slowdown 1, %u iterations, not failed)\n", "", rest, rest == 1 ? "" : "s",
            common);
}

/* "worker 3 failed at 50.000 ms, worker 7 at 120.000 ms" */
static char *failures_text(const GArray *workers)
{
  GString *t = g_string_new(NULL);
  for (guint i = 0; workers && i < workers->len; i++) {
    const PaleoRunWorker *w = &g_array_index(workers, PaleoRunWorker, i);
    if (w->failed_at_ms < 0)
      continue;
    if (!t->len)
      g_string_append_printf(t, "worker %u failed at %.3f ms", w->id, w->failed_at_ms);
    else
      g_string_append_printf(t, ", worker %u at %.3f ms", w->id, w->failed_at_ms);
  }
  return g_string_free(t, FALSE);
}

/* ---- the table ---- */

static void print_strategy_lines(FILE *out, const PaleoRunSummary *s)
{
  fprintf(out, "updates           %" G_GUINT64_FORMAT " (%.1f updates/s)\n", s->updates, s->updates_per_s);
  if (s->has_staleness)
    fprintf(out, "staleness         mean %.2f   p50 %g   p99 %g   max %g   (updates applied between a worker's pull and "
            "its push)\n", s->staleness.mean, s->staleness.p50, s->staleness.p99, s->staleness.max);
  if (s->dropped_gradients)
    fprintf(out, "dropped           %" G_GUINT64_FORMAT " late gradient%s (backup workers)\n", s->dropped_gradients,
            s->dropped_gradients == 1 ? "" : "s");
  if (s->stalled) {
    g_autofree char *failed = failures_text(s->workers_detail);
    fprintf(out, "stalled           at %.3f ms: failed workers stop the training%s%s%s\n", s->stalled_at_ms,
            *failed ? " (" : "", failed, *failed ? ")" : "");
  }
}

static void print_parallelism(FILE *out, const PaleoRunSummary *s)
{
  if (!s->planner)
    return;
  fprintf(out, "parallelism       %s: %u data x %u pipeline x %u %s, %u micro-batch%s of %" G_GINT64_FORMAT " (%s%s); "
          "bubble %.1f %%\n", s->planner, s->data_parallel, s->pipeline, MAX(s->tensor, s->model_parallel),
          s->tensor > 1 ? (s->sequence_parallel ? "tensor (sequence parallel)" : "tensor") : "model", s->micro_batches,
          s->micro_batches == 1 ? "" : "es", s->micro_batch, s->schedule,
          s->virtual_stages > 1 ? ", interleaved" : "", 100 * s->bubble_fraction);
  if (s->zero || (s->recompute && strcmp(s->recompute, "none")))
    fprintf(out, "%-18sZeRO %u, recomputation %s\n", "", s->zero, s->recompute);
  if (s->stages->len < 2)
    return;
  fprintf(out, "%-18s%6s %8s %12s %8s %10s\n", "per stage", "stage", "devices", "compute ms", "bubble", "in flight");
  for (guint i = 0; i < s->stages->len; i++) {
    const PaleoRunStage *st = &g_array_index(s->stages, PaleoRunStage, i);
    fprintf(out, "%-18s%6u %8u %12.3f %7.1f%% %10u\n", "", st->stage, st->devices, st->compute_ms,
            100 * st->bubble_fraction, st->peak_in_flight);
  }
}

/* FLOPs per iteration and what they make per device; memory per device. */
static void print_footprint(FILE *out, const PaleoRunSummary *s)
{
  if (s->model_flops_per_iteration > 0) {
    fprintf(out, "flops             %.4g model + %.4g recomputed per iteration: %.1f TFLOP/s per device (with "
            "recomputation), MFU %.1f %%, HFU %.1f %% of %.0f TFLOP/s\n", s->model_flops_per_iteration,
            s->hardware_flops_per_iteration - s->model_flops_per_iteration, s->tflops_per_device, 100 * s->mfu,
            100 * s->hfu, s->peak_tflops);
    if (s->tokens_per_s > 0)
      fprintf(out, "tokens            %.0f tokens/s (%.0f per device)\n", s->tokens_per_s, s->tokens_per_s / s->workers);
  }
  const PaleoMemory *m = &s->memory;
  if (m->total <= 0)
    return;
  g_autofree char *text = paleo_run_memory_text(m);
  fprintf(out, "memory            %s: %s\n", text,
          m->capacity <= 0 ? "capacity unknown" : m->fits ? "fits" : "DOES NOT FIT");
}

void paleo_summary_print_table(FILE *out, const PaleoScenario *sc, const PaleoRunSummary *s)
{
  g_autofree char *label = paleo_summary_strategy_label(sc);
  gboolean sync = !paleo_scenario_strategy(sc)->servers;
  g_autofree char *exchange = sync ? g_strdup(paleo_collective_names[sc->training.collective])
                                   : g_strdup_printf("%" G_GINT64_FORMAT " parameter server%s", sc->cluster.ps_count,
                                                     sc->cluster.ps_count == 1 ? "" : "s");
  fprintf(out, "scenario          %s: %s, %u x %s, %s, %s, %s fidelity\n", sc->name, sc->workload.net, s->workers,
          sc->cluster.device, label, exchange, paleo_fidelity_names[sc->training.fidelity]);
  if (sync)
    fprintf(out, "iterations        %u (batch %" G_GINT64_FORMAT " per %s, %u gradient bucket%s%s)\n", s->iterations,
            s->batch_per_worker, s->data_parallel < s->workers ? "replica" : "worker", s->buckets,
            s->buckets == 1 ? "" : "s", s->data_parallel < s->workers ? " on device 0" : "");
  else
    fprintf(out, "iterations        %u (batch %" G_GINT64_FORMAT " per worker; %s)\n", s->iterations, s->batch_per_worker,
            !paleo_scenario_strategy(sc)->asynchronous ? "global iterations" : "finished by every live worker");
  fprintf(out, "iteration time    mean %.3f ms   p50 %.3f ms   p99 %.3f ms\n", s->iteration_mean_ms,
          s->iteration_p50_ms, s->iteration_p99_ms);
  fprintf(out, "throughput        %.1f samples/s\n", s->throughput_samples_per_s);
  print_strategy_lines(out, s);
  fprintf(out, "speed-up          %.2f x against one worker (%.3f ms per iteration)\n", s->speedup, s->one_worker_ms);
  fprintf(out, "time per worker   compute %.3f ms   exposed communication %.3f ms   waiting %.3f ms   (per iteration)\n",
          s->compute_ms, s->comm_exposed_ms, s->wait_ms);
  fprintf(out, "overlap           %.1f %% of %.3f ms communication hidden under compute\n", 100 * s->overlap_fraction,
          s->comm_ms);
  print_parallelism(out, s);
  print_footprint(out, s);
  print_workers(out, s->workers_detail);
  if (s->links->len) {
    fprintf(out, "busiest links     utilization\n");
    for (guint i = 0; i < s->links->len && i < 5; i++) {
      const PaleoRunLink *l = &g_array_index(s->links, PaleoRunLink, i);
      fprintf(out, "  %-24s %6.1f %%\n", l->name, 100 * l->utilization);
    }
  }
  fprintf(out, "simulation        %" G_GUINT64_FORMAT " events, %" G_GUINT64_FORMAT " flows, %.3f s wall\n", s->events,
          s->flows, s->wall_s);
}

/* ---- JSON ---- */

static void add_double(JsonBuilder *b, const char *key, double value)
{
  json_builder_set_member_name(b, key);
  json_builder_add_double_value(b, value);
}

static void add_int(JsonBuilder *b, const char *key, gint64 value)
{
  json_builder_set_member_name(b, key);
  json_builder_add_int_value(b, value);
}

static void add_null(JsonBuilder *b, const char *key)
{
  json_builder_set_member_name(b, key);
  json_builder_add_null_value(b);
}

static void add_staleness(JsonBuilder *b, const PaleoRunSummary *s)
{
  if (!s->has_staleness) {
    add_null(b, "staleness");
    return;
  }
  json_builder_set_member_name(b, "staleness");
  json_builder_begin_object(b);
  add_double(b, "mean", s->staleness.mean);
  add_int(b, "p50", (gint64)s->staleness.p50); /* update counts */
  add_int(b, "p99", (gint64)s->staleness.p99);
  add_int(b, "max", (gint64)s->staleness.max);
  json_builder_end_object(b);
}

static void add_workers(JsonBuilder *b, const GArray *workers)
{
  json_builder_set_member_name(b, "workers");
  json_builder_begin_array(b);
  for (guint i = 0; workers && i < workers->len; i++) {
    const PaleoRunWorker *w = &g_array_index(workers, PaleoRunWorker, i);
    json_builder_begin_object(b);
    add_int(b, "id", w->id);
    add_double(b, "slowdown", w->slowdown);
    add_int(b, "iterations", w->iterations);
    if (w->failed_at_ms >= 0)
      add_double(b, "failed_at_ms", w->failed_at_ms);
    else
      add_null(b, "failed_at_ms");
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
}

static void add_links(JsonBuilder *b, const GArray *links)
{
  json_builder_set_member_name(b, "links");
  json_builder_begin_array(b);
  for (guint i = 0; i < links->len; i++) {
    const PaleoRunLink *l = &g_array_index(links, PaleoRunLink, i);
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "name");
    json_builder_add_string_value(b, l->name);
    add_double(b, "utilization", l->utilization);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
}

static void add_parallelism(JsonBuilder *b, const PaleoRunSummary *s)
{
  json_builder_set_member_name(b, "parallelism");
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "planner");
  json_builder_add_string_value(b, s->planner ? s->planner : "");
  add_int(b, "data", s->data_parallel);
  add_int(b, "pipeline", s->pipeline);
  add_int(b, "model", s->model_parallel);
  add_int(b, "micro_batches", s->micro_batches);
  add_int(b, "micro_batch", s->micro_batch);
  add_int(b, "tensor", MAX(s->tensor, 1));
  json_builder_set_member_name(b, "sequence_parallel");
  json_builder_add_boolean_value(b, s->sequence_parallel);
  add_int(b, "virtual_stages", MAX(s->virtual_stages, 1));
  add_int(b, "zero", s->zero);
  json_builder_set_member_name(b, "recompute");
  json_builder_add_string_value(b, s->recompute ? s->recompute : "none");
  json_builder_set_member_name(b, "schedule");
  json_builder_add_string_value(b, s->schedule ? s->schedule : "");
  json_builder_end_object(b);
  json_builder_set_member_name(b, "stages");
  json_builder_begin_array(b);
  for (guint i = 0; s->stages && i < s->stages->len; i++) {
    const PaleoRunStage *st = &g_array_index(s->stages, PaleoRunStage, i);
    json_builder_begin_object(b);
    add_int(b, "stage", st->stage);
    add_int(b, "devices", st->devices);
    add_double(b, "compute_ms", st->compute_ms);
    add_double(b, "bubble_fraction", st->bubble_fraction);
    add_int(b, "peak_in_flight_microbatches", st->peak_in_flight);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  add_double(b, "bubble_fraction", s->bubble_fraction);
}

void paleo_summary_add_memory(JsonBuilder *b, const PaleoMemory *m)
{
  const double gib = 1024.0 * 1024 * 1024;
  add_double(b, "weights_gib", m->weights / gib);
  add_double(b, "gradients_gib", m->gradients / gib);
  add_double(b, "optimizer_gib", m->optimizer / gib);
  add_double(b, "activations_gib", m->activations / gib);
  add_double(b, "workspace_gib", m->workspace / gib);
  add_double(b, "total_gib", m->total / gib);
  if (m->capacity > 0) {
    add_double(b, "capacity_gib", m->capacity / gib);
    json_builder_set_member_name(b, "fits");
    json_builder_add_boolean_value(b, m->fits);
  } else {
    add_null(b, "capacity_gib");
    add_null(b, "fits");
  }
  add_int(b, "stage", m->stage);
  add_double(b, "params_per_device", m->params);
  add_int(b, "micro_batches_in_flight", m->in_flight);
}

/* The strategy's own results: updates, staleness, dropped gradients, stall. */
static void add_strategy_members(JsonBuilder *b, const PaleoRunSummary *s)
{
  json_builder_set_member_name(b, "strategy");
  json_builder_add_string_value(b, s->strategy);
  add_int(b, "updates", (gint64)s->updates);
  add_double(b, "updates_per_s", s->updates_per_s);
  add_staleness(b, s);
  add_int(b, "dropped_gradients", (gint64)s->dropped_gradients);
  json_builder_set_member_name(b, "stalled");
  json_builder_add_boolean_value(b, s->stalled);
  if (s->stalled)
    add_double(b, "stalled_at_ms", s->stalled_at_ms);
  else
    add_null(b, "stalled_at_ms");
}

void paleo_summary_add_json(JsonBuilder *b, const PaleoScenario *sc, const PaleoRunSummary *s)
{
  json_builder_set_member_name(b, "scenario");
  json_builder_add_string_value(b, sc->name);
  add_int(b, "worker_count", s->workers);
  add_int(b, "batch_per_worker", s->batch_per_worker);
  add_int(b, "params", s->params);
  add_int(b, "iterations", s->iterations);
  json_builder_set_member_name(b, "iteration_ms");
  json_builder_begin_object(b);
  add_double(b, "mean", s->iteration_mean_ms);
  add_double(b, "p50", s->iteration_p50_ms);
  add_double(b, "p99", s->iteration_p99_ms);
  json_builder_end_object(b);
  const struct {
    const char *key;
    double value;
  } nums[] = {
    {"throughput_samples_per_s", s->throughput_samples_per_s}, {"speedup", s->speedup},
    {"one_worker_ms", s->one_worker_ms}, {"compute_ms", s->compute_ms}, {"comm_ms", s->comm_ms},
    {"comm_exposed_ms", s->comm_exposed_ms}, {"wait_ms", s->wait_ms}, {"overlap_fraction", s->overlap_fraction},
    {"model_flops_per_iteration", s->model_flops_per_iteration},
    {"hardware_flops_per_iteration", s->hardware_flops_per_iteration}, {"tflops_per_device", s->tflops_per_device},
    {"mfu", s->mfu}, {"hfu", s->hfu}, {"peak_tflops_per_device", s->peak_tflops}, {"tokens_per_s", s->tokens_per_s},
    {"wall_s", s->wall_s},
  };
  for (guint i = 0; i < G_N_ELEMENTS(nums); i++)
    add_double(b, nums[i].key, nums[i].value);
  add_int(b, "events", (gint64)s->events);
  add_int(b, "flows", (gint64)s->flows);
  add_int(b, "peak_flows_in_flight", (gint64)s->peak_flows_in_flight);
  add_int(b, "network_bytes", (gint64)s->network_bytes);
  json_builder_set_member_name(b, "interrupted");
  json_builder_add_boolean_value(b, s->interrupted);
  add_strategy_members(b, s);
  add_parallelism(b, s);
  json_builder_set_member_name(b, "memory");
  json_builder_begin_object(b);
  paleo_summary_add_memory(b, &s->memory);
  json_builder_end_object(b);
  add_workers(b, s->workers_detail);
  add_links(b, s->links);
  paleo_summary_add_config(b, sc);
}

void paleo_summary_add_value(JsonBuilder *b, const PaleoScenarioValue *v)
{
  switch (v->kind) {
  case PALEO_VALUE_STRING: json_builder_add_string_value(b, v->text); break;
  case PALEO_VALUE_INT: json_builder_add_int_value(b, v->i); break;
  case PALEO_VALUE_NUMBER: json_builder_add_double_value(b, v->number); break;
  case PALEO_VALUE_BOOL: json_builder_add_boolean_value(b, v->b); break;
  case PALEO_VALUE_UINT:
    if (v->u <= G_MAXINT64)
      json_builder_add_int_value(b, (gint64)v->u);
    else { /* beyond JSON's exact integers: the digits as text */
      g_autofree char *t = g_strdup_printf("%" G_GUINT64_FORMAT, v->u);
      json_builder_add_string_value(b, t);
    }
    break;
  }
}

void paleo_summary_add_config(JsonBuilder *b, const PaleoScenario *sc)
{
  json_builder_set_member_name(b, "config");
  json_builder_begin_object(b);
  for (guint i = 0; i < paleo_scenario_n_keys(); i++) {
    PaleoScenarioValue v;
    paleo_scenario_value_at(sc, i, &v);
    g_autofree char *name = g_strdup_printf("%s.%s", v.section, v.key);
    json_builder_set_member_name(b, name);
    paleo_summary_add_value(b, &v);
  }
  json_builder_end_object(b);
}

JsonObject *paleo_summary_prototype_row(const PaleoScenario *sc)
{
  PaleoRunSummary s = {.strategy = "", .has_staleness = TRUE, .stalled = TRUE,
                       .memory = {.capacity = 1, .fits = TRUE}}; /* typed columns: fits a boolean */
  s.links = g_array_new(FALSE, FALSE, sizeof(PaleoRunLink));
  g_autoptr(JsonObject) run = paleo_summary_json(sc, &s);
  paleo_run_summary_clear(&s);
  return paleo_row_flatten(run);
}

JsonObject *paleo_summary_json(const PaleoScenario *sc, const PaleoRunSummary *s)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  paleo_summary_add_json(b, sc, s);
  json_builder_end_object(b);
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  return json_object_ref(json_node_get_object(root));
}

void paleo_summary_write_json(FILE *out, JsonBuilder *b)
{
  g_autoptr(JsonGenerator) gen = json_generator_new();
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  json_generator_set_root(gen, root);
  json_generator_set_pretty(gen, TRUE);
  g_autofree char *text = json_generator_to_data(gen, NULL);
  fprintf(out, "%s\n", text);
}

/* ---- signals and exit codes ---- */

/* The first signal stops the run gracefully (its trace is closed "interrupted"). A run in
 * set-up or inside one long event cannot stop at once, so it gets half a second to see the
 * request (paleo_run_stop_taken); a second signal, or the end of that half second
 * (SIGALRM) before the run saw it, ends the process at once (paleo_cli_fatal_signal).
 * setitimer is a plain system call on Linux. */
static void on_signal(int sig)
{
  if (paleo_run_stop_requested())
    paleo_cli_fatal_signal(sig);
  if (!paleo_run_request_stop()) {
    struct itimerval deadline = {.it_value = {.tv_sec = 0, .tv_usec = 500000}};
    setitimer(ITIMER_REAL, &deadline, NULL);
  }
}

static void on_deadline(int sig)
{
  if (!paleo_run_stop_taken())
    paleo_cli_fatal_signal(sig);
}

void paleo_summary_catch_stop_signals(void)
{
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sa.sa_handler = on_deadline;
  sigaction(SIGALRM, &sa, NULL);
}

int paleo_summary_exit_code(const GError *e)
{
  if (e->domain == PALEO_SCENARIO_ERROR || (e->domain == PALEO_OUTPUT_ERROR && e->code == PALEO_OUTPUT_ERROR_FORMAT))
    return PALEO_EXIT_USAGE;
  return PALEO_EXIT_FAILURE;
}
