/* The registry of training strategies and the trainer functions every strategy shares:
 * statistics, straggler draws and compute durations, trace records. */
#include "workloads/train.h"

#include <math.h>
#include <string.h>

#include "workloads/train_int.h"

const PaleoStrategy paleo_strategies[] = {
  {"sync", "synchronous: the step as a task graph (data, model, hybrid and pipeline parallel), bucketed gradient "
           "collectives overlapping backward, update",
   FALSE, FALSE, TRUE, NULL, NULL, 0, paleo_train_sync_new},
  {"async-ps", "asynchronous SGD: every worker pushes to the sharded parameter servers and pulls fresh weights, no barrier",
   TRUE, TRUE, FALSE, NULL, NULL, 0, paleo_train_async_ps_new},
  {"ssp", "stale-synchronous parallel: async-ps, but no worker runs more than ssp_bound iterations ahead of the slowest",
   TRUE, TRUE, FALSE, "ssp_bound", "bound", 3, paleo_train_ssp_new},
  {"backup", "synchronous through the parameter servers with backup workers: an update takes the first workers - b gradients",
   TRUE, FALSE, FALSE, "backup_workers", "count", 2, paleo_train_backup_new},
  {NULL, NULL, FALSE, FALSE, FALSE, NULL, NULL, 0, NULL},
};

const char *paleo_strategy_name_at(int i)
{
  g_return_val_if_fail(i >= 0 && i < (int)G_N_ELEMENTS(paleo_strategies), NULL);
  return paleo_strategies[i].name;
}

const PaleoStrategy *paleo_strategy_find(const char *name)
{
  for (const PaleoStrategy *s = paleo_strategies; s->name; s++)
    if (!g_ascii_strcasecmp(s->name, name))
      return s;
  return NULL;
}

const PaleoTrainStats *paleo_trainer_stats(const PaleoTrainer *trainer)
{
  return &trainer->stats;
}

gboolean paleo_trainer_trace_status(const PaleoTrainer *trainer, GError **error)
{
  if (!trainer->trace_error)
    return TRUE;
  g_propagate_error(error, g_error_copy(trainer->trace_error));
  return FALSE;
}

static void stats_init(PaleoTrainStats *st, uint32_t workers, uint32_t iterations)
{
  st->workers = workers;
  st->iteration_end_ns = g_new0(uint64_t, iterations);
  st->worker_iteration_ns = g_array_new(FALSE, FALSE, sizeof(uint64_t));
  st->staleness = g_array_new(FALSE, TRUE, sizeof(uint64_t));
  st->compute_ns = g_new0(uint64_t, workers);
  st->comm_ns = g_new0(uint64_t, workers);
  st->hidden_ns = g_new0(uint64_t, workers);
  st->exposed_ns = g_new0(uint64_t, workers);
  st->wait_ns = g_new0(uint64_t, workers);
  st->worker_iterations = g_new0(uint32_t, workers);
  st->nominal_ns = g_new0(uint64_t, workers);
  st->stretched_ns = g_new0(uint64_t, workers);
  st->failed_at_ns = g_new(uint64_t, workers);
  for (uint32_t w = 0; w < workers; w++)
    st->failed_at_ns[w] = PALEO_NEVER_NS;
}

static void stats_clear(PaleoTrainStats *st)
{
  g_free(st->iteration_end_ns);
  g_array_free(st->worker_iteration_ns, TRUE);
  g_array_free(st->staleness, TRUE);
  g_free(st->compute_ns);
  g_free(st->comm_ns);
  g_free(st->hidden_ns);
  g_free(st->exposed_ns);
  g_free(st->wait_ns);
  g_free(st->worker_iterations);
  g_free(st->nominal_ns);
  g_free(st->stretched_ns);
  g_free(st->failed_at_ns);
}

void paleo_trainer_init(PaleoTrainer *t, const char *strategy, PaleoEngine *engine, const PaleoTrainCosts *costs,
                        const PaleoTrainConfig *config)
{
  t->strategy = paleo_strategy_find(strategy);
  g_assert(t->strategy);
  t->engine = engine;
  t->sink = config->sink;
  t->costs = costs;
  if (config->stragglers) {
    g_assert(config->stragglers->workers == config->workers);
    t->stragglers = config->stragglers;
  } else
    t->stragglers = t->own_stragglers = paleo_straggler_model_new(config->workers);
  t->noise = g_new(PaleoRng, config->workers);
  for (uint32_t w = 0; w < config->workers; w++)
    paleo_straggler_rng_init(&t->noise[w], paleo_engine_seed(engine), w);
  stats_init(&t->stats, config->workers, config->iterations);
}

gboolean paleo_trainer_tracing(const PaleoTrainer *t, PaleoTraceLevel level)
{
  return t->sink && t->sink->level >= level;
}

double paleo_trainer_draw_factor(PaleoTrainer *t, uint32_t worker)
{
  return paleo_straggler_draw(t->stragglers, worker, &t->noise[worker]);
}

uint64_t paleo_trainer_scaled_slow(uint64_t ns, double factor)
{
  double x = (double)ns * factor;
  return x >= 0x1p60 ? UINT64_C(1) << 60 : (uint64_t)llround(x); /* 36 years: never wraps the clock */
}

void paleo_trainer_schedule_failure(PaleoTrainer *t, uint32_t worker, uint32_t entity, uint32_t fail_kind)
{
  uint64_t fail = t->stragglers->fail_at_ns[worker];
  if (fail != PALEO_NEVER_NS)
    paleo_engine_schedule(t->engine, fail, entity, fail_kind, 0, NULL);
}

void paleo_trainer_fail(PaleoTrainer *t, uint32_t worker)
{
  t->stats.failed_at_ns[worker] = paleo_engine_now(t->engine);
}

void paleo_trainer_trace_flow(PaleoTrainer *t, const PaleoFlowInfo *flow, uint64_t bytes, const char *collective,
                              int32_t bucket, uint32_t iteration, PaleoTime start)
{
  if (!paleo_trainer_tracing(t, PALEO_TRACE_LEVEL_FLOWS))
    return;
  PaleoFlowRecord r = {flow->id, flow->src, flow->dst, bytes, collective, bucket, iteration, start, flow->end_ns};
  paleo_trainer_trace(t, t->sink->ops->flow(t->sink, &r, &t->trace_error));
}

void paleo_trainer_trace_layers(PaleoTrainer *t, uint32_t worker, uint32_t iteration, double factor, PaleoPhase phase,
                                guint lo, guint hi, PaleoTime start, PaleoTime until)
{
  if (!paleo_trainer_tracing(t, PALEO_TRACE_LEVEL_TASKS))
    return;
  const uint64_t *d = phase == PALEO_PHASE_FWD ? t->costs->fwd_ns : t->costs->bwd_ns;
  uint64_t cum = 0;
  for (guint k = 0; k <= hi - lo && t->sink; k++) {
    guint layer = phase == PALEO_PHASE_FWD ? lo + k : hi - k;
    PaleoTime a, b;
    if (!paleo_trainer_task_span(t, worker, factor, start, until, &cum, d[layer], &a, &b))
      return;
    PaleoTaskRecord r = {worker, iteration, layer, phase, a, b, PALEO_TASK_ID_NONE, PALEO_STREAM_COMPUTE, 0, 0};
    paleo_trainer_trace(t, t->sink->ops->task(t->sink, &r, &t->trace_error));
  }
}

void paleo_trainer_trace_iteration(PaleoTrainer *t, uint32_t worker, uint32_t iteration, PaleoTime start,
                                   PaleoTime end, uint64_t wait_ns, double slowdown)
{
  if (!t->sink)
    return;
  PaleoIterationRecord r = {worker, iteration, start, end, wait_ns, slowdown};
  paleo_trainer_trace(t, t->sink->ops->iteration(t->sink, &r, &t->trace_error));
}

void paleo_trainer_complete(PaleoTrainer *t, gboolean stop)
{
  t->stats.complete = TRUE;
  if (stop)
    paleo_engine_stop(t->engine);
}

gboolean paleo_trainer_trace(PaleoTrainer *t, gboolean ok)
{
  if (!ok) {
    g_assert(t->trace_error);
    t->sink = NULL; /* record nothing more */
    paleo_engine_stop(t->engine);
  }
  return ok;
}

void paleo_trainer_free(PaleoTrainer *trainer)
{
  if (!trainer)
    return;
  if (trainer->free)
    trainer->free(trainer);
  stats_clear(&trainer->stats);
  paleo_straggler_model_free(trainer->own_stragglers);
  g_free(trainer->noise);
  g_clear_error(&trainer->trace_error);
  g_free(trainer);
}
